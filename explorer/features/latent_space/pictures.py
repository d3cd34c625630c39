"""Pictures of the Latent space tab: a crisp image box, code pictures, the decoded digit.

Widgets only: they show the arrays they are given.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from explorer.core import views
from explorer.core.latent_space import Decoded
from explorer.widgets.digit_grid import array_to_qimage, rgb_to_qimage, to_uint8

CODE_COLOURS = pg.colormap.get("viridis")
_LUT = CODE_COLOURS.getLookupTable(nPts=256, alpha=False, mode="byte")
FAR_COLOUR = "#c0392b"


def code_qimage(code: np.ndarray, arch_id: str, levels: tuple[float, float]) -> QImage:
    """A code as the Latent codes tab draws it (views.code_image), coloured by viridis;
    the NaN gaps between feature maps are white."""
    picture = views.code_image(code, arch_id)
    rgb = _LUT[to_uint8(picture, levels)][..., :3].copy()
    rgb[np.isnan(picture)] = 255
    return rgb_to_qimage(rgb)


def digit_qimage(image: np.ndarray) -> QImage:
    return array_to_qimage(np.asarray(image, np.float32).reshape(28, 28))


class PictureBox(QWidget):
    """An image scaled to fit, aspect kept, pixels square and sharp; a frame when empty."""

    def __init__(self, name: str = "", minimum: int = 48, hint: int = 140,
                 parent: QWidget | None = None):
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.image: QImage | None = None
        self.frame_colour: QColor | None = None
        self._hint = hint
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(minimum, minimum)

    def set_image(self, image: QImage | None, frame: str | None = None) -> None:
        self.image = image
        self.frame_colour = QColor(frame) if frame else None
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._hint, self._hint)

    def target_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF(2, 2, self.width() - 4, self.height() - 4)
        iw, ih = self.image.width(), self.image.height()
        scale = min((self.width() - 4) / iw, (self.height() - 4) / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        try:
            target = self.target_rect()
            if self.image is None:
                p.setPen(QColor(160, 160, 160))
                p.drawRect(target.adjusted(0, 0, -1, -1))
                return
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(target, self.image)
            if self.frame_colour is not None:
                pen = p.pen()
                pen.setColor(self.frame_colour)
                pen.setWidth(3)
                p.setPen(pen)
                p.drawRect(target.adjusted(-1, -1, 0, 0))
        finally:
            p.end()


class DecodedView(QWidget):
    """The decoded digit, large, with the code it came from (objectName "decoded_view")."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("decoded_view")
        self.setAccessibleName("The digit the decoder makes of the point under the mouse")
        self.title = QLabel("Decoded: move the mouse over the map")
        self.title.setObjectName("decoded_title")
        self.title.setWordWrap(True)
        self.digit = PictureBox("decoded_digit", minimum=72, hint=180)
        self.code = PictureBox("decoded_code", minimum=24, hint=60)
        self.code.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.note = QLabel("")
        self.note.setObjectName("decoded_note")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.digit, 4)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.note)
        self.shown: Decoded | None = None

    @property
    def image(self) -> np.ndarray | None:
        """The digit shown now (None before the first decode)."""
        return None if self.shown is None else self.shown.image

    def show_decoded(self, decoded: Decoded, arch_id: str, levels: tuple[float, float],
                     how_lifted: str = "") -> None:
        self.shown = decoded
        self.digit.set_image(digit_qimage(decoded.image), FAR_COLOUR if decoded.far else None)
        self.code.set_image(code_qimage(decoded.code, arch_id, levels))
        self.title.setText(f"Decoded: {decoded.what}")
        ratio = decoded.distance / decoded.threshold if decoded.threshold > 0 else np.inf
        if decoded.far:
            note = (f"<b style='color:{FAR_COLOUR}'>Far outside the data</b>: {ratio:.1f}× "
                    "farther from every test code than the data's own points are.")
        else:
            note = "Inside the data: a test code lies near this one."
        self.note.setText(note + (f"<br><small>{how_lifted}</small>" if how_lifted else ""))
        self.setAccessibleDescription(self.note.text())

    def clear(self, text: str) -> None:
        self.shown = None
        self.digit.set_image(None)
        self.code.set_image(None)
        self.title.setText(text)
        self.note.setText("")
