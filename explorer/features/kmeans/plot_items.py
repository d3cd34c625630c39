"""The K-means plot's pyqtgraph items, each made once and only fed new arrays
afterwards (setData / setImage), which is what keeps a redraw of 10,000
points under a frame:

* points: one scatter item per cluster with a single brush (plus one grey
  item for "not assigned yet"), pxMode, no antialiasing; their record
  arrays made faster than pyqtgraph makes them (OneStyleScatter.setData),
  and empty ones hidden (show_points);
* Voronoi regions: ONE image of nearest-centroid indices over the visible
  range, coloured through a lookup table at low alpha, rendered straight to
  premultiplied ARGB32 (RegionsImage);
* centroids: one scatter item (K <= 20, so per-spot brushes cost nothing)
  that can be dragged (CentroidItem).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

if TYPE_CHECKING:  # pragma: no cover
    from explorer.features.kmeans.plot import KMeansPlot

MAX_K = 20
# tab20's dark half, then its light half, so K = 10 gets ten distinct hues.
# tab10's grey is swapped for charcoal and tab20's light grey for magenta:
# grey means "not assigned yet" here.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (60, 60, 60), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
    (196, 156, 148), (247, 182, 210), (230, 0, 230), (219, 219, 141), (158, 218, 229),
)
UNASSIGNED = (175, 175, 175)
REGION_ALPHA = 48


def color(j: int) -> tuple[int, int, int]:
    return PALETTE[j % len(PALETTE)]


NO_POINTS = np.zeros((0, 2))


def show_points(item: pg.ScatterPlotItem, pos: np.ndarray) -> None:
    """Give a scatter item its points, and hide it while it has none.

    An empty item still costs a paint (culling, coordinate transforms) of
    about 0.3 ms, and K = 10 leaves half of the 21 point items empty.
    """
    if len(pos) or len(item.data):
        item.setData(pos=pos)
    item.setVisible(len(pos) > 0)


def region_lut() -> np.ndarray:
    lut = np.zeros((256, 4), dtype=np.uint8)  # everything past MAX_K: transparent
    for j, rgb in enumerate(PALETTE):
        lut[j] = (*rgb, REGION_ALPHA)
    return lut


def _premultiplied_table(lut: np.ndarray) -> np.ndarray:
    """(256,) uint32 0xAARRGGBB, colour scaled by alpha: QImage's ARGB32_Premultiplied."""
    rgba = lut.astype(np.uint32)
    alpha = rgba[:, 3]
    r, g, b = ((rgba[:, c] * alpha + 127) // 255 for c in range(3))
    return (alpha << 24) | (r << 16) | (g << 8) | b


class RegionsImage(pg.ImageItem):
    """The Voronoi shading: an image of nearest-centroid indices and their colours.

    pyqtgraph makes an index image with a lookup table into an Indexed8
    QImage, which Qt converts again on every paint while scaling it up to the
    whole plot: the largest single cost of a repaint here (3-6 ms). Rendered
    once per change into premultiplied ARGB32, Qt's own format for drawing,
    the paint is a plain scaled copy (0.5-0.7 ms). `image` stays the index
    grid; anything other than a row-major uint8 grid goes pyqtgraph's way.
    """

    def __init__(self, lut: np.ndarray):
        super().__init__(axisOrder="row-major")
        self.setLookupTable(lut)
        self._table = _premultiplied_table(lut)
        self._argb: np.ndarray | None = None  # the buffer the QImage reads

    def render(self) -> None:
        grid = self.image
        if (grid is None or grid.ndim != 2 or grid.dtype != np.uint8 or grid.size == 0
                or self.axisOrder != "row-major"):
            super().render()
            return
        self._argb = np.ascontiguousarray(self._table[grid])
        rows, cols = grid.shape
        self.qimage = QImage(self._argb.data, cols, rows, 4 * cols,
                             QImage.Format.Format_ARGB32_Premultiplied)
        self._renderRequired = False
        self._unrenderable = False


class OneStyleScatter(pg.ScatterPlotItem):
    """A ScatterPlotItem whose spots all share the item's single style.

    pyqtgraph finds each new spot's place in its symbol atlas one spot at a
    time, in Python (about 1 ms per 1,000 spots, half the cost of a redraw);
    when every spot looks the same, one lookup serves them all. Should
    pyqtgraph's internals change, this falls back to its own path.
    """

    def updateSpots(self, dataSet=None) -> None:  # noqa: N802, N803 - pyqtgraph's names
        data = self.data if dataSet is None else dataSet
        try:
            if self.opts["pxMode"] and self.opts["useCache"] and len(data):
                todo = data["sourceRect"]["w"] == 0
                if todo.any():
                    first = np.flatnonzero(todo)[:1]
                    style = list(zip(*self._style(["symbol", "size", "pen", "brush"],
                                                  data=data, idx=first), strict=True))
                    data["sourceRect"][todo] = self.fragmentAtlas[style][0]
                    super().updateSpots(dataSet)
                    self.invalidate()  # the base class only does so when it looked up
                    return
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            pass
        super().updateSpots(dataSet)

    def setData(self, *args, **kargs) -> None:  # noqa: N802 - pyqtgraph's name
        """`setData(pos=array)` as pyqtgraph does it, with the record array made faster.

        pyqtgraph makes each new record array with `np.empty`, which fills its
        five object fields with None one record at a time: 3.5 ms for 10,000
        spots, more than a third of a redraw. `np.zeros` and one vectorised
        None per object field give the very same array in a sixth of the time.
        Any other call (or an unexpected pyqtgraph) takes pyqtgraph's own path.
        """
        pos = kargs.get("pos")
        fast = (not args and kargs.keys() == {"pos"} and isinstance(pos, np.ndarray)
                and pos.ndim == 2 and pos.shape[1] == 2)
        data = _blank_records(len(pos), self.data.dtype) if fast else None
        if data is None:
            super().setData(*args, **kargs)
            return
        self.clear()
        data["x"] = pos[:, 0]
        data["y"] = pos[:, 1]
        data["size"] = -1  # pyqtgraph's "use the item's size"
        data["visible"] = True
        self.data = data
        # What the end of pyqtgraph's addPoints does for new points.
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()
        self.updateSpots(data)
        self.sigPlotChanged.emit(self)


_SPOT_FIELDS = ("x", "y", "size", "symbol", "pen", "brush", "visible", "data", "item", "sourceRect")


def _blank_records(n: int, dtype: np.dtype) -> np.ndarray | None:
    """n records as `np.empty(n, dtype)` makes them (object fields None), or None
    when the dtype is not the one this was written for (pyqtgraph 0.13-0.14)."""
    if dtype.names is None or not set(_SPOT_FIELDS) <= set(dtype.names):
        return None
    data = np.zeros(n, dtype=dtype)
    for name in dtype.names:
        if dtype[name].hasobject:
            data[name] = None
    return data


class CentroidItem(pg.ScatterPlotItem):
    """The centroid markers; a left-drag moves one when `draggable` is set."""

    def __init__(self, owner: KMeansPlot):
        super().__init__(size=20, symbol="star", pen=pg.mkPen(0, 0, 0, width=1.6),
                         pxMode=True, antialias=True)
        self.owner = owner
        self.draggable = False
        self._drag: int | None = None
        self._xy = np.zeros((0, 2))
        # The same brush objects every time: the symbol atlas keys on them, and
        # new ones would render (and store) the star again on every redraw.
        self.brushes = [pg.mkBrush(*color(j)) for j in range(MAX_K)]

    def set_centroids(self, xy: np.ndarray | None) -> None:
        self._xy = np.zeros((0, 2)) if xy is None else np.asarray(xy, dtype=np.float64)
        self._show(self._xy)

    def _show(self, xy: np.ndarray) -> None:
        self.setData(pos=xy, brush=self.brushes[:len(xy)])

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        if not self.draggable or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hits = self.pointsAt(ev.buttonDownPos())
            if len(hits) == 0:
                ev.ignore()
                return
            self._drag = int(hits[0].index())
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        j, p = self._drag, ev.pos()
        xy = self._xy.copy()
        xy[j] = (p.x(), p.y())
        self._show(xy)
        self.owner.centroid_dragged.emit(j, p.x(), p.y())
        if ev.isFinish():
            self._drag = None
            self.owner.centroid_moved.emit(j, p.x(), p.y())
