"""The one look of every plot's axes (loss curves, K-means scatter, J, confusion)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

AXIS_PEN = (90, 90, 90)
AXIS_TEXT = (40, 40, 40)


def style_axes(plot_item: pg.PlotItem, cached: bool = False) -> None:
    """Grey axis lines, dark tick text, numbers shown as they are.

    No automatic SI prefix: "(x0.001)" tucked into the axis label, with ticks
    at 300, 400..., misreads a loss of 0.3 or a J of 0. `cached` keeps each
    axis as a pixmap, redrawn only when its range changes: replaying an
    axis' text picture cost 7 ms a repaint on the GUI thread, which matters
    for plots redrawn while a model trains or K-means animates.
    """
    for name in ("left", "bottom"):
        axis = plot_item.getAxis(name)
        axis.setPen(pg.mkPen(*AXIS_PEN))
        axis.setTextPen(pg.mkPen(*AXIS_TEXT))
        axis.enableAutoSIPrefix(False)
        if cached:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
