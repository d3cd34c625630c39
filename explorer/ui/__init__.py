"""The window's shell: the main window that composes the features, its menus,
presentation mode, export and settings. No maths here: the work is in
explorer.core, the tabs are in explorer.features."""

import explorer.widgets  # noqa: F401 - pyqtgraph's image axis order, before any plot
