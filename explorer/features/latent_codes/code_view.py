"""The Latent codes tab's pyqtgraph drawing: digits over code pictures, bars, histogram.

Widgets only: they draw what they are given (a `CodesDrawing`, one code's
values, a histogram) and report clicks; the state decides what that is.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from explorer.features.latent_codes.state import CodesDrawing
from explorer.widgets.code_colours import CODE_COLOURS

DIGIT = 28.0  # a digit's size in view units
SLOT_GAP = 8.0  # view units between slots
CODE_TOP = DIGIT + 6.0
MAX_DIGITS = 10  # the selection never shows more

# One colormap for the screen and for the exported PNG.
class LatentCodeView(pg.GraphicsLayoutWidget):
    """Ten digits, each over its code picture, with one colour bar for all.

    `column_clicked(column)` reports a click on or below a digit's slot; the
    highlight frames one column (`set_highlight`).
    """

    column_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(150)
        self.setBackground(self.palette().window().color())
        vb = self.addViewBox(row=0, col=0)
        vb.setAspectLocked(True)
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self._vb = vb
        self._slot = DIGIT + SLOT_GAP
        text_colour = self.palette().windowText().color()
        self.digit_items: list[pg.ImageItem] = []
        self.code_items: list[pg.ImageItem] = []
        self._captions: list[pg.TextItem] = []
        for _ in range(MAX_DIGITS):  # a fixed pool, reused
            digit = pg.ImageItem(levels=(0, 1))
            code = pg.ImageItem()
            caption = pg.TextItem("", color=text_colour, anchor=(0.5, 1.0))
            for item in (digit, code, caption):
                item.setVisible(False)
                vb.addItem(item)
            self.digit_items.append(digit)
            self.code_items.append(code)
            self._captions.append(caption)
        self._highlight = QGraphicsRectItem()
        pen = QPen(pg.mkColor("#ff7f0e"), 2)
        pen.setCosmetic(True)
        self._highlight.setPen(pen)
        self._highlight.setVisible(False)
        vb.addItem(self._highlight)
        self._message = pg.TextItem("", color=text_colour, anchor=(0.5, 0.0))
        vb.addItem(self._message)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=CODE_COLOURS,
                                          interactive=False, label="activation",
                                          colorMapMenu=False, width=16, pen=text_colour)
        self.colour_bar.setImageItem(self.code_items)
        self.addItem(self.colour_bar, row=0, col=1)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    def draw(self, drawing: CodesDrawing) -> None:
        """Lay the digits out in slots, each code picture under its digit."""
        digits, labels, pictures, levels = (drawing.digits, drawing.labels, drawing.pictures,
                                            drawing.levels)
        n = len(digits)
        code_w = code_h = 0.0
        if pictures:
            h, w = pictures[0].shape
            # Square cells; about a digit wide, at most three digits tall.
            scale = min(2 * DIGIT / w, 3 * DIGIT / h, DIGIT / 4)
            code_w, code_h = w * scale, h * scale
        cell = max(DIGIT, code_w)
        self._slot = cell + SLOT_GAP
        for i in range(len(self.digit_items)):
            shown = i < n
            x0 = i * self._slot
            digit_item, code_item, caption = (self.digit_items[i], self.code_items[i],
                                              self._captions[i])
            digit_item.setVisible(shown)
            caption.setVisible(shown)
            code_item.setVisible(shown and bool(pictures))
            if not shown:
                continue
            digit_item.setImage(digits[i], autoLevels=False, levels=(0, 1))
            digit_item.setRect(QRectF(x0 + (cell - DIGIT) / 2, 0, DIGIT, DIGIT))
            caption.setText(str(labels[i]))
            caption.setPos(x0 + cell / 2, -1)
            if pictures:
                code_item.setImage(pictures[i], autoLevels=False, levels=levels)
                code_item.setRect(QRectF(x0 + (cell - code_w) / 2, CODE_TOP, code_w, code_h))
        self.colour_bar.setLevels(levels)
        width = max(n * self._slot - SLOT_GAP, DIGIT)
        height = CODE_TOP + (code_h if pictures else DIGIT)
        self._message.setText(drawing.message)
        self._message.setPos(width / 2, CODE_TOP + 4)
        self._vb.setRange(QRectF(-2, -12, width + 4, height + 14), padding=0)

    def set_highlight(self, column: int | None) -> None:
        """Frame the digit and code of `column`; None hides the frame."""
        if column is None:
            self._highlight.setVisible(False)
            return
        code, digit = self.code_items[column], self.digit_items[column]
        rect = code.mapRectToParent(code.boundingRect())
        top = digit.mapRectToParent(digit.boundingRect())
        self._highlight.setRect(rect.united(top).adjusted(-2, -2, 2, 2))
        self._highlight.setVisible(True)

    def _on_scene_clicked(self, event) -> None:
        point = self._vb.mapSceneToView(event.scenePos())
        if point.x() >= 0 and point.y() >= -12:
            self.column_clicked.emit(int(point.x() // self._slot))


def _style_plot(plot: pg.PlotWidget) -> None:
    """Axis text in the palette's colour, and plain numbers: pyqtgraph's
    automatic "(x0.001)" unit prefix reads as a different quantity."""
    colour = plot.palette().windowText().color()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.enableAutoSIPrefix(False)
        axis.setTextPen(colour)
        axis.setPen(colour)
    plot.getPlotItem().titleLabel.setAttr("color", colour)


class CodeBars(pg.PlotWidget):
    """One code's values as bars, on the codes' shared scale."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(self.palette().base().color())
        self.setMinimumHeight(100)
        self.setLabel("bottom", "code unit")
        self.setLabel("left", "activation")
        self.setMouseEnabled(x=True, y=False)
        self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.8,
                                     brush=CODE_COLOURS.map(0.55), pen=None)
        self.addItem(self._bars)
        self.setTitle("Click a code above to see its values")
        _style_plot(self)

    @property
    def values(self) -> np.ndarray:
        """The heights drawn now (empty before a code is shown)."""
        return np.asarray(self._bars.opts.get("height"), dtype=np.float32)

    def show_code(self, values: np.ndarray, top: float, title: str) -> None:
        values = np.asarray(values).ravel()
        self._bars.setOpts(x=np.arange(values.size), height=values, width=0.8)
        self.setXRange(-1, values.size, padding=0)
        self.setYRange(0, max(top, 1e-6), padding=0.05)
        self.setTitle(title)


class ActivationHistogram(pg.PlotWidget):
    """How the non-zero activations of the test split's codes are spread."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(self.palette().base().color())
        self.setMinimumHeight(100)
        self.setLabel("bottom", "activation (non-zero values)")
        self.setLabel("left", "count")
        self.setMouseEnabled(x=False, y=False)
        self._histogram = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                          brush=CODE_COLOURS.map(0.35),
                                          pen=CODE_COLOURS.map(0.2))
        self.addItem(self._histogram)
        _style_plot(self)

    def show_counts(self, edges: np.ndarray, counts: np.ndarray) -> None:
        self._histogram.setData(edges, counts)
