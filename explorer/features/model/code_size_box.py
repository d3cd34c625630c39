"""The model dock's code-size row: a box whose arrows double and halve, and the compression."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from explorer.features.model.code_size import CodeSize
from explorer.features.model.state import ModelDock

# A few clicks on the arrows (32 -> 16 -> 8 -> 4) make one build, not four.
CHOOSE_DELAY_MS = 350


class CodeSizeSpinBox(QSpinBox):
    """Code sizes are compared on a log scale (2, 4, ..., 128): each step doubles or
    halves the size; any number can still be typed."""

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        value = self.value()
        for _ in range(abs(steps)):
            value = value * 2 if steps > 0 else max(value // 2, 1)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


class CodeSizeRow(QWidget):
    """"Code size [32 units]" and the compression line under it, bound to a ModelDock."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.spin = CodeSizeSpinBox()
        self.spin.setObjectName("code_size_spin")
        self.spin.setKeyboardTracking(False)  # typing "128" is one size, not three
        self.spin.setAccessibleName("Code size")
        self.compression_label = QLabel()
        self.compression_label.setObjectName("compression_label")
        self.compression_label.setWordWrap(True)
        self.compression_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                             QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Code size")
        title.setBuddy(self.spin)
        row.addWidget(title)
        row.addWidget(self.spin, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.compression_label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._state: ModelDock | None = None

    def bind(self, state: ModelDock) -> None:
        self._state = state
        self._timer.timeout.connect(lambda: state.choose_code_size(self.spin.value()))
        self.spin.valueChanged.connect(lambda _v: self._timer.start(CHOOSE_DELAY_MS))
        state.code_size_shown.connect(self.show_code_size)
        self.show_code_size(state.code_size)

    @property
    def choice_pending(self) -> bool:
        """A size was chosen and waits for the arrows to rest."""
        return self._timer.isActive()

    def choose_now(self) -> None:
        """Build the size in the box at once (tests; Enter does it after the delay)."""
        if self._state is not None:
            self._timer.stop()
            self._state.choose_code_size(self.spin.value())

    def show_code_size(self, size: CodeSize) -> None:
        spin = self.spin
        spin.blockSignals(True)
        spin.setRange(1, size.maximum)
        spin.setSuffix(size.suffix)
        # A size the user is still choosing is not overwritten by the model
        # built meanwhile (the next build follows when the timer fires).
        if not self._timer.isActive():
            spin.setValue(size.value)
        spin.blockSignals(False)
        spin.setToolTip(size.tooltip)
        seed = ("the tutorial's size" if size.value == size.seed
                else f"tutorial: {size.seed}{size.suffix}")
        self.compression_label.setText(f"{size.compression_text} ({seed})")
