"""A one-line label that ends in "…" when its text does not fit."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit; the whole text is its tooltip.

    A plain QLabel in the status bar was cut off mid-word under the dataset
    label when the weights' description was long.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setMinimumWidth(50)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full_text = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full_text

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # lecture mode scales the font
            self._elide()

    def _elide(self) -> None:
        elided = self.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight,
                                               max(self.width(), 1))
        super().setText(elided)
