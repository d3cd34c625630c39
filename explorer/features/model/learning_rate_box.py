"""The learning-rate box of the model dock."""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget

from explorer.features.model.hyperparameters import LEARNING_RATE_DECIMALS, LEARNING_RATE_RANGE
from explorer.widgets.formatting import format_learning_rate


class LearningRateSpinBox(QDoubleSpinBox):
    """A learning-rate box that reads and writes 0.001, 1e-05 and 1e+38.

    The range reaches 1e38 on purpose: a lecturer types an absurd rate to show
    a run diverging (smaller "absurd" rates such as 1e9 only make the loss
    huge, not NaN). Fixed decimals would make the box hundreds of pixels wide
    and hide 1e-5 steps, so the text is %g and the arrows step by a decade.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(LEARNING_RATE_DECIMALS)
        self.setRange(*LEARNING_RATE_RANGE)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return format_learning_rate(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):  # noqa: D401 - Qt's override
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            # Half-typed numbers ("1e", "0.", "") may still become valid.
            partial = stripped == "" or all(c in "0123456789.eE+-" for c in stripped)
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        if math.isfinite(value) and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802
        self.setValue(self.value() * 10.0 ** steps)
