"""Reusable widgets and drawing helpers with no state of their own.

Any feature may use them; they know nothing of the session or of features.
"""

import pyqtgraph as _pg

# numpy images are (rows, columns); pyqtgraph's default is the transpose.
_pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
