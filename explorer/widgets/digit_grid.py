"""Rows of 28x28 digits with captions, drawn by one QPainter pass; PNG export.

Why not pyqtgraph here: the grid needs no zoom or pan, and its captions must
keep a readable pixel size at any window size. A plain widget that paints one
pre-composed image per row (`views.strip_image`) plus its text does the whole
repaint in a millisecond or two, which is what keeps the noise slider live.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from explorer.core import views

GAP = 2  # image pixels between digits of a row


@dataclass(frozen=True)
class _Layout:
    left: float  # x of the first digit
    scale: float  # screen pixels per digit pixel
    tops: list[tuple[float, float]]  # per row: (top of the captions above, top of the digits)
    width: float  # of a row of digits, on screen
    caption_font: QFont


@dataclass
class GridRow:
    """One row of the grid: a title, the digits and their captions.

    `images` None draws an empty outlined strip with `message` in it (a row
    the model has not answered yet, e.g. before TensorFlow has loaded).
    """

    title: str
    images: np.ndarray | None
    above: Sequence[str] = field(default_factory=tuple)
    below: Sequence[str] = field(default_factory=tuple)
    message: str = ""


def to_uint8(array: np.ndarray, levels: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Display bytes for a [levels] float image (NaN becomes 0)."""
    low, high = levels
    span = high - low if high > low else 1.0
    scaled = np.nan_to_num((np.asarray(array, np.float32) - low) / span, nan=0.0)
    return (np.clip(scaled, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def array_to_qimage(array: np.ndarray, levels: tuple[float, float] = (0.0, 1.0),
                    transparent_nan: bool = False) -> QImage:
    """A 2-D float image (rows, columns) as a QImage that owns its pixels.

    Grey 0..255 by default; with transparent_nan, NaN pixels are transparent
    (the widget's background shows through the gaps between digits).
    """
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {array.shape}")
    grey = to_uint8(array, levels)
    h, w = grey.shape
    if not transparent_nan:
        grey = np.ascontiguousarray(grey)
        return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    argb = np.empty((h, w, 4), dtype=np.uint8)  # B, G, R, A in memory (little-endian)
    argb[..., 0] = argb[..., 1] = argb[..., 2] = grey
    argb[..., 3] = np.where(np.isnan(array), 0, 255)
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """(rows, columns, 3) uint8 as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def colour_codes(values: np.ndarray, code_mask: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Grey digits and colormapped code pixels as one RGB array (for export)."""
    index = to_uint8(values)
    rgb = np.repeat(index[..., None], 3, axis=2)
    rgb[code_mask] = np.asarray(lut, np.uint8)[index[code_mask], :3]
    return rgb


def save_qimage(image: QImage, path: str | os.PathLike, scale: int = 1) -> str:
    """Write a PNG, enlarged `scale` times with crisp (nearest) pixels."""
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        path += ".png"
    if scale > 1:
        image = image.scaled(image.width() * scale, image.height() * scale,
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    if not image.save(path, "PNG"):
        raise OSError(f"cannot write {path}")
    return path


def save_png(array: np.ndarray, path: str | os.PathLike, scale: int = 1) -> str:
    """A grey [0, 1] image as a PNG file; returns the path written."""
    return save_qimage(array_to_qimage(array), path, scale)


def _fit(caption: str, fm: QFontMetricsF, cell: float) -> str:
    """The caption, elided when even the smallest caption font cannot fit it
    under its digit (a grid squeezed to a few pixels per digit)."""
    return fm.elidedText(caption, Qt.TextElideMode.ElideRight, max(cell - 4, 1.0))


class DigitGrid(QWidget):
    """Rows of digits, each row with a title on the left and small captions.

    `set_rows` replaces the content; only the changed rows' images are
    converted again. Clicking a digit emits `digit_clicked(column)`.
    """

    digit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: list[GridRow] = []
        self._images: list[QImage | None] = []
        self._sources: list[np.ndarray | None] = []
        self._columns = 0
        self._cell_rects: list[QRectF] = []  # digit columns, for clicks
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 120)
        caption = QFont(self.font())
        caption.setPointSizeF(max(7.0, caption.pointSizeF() * 0.85))
        self._caption_font = caption

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Captions follow the widget's font (presentation mode scales it).
        if event.type() == QEvent.Type.FontChange:
            self._caption_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
            self.update()
        super().changeEvent(event)

    # --------------------------------------------------------------- content
    @property
    def rows(self) -> list[GridRow]:
        return list(self._rows)

    @property
    def columns(self) -> int:
        return self._columns

    def set_rows(self, rows: Sequence[GridRow], columns: int | None = None) -> None:
        rows = list(rows)
        if columns is None:
            columns = max((len(r.images) for r in rows if r.images is not None), default=0)
        images: list[QImage | None] = []
        for i, row in enumerate(rows):
            # Identity, not equality: a new array from the model thread is a new object.
            if (i < len(self._sources) and self._sources[i] is row.images
                    and columns == self._columns and row.images is not None):
                images.append(self._images[i])
            elif row.images is None:
                images.append(None)
            else:
                strip = views.strip_image(row.images, columns, GAP)
                images.append(array_to_qimage(strip, transparent_nan=True))
        self._rows, self._images, self._columns = rows, images, columns
        self._sources = [r.images for r in rows]
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(900, 420)

    # --------------------------------------------------------------- layout
    def cell_size(self) -> float:
        """The side of one digit on screen now, in pixels."""
        return 28 * self._layout().scale

    def _caption_font_for(self, cell: float) -> QFont:
        """Captions grow with the digits (a fifth of a digit's height, at least the
        widget's small print) and shrink until the widest fits under its digit."""
        font = QFont(self._caption_font)
        base = QFontMetricsF(font).height()
        target = max(base, cell * 0.2)
        font.setPointSizeF(max(5.0, font.pointSizeF() * target / base))
        texts = [t for r in self._rows for t in (*r.above, *r.below) if t]
        if texts:
            widest = max(QFontMetricsF(font).horizontalAdvance(t) for t in texts)
            room = max(cell + GAP * cell / 28 - 4, 4.0)
            if widest > room:
                font.setPointSizeF(max(5.0, font.pointSizeF() * room / widest))
        return font

    def _layout(self) -> _Layout:
        """Where everything goes: digits scaled continuously to the room they
        have (crisp, nearest-neighbour pixels), captions sized to their digits."""
        fm = self.fontMetrics()
        margin = 8.0
        left = margin + max((fm.horizontalAdvance(r.title) for r in self._rows), default=0) + 12
        strip_w = max(self._columns * 28 + max(self._columns - 1, 0) * GAP, 1)
        avail_w = max(self.width() - left - margin, 10)
        n_rows = max(len(self._rows), 1)
        font = QFont(self._caption_font)
        scale = 1.0
        for _ in range(3):  # captions depend on the scale, the scale on their height
            cap_line = QFontMetricsF(font).height()
            text_h = sum((cap_line if r.above else 0) + (cap_line if r.below else 0) + 6
                         for r in self._rows)
            avail_h = max(self.height() - 2 * margin - text_h, 10)
            scale = max(min(avail_w / strip_w, avail_h / (28 * n_rows)), 0.1)
            font = self._caption_font_for(28 * scale)
        cap_line = QFontMetricsF(font).height()
        # Centre the block in the space left over.
        left += max(avail_w - strip_w * scale, 0) / 2
        tops = []
        y = margin + max(avail_h - 28 * n_rows * scale, 0) / 2
        for row in self._rows:
            above_top = y
            if row.above:
                y += cap_line
            tops.append((above_top, y))
            y += 28 * scale + (cap_line if row.below else 0) + 6
        return _Layout(left, scale, tops, strip_w * scale, font)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, p: QPainter) -> None:
        pal = self.palette()
        p.fillRect(self.rect(), pal.window())
        if not self._rows or self._columns == 0:
            return
        lay = self._layout()
        left, scale = lay.left, lay.scale
        # Nearest-neighbour when enlarging: a digit's pixels stay sharp squares.
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        text = pal.windowText().color()
        dim = QColor(text)
        dim.setAlpha(170)
        cap_h = QFontMetricsF(lay.caption_font).height()
        cell = (28 + GAP) * scale
        size = 28 * scale
        self._cell_rects = [QRectF(left + c * cell, 0, size, self.height())
                            for c in range(self._columns)]
        for row, image, (above_top, top) in zip(self._rows, self._images, lay.tops, strict=True):
            target = QRectF(left, top, lay.width, size)
            p.setFont(self.font())
            p.setPen(text)
            p.drawText(QRectF(0, top, left - 8, size),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, row.title)
            if image is None:
                p.setPen(QPen(dim, 1, Qt.PenStyle.DashLine))
                p.drawRect(target.adjusted(0.5, 0.5, -0.5, -0.5))
                p.setPen(text)
                p.drawText(target, Qt.AlignmentFlag.AlignCenter, row.message)
            else:
                p.drawImage(target, image)
            p.setFont(lay.caption_font)
            fm = QFontMetricsF(lay.caption_font)
            for captions, y, colour in ((row.above, above_top, text),
                                        (row.below, top + size, dim)):
                p.setPen(colour)
                for c, caption in enumerate(captions[:self._columns]):
                    p.drawText(QRectF(left + c * cell - GAP * scale / 2, y,
                                      size + GAP * scale, cap_h),
                               Qt.AlignmentFlag.AlignCenter, _fit(caption, fm, cell))

    def caption_rects(self) -> list[QRectF]:
        """Where each caption's text lies now (tests check that none overlap)."""
        lay = self._layout()
        fm = QFontMetricsF(lay.caption_font)
        cell = (28 + GAP) * lay.scale
        size = 28 * lay.scale
        rects = []
        for row, (above_top, top) in zip(self._rows, lay.tops, strict=True):
            for captions, y in ((row.above, above_top), (row.below, top + size)):
                for c, caption in enumerate(captions[:self._columns]):
                    w = fm.horizontalAdvance(_fit(caption, fm, cell))
                    x = lay.left + c * cell + (size - w) / 2
                    rects.append(QRectF(x, y, w, fm.height()))
        return rects

    def column_at(self, point: QPointF) -> int | None:
        for c, rect in enumerate(self._cell_rects):
            if rect.contains(point):
                return c
        return None

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        column = self.column_at(event.position())
        if column is not None and event.button() == Qt.MouseButton.LeftButton:
            self.digit_clicked.emit(column)
        super().mouseReleaseEvent(event)

