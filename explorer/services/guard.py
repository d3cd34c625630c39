"""Nothing trained is lost without a word: ask before unsaved weights go.

Whatever would replace or drop weights trained in this session and not
saved since (loading other weights, reverting to the shipped ones, fresh
weights, quitting) asks `allow(action)` first. The window sets `ask`, the
dialog: it gets what is about to happen and one line per architecture that
would lose its weights, and answers "save", "discard" or "cancel"; and
`choose_folder`, where to save (None: the save is called off). Without a
window (tests, scripts) nothing is asked and everything is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
Ask = Callable[[str, list[str]], str]


class DiscardGuard:
    def __init__(self, session: Session):
        self.session = session
        self.ask: Ask | None = None
        self.choose_folder: Callable[[], str | None] = lambda: None

    def allow(self, action: str, current_only: bool = True) -> bool:
        """True when `action` may go ahead; saving first if the user said so.

        current_only: only the loaded model's weights are at stake (a load, a
        revert); False: every architecture's (quitting).
        """
        lines = self.session.unsaved_work(current_only=current_only)
        if not lines or self.ask is None:
            return True
        answer = self.ask(action, lines)
        if answer == SAVE:
            folder = self.choose_folder()
            if not folder:
                return False
            # Commands run in order: the saves happen before what follows.
            if current_only:
                self.session.save_weights(folder)
            else:
                self.session.save_unsaved(folder)
            return True
        return answer == DISCARD
