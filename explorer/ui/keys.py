"""Menu entries with keys that press the features' buttons, for live demos.

Each feature declares its `DemoAction`s (services.features); the window
turns them into QActions here, in the menu each names. The key moves from
the button to the action (a key bound twice is ambiguous and Qt then fires
neither), the button's tooltip names it, and the action is enabled exactly
when its button is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from explorer.services.features import DemoAction


def bind_demo_action(window: QWidget, demo: DemoAction,
                     before: Callable[[], None] | None = None) -> QAction:
    """A QAction on `window` that clicks `demo.button` (or calls `demo.trigger`);
    `before` runs first."""
    button = demo.button
    follows = button if button is not None else demo.follows
    action = QAction(demo.text, window)
    action.setObjectName(demo.name)
    action.setShortcuts([QKeySequence(s) for s in demo.shortcuts])
    shown = " or ".join(demo.shortcuts)
    text = demo.text.replace("&", "")
    if button is not None:
        button.setShortcut(QKeySequence())
        tip = button.toolTip().split(" (")[0] if button.toolTip() else text
        button.setToolTip(f"{tip} ({shown})")
    else:
        tip = text
    action.setToolTip(f"{tip} ({shown})")
    if follows is not None:
        action.setEnabled(follows.isEnabled())
        follows.installEventFilter(_EnabledFollower(follows, action))

    def press(_checked: bool = False) -> None:
        if before is not None:
            before()
        if follows is not None and not follows.isEnabled():
            return
        if button is not None:
            button.click()
        elif demo.trigger is not None:
            demo.trigger()

    action.triggered.connect(press)
    window.addAction(action)  # the key works with the menu bar hidden, too
    return action


class _EnabledFollower(QObject):
    """Keeps an action's enabled state equal to its button's."""

    def __init__(self, button: QWidget, action: QAction):
        super().__init__(button)
        self.action = action

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.EnabledChange:
            self.action.setEnabled(obj.isEnabled())
        return False
