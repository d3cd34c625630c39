"""The status bar as one line: a passing message, or else the standing note.

QStatusBar paints its temporary messages itself, over the space of its
normal widgets; with the weights' note there and progress messages coming
several times a second, the two were seen drawn over one another. Here the
bar shows exactly one of them, in one elided label: the latest message for
its few seconds (progress included), else the note (what the weights are),
with the data source and the device that runs the model on the right. `showMessage`, `currentMessage` and
`clearMessage` keep Qt's meaning, so callers use the bar as before.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from explorer.widgets.elided_label import ElidedLabel


class StatusLine(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("status_line")
        self.note_label = ElidedLabel()
        self.note_label.setObjectName("weights_label")
        self.message_label = ElidedLabel()
        self.message_label.setObjectName("status_message_label")
        self.message_label.hide()
        self.data_label = QLabel()
        self.data_label.setObjectName("data_source_label")
        self.device_label = QLabel()
        self.device_label.setObjectName("device_label")
        self.device_label.setToolTip("Which device runs the model")
        # Permanent widgets: QStatusBar never paints a message of its own over them.
        self.addPermanentWidget(self.note_label, 1)
        self.addPermanentWidget(self.message_label, 1)
        self.addPermanentWidget(self.data_label)
        self.addPermanentWidget(self.device_label)
        self._message = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def set_note(self, text: str) -> None:
        """The standing text: shown whenever no message is."""
        self.note_label.setText(text)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        self._message = text
        self._timer.stop()
        if not text:
            self.clearMessage()
            return
        self.message_label.setText(text)
        self.note_label.hide()
        self.message_label.show()
        if timeout > 0:
            self._timer.start(timeout)
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:  # noqa: N802 - Qt's name
        self._message = ""
        self._timer.stop()
        self.message_label.hide()
        self.message_label.setText("")
        self.note_label.show()
        self.messageChanged.emit("")

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name
        return self._message
