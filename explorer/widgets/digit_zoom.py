"""One digit shown large, with its label, its loss and its code: for the back row.

A non-modal window (Esc closes it) that any tab can open on a digit it
shows (the Reconstructions tab does on a click); it draws with crisp,
nearest-neighbour pixels at whatever size it is given, and follows its own
resizing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget

from explorer.core import views
from explorer.widgets.digit_grid import array_to_qimage, rgb_to_qimage
from explorer.widgets.theme import relative_font


class Picture(QWidget):
    """An image scaled to fit, aspect kept, pixels kept square and sharp."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(56, 56)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_image_rgb(self, rgb: np.ndarray) -> None:
        """An (h, w, 3) uint8 picture."""
        self.set_image(rgb_to_qimage(rgb))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(336, 336)

    def target_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        iw, ih = self.image.width(), self.image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.image is None:
            return
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(self.target_rect(), self.image)
        finally:
            p.end()


class DigitZoom(QDialog):
    """`show_digit(image, title, lines, code_rgb)`: the digit, its caption lines
    (label, loss, ...) and, if given, its code as an RGB picture."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("digit_zoom")
        self.setModal(False)
        self.title_label = QLabel()
        self.title_label.setObjectName("digit_zoom_title")
        relative_font(self.title_label, 1.6, bold=True)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit = Picture()
        self.digit.setObjectName("digit_zoom_picture")
        self.code = Picture()
        self.code.setObjectName("digit_zoom_code")
        self.code.setMinimumSize(32, 32)
        self.lines_label = QLabel()
        self.lines_label.setObjectName("digit_zoom_lines")
        self.lines_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lines_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.digit, 3)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.lines_label)
        self.resize(420, 560)

    def show_digit(self, images: np.ndarray | list[np.ndarray], title: str, lines: list[str],
                   code_rgb: np.ndarray | None = None) -> None:
        """One digit, or several side by side (its original, noisy input and
        reconstruction), with caption lines and its code as an RGB picture."""
        digits = [np.asarray(i, np.float32).reshape(28, 28) for i in
                  (images if isinstance(images, list) else [images])]
        self.setWindowTitle(title)
        self.title_label.setText(title)
        strip = views.strip_image(np.stack(digits), len(digits), gap=2, fill=np.nan)
        self.digit.set_image(array_to_qimage(strip, transparent_nan=True))
        self.code.setVisible(code_rgb is not None)
        self.code.set_image(rgb_to_qimage(code_rgb) if code_rgb is not None else None)
        self.lines_label.setText("\n".join(lines))
        self.show()
        self.raise_()
        self.activateWindow()
