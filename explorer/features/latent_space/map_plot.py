"""The map of the latent space (objectName "latent_map"): points, legend, thumbnails, grid, paths.

Every item is made once and fed new arrays afterwards. The points are one
ScatterPlotItem per digit, each with one brush (fast for thousands of
points), with a legend; the decoder grid is ONE ImageItem (an RGB mosaic)
behind them; thumbnails are a fixed pool of ImageItems. The mouse: hovering
reports the map point under it (`hovered`) and shows the test digit under it,
a click reports the point and the test digit there (`clicked`), and the
pinned marker can be dragged (`probe_dragged`). Widgets only: the state
decides what is shown.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from explorer.core import latent_points
from explorer.features.latent_space.pictures import FAR_COLOUR
from explorer.widgets.digit_grid import array_to_qimage
from explorer.widgets.plot_style import style_axes

# matplotlib's tab10: one colour per digit, the colours a class knows from plots of MNIST.
DIGIT_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
THUMBNAILS = 100  # at most, on screen at once
THUMB_SHARE = 0.055  # a thumbnail's side, as a share of the visible width
HOVER_PIXELS = 6.0


def far_tinted_mosaic(mosaic: np.ndarray, far: np.ndarray) -> np.ndarray:
    """A grey mosaic of 28x28 tiles as RGB, the tiles marked in `far` tinted red."""
    grey = (np.clip(mosaic, 0, 1) * 255).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    tint = np.kron(far.astype(np.uint8), np.ones((28, 28), np.uint8)).astype(bool)
    rgb[tint, 0] = np.maximum(rgb[tint, 0], 70)
    rgb[tint, 1] = (rgb[tint, 1] * 0.7).astype(np.uint8)
    rgb[tint, 2] = (rgb[tint, 2] * 0.7).astype(np.uint8)
    return rgb


class _ProbeItem(pg.ScatterPlotItem):
    """The pinned point: a cross that a left-drag moves."""

    def __init__(self, owner: LatentMapPlot):
        super().__init__(size=20, symbol="+", pen=pg.mkPen(0, 0, 0, width=2.5),
                         brush=pg.mkBrush(255, 255, 255), pxMode=True)
        self.owner = owner
        self._dragging = False

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            if len(self.pointsAt(ev.buttonDownPos())) == 0:
                ev.ignore()
                return
            self._dragging = True
        if not self._dragging:
            ev.ignore()
            return
        ev.accept()
        p = ev.pos()
        self.setData(pos=[(p.x(), p.y())])
        self.owner.probe_dragged.emit(p.x(), p.y())
        if ev.isFinish():
            self._dragging = False


class LatentMapPlot(pg.PlotWidget):
    hovered = Signal(float, float)  # the map point under the mouse
    left = Signal()  # the mouse left the map
    clicked = Signal(float, float, int)  # map point, and the test digit there (-1: none)
    probe_dragged = Signal(float, float)
    view_changed = Signal(float, float, float, float)  # x0, x1, y0, y1 after a pan or zoom

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.setObjectName("latent_map")
        self.setAccessibleName("Map of the test digits' latent codes; hover to decode any point")
        self.setMinimumSize(220, 180)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.12)
        item.setLabel("bottom", "first principal component")
        item.setLabel("left", "second principal component")
        style_axes(item, cached=True)
        self.grid_image = pg.ImageItem(axisOrder="row-major")
        self.grid_image.setZValue(-20)
        self.addItem(self.grid_image, ignoreBounds=True)
        self.thumbs = [pg.ImageItem(axisOrder="row-major") for _ in range(THUMBNAILS)]
        for t in self.thumbs:
            t.setZValue(-5)
            t.setVisible(False)
            self.addItem(t, ignoreBounds=True)
        self.legend = pg.LegendItem(offset=(-6, 6), colCount=5, labelTextSize="8pt")
        self.legend.setParentItem(item.getViewBox())
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 210))
        self.digit_items = []
        for d, rgb in enumerate(DIGIT_COLOURS):
            scatter = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*rgb, 190),
                                         pxMode=True, antialias=False)
            self.addItem(scatter)
            self.legend.addItem(scatter, str(d))
            self.digit_items.append(scatter)
        self.path_item = pg.PlotDataItem(pen=pg.mkPen(255, 140, 0, width=3), symbol="o",
                                         symbolSize=7, symbolBrush=(255, 255, 255),
                                         symbolPen=pg.mkPen(20, 20, 20))
        self.path_item.setZValue(8)
        self.addItem(self.path_item, ignoreBounds=True)
        self.frame_item = pg.ScatterPlotItem(size=16, symbol="o", brush=None,
                                             pen=pg.mkPen(230, 80, 0, width=3), pxMode=True)
        self.frame_item.setZValue(9)
        self.addItem(self.frame_item, ignoreBounds=True)
        self.drawn_item = pg.ScatterPlotItem(size=22, symbol="star", pxMode=True,
                                             pen=pg.mkPen(0, 0, 0, width=1.5),
                                             brush=pg.mkBrush(255, 200, 0))
        self.drawn_item.setZValue(10)
        self.addItem(self.drawn_item, ignoreBounds=True)
        self.probe_item = _ProbeItem(self)
        self.probe_item.setZValue(11)
        self.addItem(self.probe_item, ignoreBounds=True)
        self.hover_ring = pg.ScatterPlotItem(size=12, symbol="o", brush=None,
                                             pen=pg.mkPen(0, 0, 0, width=2), pxMode=True)
        self.hover_ring.setZValue(7)
        self.addItem(self.hover_ring, ignoreBounds=True)
        self._coords = np.zeros((0, 2), np.float32)
        self._images = np.zeros((0, 28, 28), np.float32)
        self._labels = np.zeros(0, np.int64)
        self.hover_index = -1
        self.hover_label = QLabel(self)
        self.hover_label.setObjectName("latent_map_hover")
        self.hover_label.setStyleSheet("background: white; border: 1px solid #888; color: black;"
                                       "padding: 2px;")
        self.hover_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hover_label.hide()
        self.message = QLabel(self)
        self.message.setObjectName("latent_map_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("background: rgba(255,255,255,225); color: #444;"
                                   "border: 1px solid #bbb; border-radius: 6px; padding: 12px;")
        self.message.hide()
        vb = self.getViewBox()
        vb.sigRangeChanged.connect(self._on_range_changed)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_click)

    def close(self) -> bool:
        """Closed for good (pyqtgraph's close dismantles the plot), legend first.

        pyqtgraph's PlotItem.close takes the ViewBox out of the scene, which
        leaves it, and the legend on it, to Python's cyclic collector. That
        clears the legend labels' attributes before their C++ teardown asks
        them for a size hint: an AttributeError ('_sizeHint') per label, in
        whatever runs the collection. Deleted here, the legend goes whole.
        """
        if shiboken6.isValid(self.legend):
            shiboken6.delete(self.legend)
        return super().close()

    # ------------------------------------------------------------ content
    def set_points(self, coords: np.ndarray, labels: np.ndarray, images: np.ndarray,
                   axis_names: tuple[str, str]) -> None:
        self._coords, self._labels, self._images = coords, labels, images
        for d, item in enumerate(self.digit_items):
            item.setData(pos=coords[labels == d])
        item = self.getPlotItem()
        if item.getAxis("bottom").labelText != axis_names[0]:  # a relayout: not per t-SNE frame
            item.setLabel("bottom", axis_names[0])
            item.setLabel("left", axis_names[1])
        self.hide_hover()

    def move_points(self, coords: np.ndarray, labels: np.ndarray) -> bool:
        """The same digits at new places (t-SNE's next frame); False if they are
        not the digits shown, and set_points must draw them.

        ScatterPlotItem.setData rebuilds every point's record (symbol, size,
        pen, brush, atlas entry): most of a frame's 15-25 ms of GUI thread,
        paid 7 times a second while t-SNE animates. Only x and y change, so
        they are written in place and the item told its geometry moved.
        """
        if coords.shape != self._coords.shape or not np.array_equal(labels, self._labels):
            return False
        for d, item in enumerate(self.digit_items):
            pos = coords[labels == d]
            if len(item.data) != len(pos):
                return False
            item.data["x"] = pos[:, 0]
            item.data["y"] = pos[:, 1]
            item.prepareGeometryChange()
            item.informViewBoundsChanged()
            item.bounds = [None, None]  # its cached data bounds
            item.invalidate()
        self._coords = coords
        self.hide_hover()
        return True

    def fit_view(self) -> None:
        x0, x1, y0, y1 = latent_points.padded_bounds(self._coords)
        self.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        return (x0, x1), (y0, y1)

    def set_grid(self, grid) -> None:
        """A DecoderGrid over its rectangle (None hides it); the points fade behind it."""
        if grid is None:
            self.grid_image.hide()
            for item in self.digit_items:
                item.setOpacity(1.0)
            return
        rgb = far_tinted_mosaic(grid.mosaic(), grid.far)
        # The image's row 0 is drawn at the rectangle's bottom edge: flip, so the
        # mosaic's top row (the largest y) is at the top.
        self.grid_image.setImage(np.ascontiguousarray(rgb[::-1]), autoLevels=False, levels=(0, 255))
        (x0, x1), (y0, y1) = grid.x_range, grid.y_range
        self.grid_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.grid_image.show()
        for item in self.digit_items:
            item.setOpacity(0.35)

    def set_thumbnails(self, rows: np.ndarray) -> None:
        (x0, x1), _ = self.view_range()
        side = THUMB_SHARE * (x1 - x0)
        px = self.getViewBox().viewPixelSize()
        aspect = px[1] / px[0] if px[0] else 1.0  # keep them square on screen
        for i, thumb in enumerate(self.thumbs):
            if i >= len(rows):
                thumb.setVisible(False)
                continue
            r = int(rows[i])
            x, y = self._coords[r]
            thumb.setImage(self._images[r][::-1], autoLevels=False, levels=(0, 1))
            thumb.setRect(QRectF(x - side / 2, y - side * aspect / 2, side, side * aspect))
            thumb.setVisible(True)

    def set_probe(self, xy) -> None:
        self.probe_item.setData(pos=np.zeros((0, 2)) if xy is None else [tuple(xy)])

    def set_drawn(self, xy, far: bool = False) -> None:
        if xy is None:
            self.drawn_item.setData(pos=np.zeros((0, 2)))
            return
        self.drawn_item.setData(pos=[tuple(xy)],
                                brush=pg.mkBrush(FAR_COLOUR) if far else pg.mkBrush(255, 200, 0))

    def set_path(self, path: np.ndarray | None) -> None:
        if path is None:
            self.path_item.setData([], [])
            self.frame_item.setData(pos=np.zeros((0, 2)))
        else:
            self.path_item.setData(path[:, 0], path[:, 1])

    def set_frame(self, xy) -> None:
        self.frame_item.setData(pos=np.zeros((0, 2)) if xy is None else [tuple(xy)])

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self._place_message()

    def _place_message(self) -> None:
        self.message.setFixedWidth(max(min(self.width() - 40, 380), 120))
        self.message.adjustSize()
        self.message.move((self.width() - self.message.width()) // 2,
                          (self.height() - self.message.height()) // 2)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        message = getattr(self, "message", None)  # pyqtgraph resizes during its __init__
        if message is not None and not message.isHidden():
            self._place_message()

    # ------------------------------------------------------------ the mouse
    def _on_range_changed(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.view_range()
        self.view_changed.emit(x0, x1, y0, y1)

    def point_at(self, x: float, y: float, pixels: float = HOVER_PIXELS) -> int:
        """The test digit drawn at map point (x, y), or -1."""
        return latent_points.nearest_point(self._coords, (x, y),
                                           self.getViewBox().viewPixelSize(), pixels)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hide_hover()
            self.left.emit()
            return
        p = vb.mapSceneToView(scene_pos)
        self.hovered.emit(p.x(), p.y())
        i = self.point_at(p.x(), p.y())
        if i < 0:
            self.hide_hover()
        else:
            self.show_hover(i, self.mapFromScene(scene_pos))

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.hide_hover()
        self.left.emit()
        super().leaveEvent(event)

    def _on_click(self, ev) -> None:
        vb = self.getViewBox()
        if ev.button() != Qt.MouseButton.LeftButton or not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = vb.mapSceneToView(ev.scenePos())
        self.clicked.emit(p.x(), p.y(), self.point_at(p.x(), p.y()))

    def show_hover(self, i: int, at: QPoint | None = None) -> None:
        """The test digit under the mouse, enlarged, with its label."""
        if i != self.hover_index:
            self.hover_index = i
            self.hover_ring.setData(pos=self._coords[i:i + 1])
            pix = QPixmap.fromImage(array_to_qimage(self._images[i])).scaled(56, 56)
            self.hover_label.setPixmap(pix)
            self.hover_label.setToolTip(f"digit {int(self._labels[i])} · test #{i}")
            self.hover_label.setAccessibleName(self.hover_label.toolTip())
        at = at or QPoint(self.width() // 2, self.height() // 2)
        self.hover_label.adjustSize()
        self.hover_label.move(max(0, min(at.x() + 12, self.width() - self.hover_label.width() - 2)),
                              max(0, min(at.y() + 12, self.height() - self.hover_label.height() - 2)))
        self.hover_label.show()
        self.hover_label.raise_()

    def hide_hover(self) -> None:
        if self.hover_index >= 0:
            self.hover_ring.setData(pos=np.zeros((0, 2)))
        self.hover_index = -1
        self.hover_label.hide()
