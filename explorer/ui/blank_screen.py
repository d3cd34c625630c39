"""The blank-screen key (B), as presentation software has: the window goes black, so the
class looks at the lecturer; any key or click brings it back.

`BlankScreen` is a black child widget over the whole window (menu bar and
dock included), raised above everything. While it shows it takes every key
before any shortcut can (a ShortcutOverride it accepts), so the key that
brings the window back never also steps K-means or switches a tab. The B
itself is a window action: Qt gives a focused text field (a spin box, a line
edit) the letter first, so typing "b" there never blanks the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


class BlankScreen(QWidget):
    """Black over `window` while shown; `blanked(on)` follows it."""

    blanked = Signal(bool)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("blank_screen")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.setPalette(palette)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._focus_before: QWidget | None = None
        window.installEventFilter(self)
        self.hide()

    @property
    def is_blank(self) -> bool:
        return not self.isHidden()

    def blank(self) -> None:
        if self.is_blank:
            return
        window = self.parentWidget()
        self._focus_before = window.focusWidget()
        self.setGeometry(window.rect())
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.grabKeyboard()  # a floating dock or a menu must not keep the keys
        self.blanked.emit(True)

    def unblank(self) -> None:
        if not self.is_blank:
            return
        self.releaseKeyboard()
        self.hide()
        if self._focus_before is not None:
            self._focus_before.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_before = None
        self.blanked.emit(False)

    # ------------------------------------------------------------- events
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self.is_blank:
            event.accept()  # the key is ours: it only brings the window back
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt,
                               Qt.Key.Key_Meta):
            self.unblank()  # a modifier alone is half of a key the user is still typing
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.unblank()
        event.accept()

    def eventFilter(self, obj: QObject, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize and self.is_blank:
            self.setGeometry(obj.rect())  # full screen on and off, a resized window
        return False
