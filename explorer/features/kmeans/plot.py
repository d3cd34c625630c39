"""The K-means lab's point cloud: points by cluster, centroids that can be
dragged, their trails, the Voronoi regions, and a digit on hover. Its items
(plot_items.py) are made once and only fed new arrays afterwards:

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
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from explorer.core import latent_points
from explorer.features.kmeans.plot_items import (
    MAX_K,
    NO_POINTS,
    UNASSIGNED,
    CentroidItem,
    OneStyleScatter,
    RegionsImage,
    color,
    region_lut,
    show_points,
)
from explorer.widgets.digit_grid import array_to_qimage
from explorer.widgets.plot_style import style_axes

VORONOI_SHAPE = (200, 200)
HOVER_SCALE = 3  # a 28-pixel digit drawn 84 pixels wide


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
        self.regions = RegionsImage(region_lut())
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
        item = OneStyleScatter(size=5, pen=None, brush=pg.mkBrush(*rgb, 200), symbol="o",
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
            show_points(self.unassigned_item, coords)
            groups = []
        else:
            show_points(self.unassigned_item, NO_POINTS)
        for j, item in enumerate(self.cluster_items):
            show_points(item, coords[groups[j]] if j < len(groups) else NO_POINTS)

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
            show_points(self.trail_dots, NO_POINTS)

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
            show_points(self.hover_ring, coords[i:i + 1])
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
            show_points(self.hover_ring, NO_POINTS)
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
