"""Which keys move a lesson on: what a presenter remote sends, without stealing the arrows.

Remotes send Page Down / Page Up (some send Right / Left). Page Down and Up
always move the lesson. Right and Left do too, except while the focus is on a
widget that uses them itself: a text field (the caret), a slider or a spin
box (its value), a tab bar, a table or list. Their actions are then disabled
(the panel follows the focus), so the key reaches that widget untouched.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

NEXT_KEYS = ("PgDown", "Right")
PREVIOUS_KEYS = ("PgUp", "Left")
_OWN_ARROWS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QAbstractSlider, QTabBar,
               QAbstractItemView)


def uses_arrows(widget: QWidget | None) -> bool:
    """Whether `widget` (the focus widget) does something with Left and Right."""
    if widget is None:
        return False
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, _OWN_ARROWS)
