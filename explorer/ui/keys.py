"""Menu entries with keys that press the features' buttons, for live demos.

Each feature declares its `DemoAction`s (services.features); the window
turns them into QActions here, in the menu each names. The key moves from
the button to the action (a key bound twice is ambiguous and Qt then fires
neither), the button's tooltip names it, and the action is enabled exactly
when its button is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QWidget

from explorer.services.features import DemoAction


def bind_demo_action(window: QWidget, demo: DemoAction,
                     before: Callable[[], None] | None = None) -> QAction:
    """A QAction on `window` that clicks `demo.button`; `before` runs first."""
    button = demo.button
    action = QAction(demo.text, window)
    action.setObjectName(demo.name)
    action.setShortcuts([QKeySequence(s) for s in demo.shortcuts])
    button.setShortcut(QKeySequence())
    shown = " or ".join(demo.shortcuts)
    tip = button.toolTip().split(" (")[0] if button.toolTip() else demo.text.replace("&", "")
    button.setToolTip(f"{tip} ({shown})")
    action.setToolTip(f"{tip} ({shown})")
    action.setEnabled(button.isEnabled())

    def press(_checked: bool = False) -> None:
        if before is not None:
            before()
        if button.isEnabled():
            button.click()

    action.triggered.connect(press)
    button.installEventFilter(_EnabledFollower(button, action))
    window.addAction(action)  # the key works with the menu bar hidden, too
    return action


def bind_all(window: QWidget, demos: Iterable[DemoAction],
             before: Callable[[DemoAction], Callable[[], None] | None]) -> list[QAction]:
    return [bind_demo_action(window, d, before(d)) for d in demos]


class _EnabledFollower(QObject):
    """Keeps an action's enabled state equal to its button's."""

    def __init__(self, button: QAbstractButton, action: QAction):
        super().__init__(button)
        self.action = action

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.EnabledChange:
            self.action.setEnabled(obj.isEnabled())
        return False
