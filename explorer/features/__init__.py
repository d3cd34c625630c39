"""One package per feature of the window (a tab or the model dock).

Each holds a state object without widgets (testable without a window, and
without TensorFlow where the feature allows) and a view that only lays out
widgets and binds them to the state. Features never import one another: the
main window (explorer.ui) composes them, and they share only the services
(explorer.services) and the widgets (explorer.widgets).
"""

import explorer.widgets  # noqa: F401 - pyqtgraph's image axis order, before any plot
