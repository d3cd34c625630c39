"""The drawing canvas (objectName "draw_canvas"): mouse or pen, a round brush, Clear.

Black ink on white paper, as a digit is written; `mnist_style` (core) makes it
light on dark. The strokes go into a QImage of fixed size, so the picture
does not depend on the widget's size on screen; `picture()` hands it over as
a float array. A pen's tablet events reach here as mouse events (Qt
synthesises them when the tablet event is not taken), pressure ignored.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SIDE = 280  # the picture's side in its own pixels: ten times MNIST's
DEFAULT_BRUSH = 22  # in picture pixels: about MNIST's stroke width at this scale


class DrawCanvas(QWidget):
    """Draw with the left button; `stroke_changed` while drawing, `cleared` after Clear."""

    stroke_changed = Signal()  # the picture changed (each move of a stroke)
    stroke_finished = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("draw_canvas")
        self.setAccessibleName("Drawing canvas: draw a digit with the mouse or a pen")
        self.setToolTip("Draw a digit here with the mouse or a pen")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 96)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.brush = DEFAULT_BRUSH
        self._image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(255)
        self._last: QPointF | None = None
        self.is_empty = True

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(200, 200)

    def set_brush(self, size: int) -> None:
        self.brush = int(size)

    def clear(self) -> None:
        self._image.fill(255)
        self.is_empty = True
        self.update()
        self.cleared.emit()

    def picture(self) -> np.ndarray:
        """The drawing, (SIDE, SIDE) float32 in [0, 1]: white paper 1, black ink 0."""
        ptr = self._image.constBits()
        rows = np.frombuffer(ptr, dtype=np.uint8).reshape(SIDE, self._image.bytesPerLine())
        return rows[:, :SIDE].astype(np.float32) / 255.0

    # ------------------------------------------------------------ geometry
    def _square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_picture(self, pos: QPointF) -> QPointF:
        sq = self._square()
        scale = SIDE / max(sq.width(), 1.0)
        return QPointF((pos.x() - sq.x()) * scale, (pos.y() - sq.y()) * scale)

    # ------------------------------------------------------------- drawing
    def _stroke_to(self, point: QPointF) -> None:
        p = QPainter(self._image)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            pen = QPen(QColor(0, 0, 0), self.brush, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            if self._last is None or self._last == point:
                p.drawPoint(point)
            else:
                p.drawLine(self._last, point)
        finally:
            p.end()
        self._last = point
        self.is_empty = False
        self.update()
        self.stroke_changed.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self._stroke_to(self._to_picture(event.position()))
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.buttons() & Qt.MouseButton.LeftButton and self._last is not None:
            self._stroke_to(self._to_picture(event.position()))
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self._last is not None:
            self._last = None
            self.stroke_finished.emit()
        else:
            super().mouseReleaseEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), self.palette().window())
            sq = self._square()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(sq, self._image)
            p.setPen(QColor(150, 150, 150))
            p.drawRect(sq.adjusted(0, 0, -1, -1))
            if self.is_empty:
                p.setPen(QColor(140, 140, 140))
                p.drawText(sq, Qt.AlignmentFlag.AlignCenter, "draw a digit here")
        finally:
            p.end()
