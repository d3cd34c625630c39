"""The K-means lab's pyqtgraph views: the point cloud and the clusters-vs-digits map.

Every item is made once and only fed new arrays afterwards (setData /
setImage), which is what keeps a redraw of 10,000 points under a frame:

* points: one ScatterPlotItem per cluster with a single brush (plus one grey
  item for "not assigned yet"), pxMode, no antialiasing; their record
  arrays made faster than pyqtgraph makes them, and empty ones hidden
  (see _OneStyleScatter.setData and _show);
* Voronoi regions: ONE ImageItem of nearest-centroid indices over the visible
  range, coloured through a lookup table at low alpha (rendered straight to
  premultiplied ARGB32, see _RegionsImage), behind the points and
  recomputed when the view is panned or zoomed;
* centroids: one ScatterPlotItem (K <= 20, so per-spot brushes cost nothing)
  that can be dragged, and a PlotDataItem per centroid for its trail.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from explorer.core import cluster_metrics, latent_points
from explorer.widgets.digit_grid import array_to_qimage
from explorer.widgets.plot_style import style_axes

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
VORONOI_SHAPE = (200, 200)
HOVER_SCALE = 3  # a 28-pixel digit drawn 84 pixels wide


def color(j: int) -> tuple[int, int, int]:
    return PALETTE[j % len(PALETTE)]


_NO_POINTS = np.zeros((0, 2))


def _show(item: pg.ScatterPlotItem, pos: np.ndarray) -> None:
    """Give a scatter item its points, and hide it while it has none.

    An empty item still costs a paint (culling, coordinate transforms) of
    about 0.3 ms, and K = 10 leaves half of the 21 point items empty.
    """
    if len(pos) or len(item.data):
        item.setData(pos=pos)
    item.setVisible(len(pos) > 0)


def _region_lut() -> np.ndarray:
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


class _RegionsImage(pg.ImageItem):
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


class _OneStyleScatter(pg.ScatterPlotItem):
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


class KMeansPlot(pg.PlotWidget):
    """The 2-D view of the clustered points (objectName "kmeans_plot")."""

    clicked = Signal(float, float, str)  # view x, y and "left" / "right"
    centroid_dragged = Signal(int, float, float)  # while the mouse moves
    centroid_moved = Signal(int, float, float)  # when the drag ends

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.setObjectName("kmeans_plot")
        self.setAccessibleName("Points coloured by cluster, centroids and Voronoi regions")
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        self.set_axis_titles(projected=True)
        style_axes(item, cached=True)  # the axis text was half of every repaint
        self.regions = _RegionsImage(_region_lut())
        self.regions.setZValue(-10)
        self.addItem(self.regions, ignoreBounds=True)  # it follows the view, not the reverse
        self.unassigned_item = self._scatter(UNASSIGNED)
        self.cluster_items = [self._scatter(color(j)) for j in range(MAX_K)]
        self.trail_items = []
        self._trailing: set[int] = set()  # trail items that hold data
        for j in range(MAX_K):
            trail = pg.PlotDataItem(pen=pg.mkPen(*color(j), width=2))
            trail.setZValue(5)
            trail.setVisible(False)  # shown once it holds a trail
            self.addItem(trail)
            self.trail_items.append(trail)
        # Where the centroids have been, for all trails at once: symbols on
        # each PlotDataItem would cost five times as much per redraw.
        self.trail_dots = pg.ScatterPlotItem(size=6, pen=pg.mkPen(0, 0, 0, 150), pxMode=True)
        self.trail_dots.setZValue(6)
        self.trail_dots.setVisible(False)
        self.addItem(self.trail_dots)
        self.hover_ring = pg.ScatterPlotItem(size=13, symbol="o", brush=None,
                                             pen=pg.mkPen(0, 0, 0, width=2), pxMode=True)
        self.hover_ring.setZValue(8)
        self.hover_ring.setVisible(False)
        self.addItem(self.hover_ring)
        self.centroid_item = CentroidItem(self)
        self.centroid_item.setZValue(10)
        self.addItem(self.centroid_item)
        self._region_centroids: np.ndarray | None = None
        self._hover_data: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._labels: np.ndarray | None = None
        self.hover_index = -1

        self.message = QLabel(self)
        self.message.setObjectName("kmeans_plot_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("background: rgba(255,255,255,225); color: #444;"
                                   "border: 1px solid #bbb; border-radius: 6px; padding: 12px;")
        font = QFont(self.message.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.message.setFont(font)
        self.message.hide()
        self.hover = _HoverCard(self)
        self.hover.hide()
        self.hover_caption = ""

        self.getViewBox().sigRangeChanged.connect(lambda *_: self._draw_regions())
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _scatter(self, rgb: Sequence[int]) -> pg.ScatterPlotItem:
        item = _OneStyleScatter(size=5, pen=None, brush=pg.mkBrush(*rgb, 200), symbol="o",
                                pxMode=True, useCache=True, antialias=False)
        item.setVisible(False)  # shown once it holds points
        self.addItem(item)
        return item

    # ------------------------------------------------------------ drawing
    def set_axis_titles(self, projected: bool) -> None:
        """PCA's axes, or a 2-d code's own two numbers (drawn without projection)."""
        item = self.getPlotItem()
        first, second = (("first principal component", "second principal component")
                         if projected else ("code number 1", "code number 2"))
        if item.getAxis("bottom").labelText != first:
            item.setLabel("bottom", first)
            item.setLabel("left", second)

    def set_points(self, coords: np.ndarray, labels: np.ndarray | None, k: int,
                   groups: list[np.ndarray] | None = None) -> None:
        """All points grey when labels is None, else one colour per cluster."""
        self._labels = labels
        if labels is None or groups is None:
            _show(self.unassigned_item, coords)
            groups = []
        else:
            _show(self.unassigned_item, _NO_POINTS)
        for j, item in enumerate(self.cluster_items):
            _show(item, coords[groups[j]] if j < len(groups) else _NO_POINTS)

    def set_centroids(self, xy: np.ndarray | None, trails: Sequence[np.ndarray] = ()) -> None:
        self.centroid_item.set_centroids(xy)
        for j, item in enumerate(self.trail_items):
            if j < len(trails) and len(trails[j]) > 1:
                item.setData(trails[j][:, 0], trails[j][:, 1])
                item.setVisible(True)
                self._trailing.add(j)
            elif j in self._trailing:  # skip the idle ones
                item.setData([], [])
                item.setVisible(False)  # an empty curve still costs a paint
                self._trailing.discard(j)
        shown = [j for j in range(len(trails)) if len(trails[j]) > 1]
        if shown:
            brushes = self.centroid_item.brushes
            self.trail_dots.setData(pos=np.concatenate([trails[j][:-1] for j in shown]),
                                    brush=[brushes[j] for j in shown for _ in trails[j][:-1]])
            self.trail_dots.setVisible(True)
        else:
            _show(self.trail_dots, _NO_POINTS)

    def set_regions(self, centroids: np.ndarray | None) -> None:
        """Shade the plane by nearest centroid (None hides the shading)."""
        self._region_centroids = None if centroids is None else np.asarray(centroids)
        self._draw_regions()

    def _draw_regions(self) -> None:
        c = self._region_centroids
        if c is None or len(c) == 0:
            self.regions.hide()
            return
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        grid = latent_points.voronoi_grid(c, (x0, x1), (y0, y1), VORONOI_SHAPE)
        self.regions.setImage(grid, autoLevels=False, levels=(0, 255))
        self.regions.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.regions.show()

    def set_view(self, bounds: tuple[float, float, float, float]) -> None:
        x0, x1, y0, y1 = bounds
        self.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def set_message(self, text: str) -> None:
        """A centred note over the plot ("loading TensorFlow…"); '' hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self._place_message()

    def _place_message(self) -> None:
        w = min(self.width() - 40, 420)
        self.message.setFixedWidth(max(w, 120))
        self.message.adjustSize()
        self.message.move((self.width() - self.message.width()) // 2,
                          (self.height() - self.message.height()) // 2)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        # pyqtgraph calls this from its own __init__, before our labels exist
        message = getattr(self, "message", None)
        if message is not None and not message.isHidden():  # isVisible: False until shown
            self._place_message()

    # ------------------------------------------------------------ the mouse
    def set_placing(self, placing: bool) -> None:
        """Click-to-place: right-click removes a centroid instead of the menu."""
        self.setMenuEnabled(not placing)
        self.setCursor(Qt.CursorShape.CrossCursor if placing else Qt.CursorShape.ArrowCursor)

    def set_hover_data(self, coords: np.ndarray, images: np.ndarray, truth: np.ndarray) -> None:
        self._hover_data = (coords, images, truth)
        self.hide_hover()

    def _on_click(self, ev) -> None:
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        button = {Qt.MouseButton.LeftButton: "left",
                  Qt.MouseButton.RightButton: "right"}.get(ev.button())
        if button is None:
            return
        p = vb.mapSceneToView(ev.scenePos())
        if button == "left" and len(self.centroid_item.pointsAt(p)) > 0:
            return  # a click on a centroid is not a request for a new one
        self.clicked.emit(p.x(), p.y(), button)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        vb = self.getViewBox()
        if self._hover_data is None or not vb.sceneBoundingRect().contains(scene_pos):
            self.hide_hover()
            return
        p = vb.mapSceneToView(scene_pos)
        px = vb.viewPixelSize()
        i = latent_points.nearest_point(self._hover_data[0], (p.x(), p.y()), px)
        if i < 0:
            self.hide_hover()
            return
        self.show_hover(i, self.mapFromScene(scene_pos))

    def show_hover(self, i: int, at: QPoint | None = None) -> None:
        """The digit under the mouse, enlarged, with its true label and cluster."""
        if self._hover_data is None:
            return
        coords, images, truth = self._hover_data
        if i != self.hover_index:
            self.hover_index = i
            _show(self.hover_ring, coords[i:i + 1])
            pix = QPixmap.fromImage(array_to_qimage(images[i])).scaled(
                28 * HOVER_SCALE, 28 * HOVER_SCALE)
            cluster = "not assigned"
            if self._labels is not None and self._labels[i] >= 0:
                cluster = f"cluster {int(self._labels[i])}"
            self.hover_caption = f"digit {int(truth[i])} · {cluster}"
            self.hover.show_digit(pix, self.hover_caption)
        at = at or QPoint(self.width() // 2, self.height() // 2)
        self.hover.adjustSize()
        x = min(at.x() + 14, self.width() - self.hover.width() - 2)
        y = min(at.y() + 14, self.height() - self.hover.height() - 2)
        self.hover.move(max(0, x), max(0, y))
        self.hover.show()
        self.hover.raise_()

    def hide_hover(self) -> None:
        if self.hover_index >= 0:
            _show(self.hover_ring, _NO_POINTS)
        self.hover_index = -1
        self.hover.hide()


class _HoverCard(QFrame):
    """The enlarged digit under the mouse and its caption."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("kmeans_hover")
        self.setStyleSheet("#kmeans_hover { background: white; border: 1px solid #888; }"
                           "QLabel { color: black; }")
        self.image = QLabel()
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.image)
        layout.addWidget(self.caption)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def show_digit(self, pixmap: QPixmap, caption: str) -> None:
        self.image.setPixmap(pixmap)
        self.caption.setText(caption)
        self.setAccessibleName(caption)


class ConfusionView(pg.PlotWidget):
    """Clusters (rows) against true digits (columns) (objectName "kmeans_confusion").

    Cells are shaded by the share of the cluster's points that are each digit
    and carry the count; a strip of the cluster colours on the left ties the
    rows to the scatter plot.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.setObjectName("kmeans_confusion")
        self.setAccessibleName("Clusters against true digits")
        item = self.getPlotItem()
        item.setLabel("bottom", "digit")
        item.setLabel("left", "cluster")
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        style_axes(item)
        item.getAxis("bottom").setTicks([[(c + 0.5, str(c)) for c in range(10)]])
        self.getViewBox().invertY(True)  # cluster 0 on top, as a table reads
        self.image = pg.ImageItem(axisOrder="row-major")
        # matplotlib's "Blues", written out: matplotlib is not a dependency
        blues = pg.ColorMap([0.0, 0.5, 1.0], [(247, 251, 255), (107, 174, 214), (8, 48, 107)])
        self.image.setLookupTable(blues.getLookupTable(nPts=256, alpha=False))
        self.swatches = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.addItem(self.swatches)
        self._texts: list[pg.TextItem] = []
        self._cells: list[tuple[str, object] | None] = []  # (text, colour) each shows
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(6.0, self._font.pointSizeF() * 0.75))
        self.counts: np.ndarray | None = None
        self.purity_label = QLabel()  # laid out under the map by the panel
        self.purity_label.setObjectName("kmeans_purity_label")
        self.purity_label.setToolTip(
            "Purity: share of points whose cluster's most common digit is their own. NMI: "
            "normalised mutual information between clusters and digits (1 = the same "
            "partition, 0 = unrelated).")
        self.placeholder = pg.TextItem("shown after the first assignment", color=(120, 120, 120),
                                       anchor=(0.5, 0.5))
        self.addItem(self.placeholder)
        self.placeholder.setPos(5, 5)
        self._frame(10)

    def show_agreement(self, labels: np.ndarray | None, truth: np.ndarray, k: int) -> None:
        """The table and the purity/NMI line for cluster labels against true digits."""
        if labels is None:
            self.set_counts(None)
            self.purity_label.setText("purity – · NMI –  (after the first assignment)")
            return
        counts = cluster_metrics.confusion_matrix(labels, truth, k)
        if self.counts is not None and np.array_equal(counts, self.counts):
            return  # the same table: the same figures (both are functions of it alone)
        self.set_counts(counts)
        # From the table: sorting the labels again for each figure cost 3 ms a redraw.
        self.purity_label.setText(f"purity {cluster_metrics.purity_from_table(counts):.3f} · "
                                  f"NMI {cluster_metrics.nmi_from_table(counts):.3f}")

    def set_counts(self, counts: np.ndarray | None) -> None:
        """(k, 10) counts, or None to clear (before the first assignment)."""
        if counts is None:
            self.counts = None
            self.image.clear()
            self.swatches.clear()
            for t in self._texts:
                t.hide()
            self.placeholder.show()
            self._frame(10)
            return
        self.placeholder.hide()
        counts = np.asarray(counts)
        if self.counts is not None and np.array_equal(counts, self.counts):
            return  # an update step leaves the labels, hence the table, as it was
        self.counts = counts.copy()
        k = counts.shape[0]
        totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
        share = counts / totals
        self.image.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, 10, k))
        strip = np.array([[(*color(j), 255)] for j in range(k)], dtype=np.uint8)
        self.swatches.setImage(strip, autoLevels=False, levels=(0, 255))
        self.swatches.setRect(QRectF(-0.7, 0, 0.55, k))
        self._frame(k)
        while len(self._texts) < counts.size:
            t = pg.TextItem(anchor=(0.5, 0.5))
            t.setFont(self._font)
            j, c = divmod(len(self._texts), 10)
            t.setPos(c + 0.5, j + 0.5)  # cell n is always at the same place
            self.addItem(t)
            self._texts.append(t)
            self._cells.append(None)
        for n, t in enumerate(self._texts):
            if n >= counts.size:
                t.hide()
                continue
            j, c = divmod(n, 10)
            cell = (str(int(counts[j, c])) if counts[j, c] else "",
                    "w" if share[j, c] > 0.55 else (40, 40, 40))
            if cell != self._cells[n]:  # a step changes a few cells: only those are laid out
                t.setText(cell[0], color=cell[1])
                self._cells[n] = cell
            t.show()

    def _frame(self, k: int) -> None:
        self.getPlotItem().getAxis("left").setTicks([[(j + 0.5, str(j)) for j in range(k)]])
        self.getViewBox().setRange(xRange=(-0.8, 10), yRange=(0, k), padding=0.02)
