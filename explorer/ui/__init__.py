"""Qt widgets. No maths here beyond formatting: the work is in explorer.core."""

import pyqtgraph as _pg

# numpy images are (rows, columns); pyqtgraph's default is the transpose.
_pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
