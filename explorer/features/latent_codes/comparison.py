"""The seed's point about sparsity, set out plainly: simple against sparse.

The same ten digits (the shown ones) coded by the simple model and by the
sparse one, on ONE colour scale, with each model's mean activation over the
test split beside the tutorial's (7.30 and 3.33). Drawn on separate scales
the sparse codes looked as busy as the simple ones; on one scale the point
shows. Both models are used with the weights the window holds for them
(Session.companion), so training either one shows in the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import views

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

PAIR = ("simple", "sparse")
PAIR_KEY = "sparsity-pair"
DELAY_MS = 300  # after the weights or the digits settle


class SparsityComparison(QObject):
    """Asks for the pair when its tab is shown and something changed; `pair`
    holds the latest answer, `text` what to say while there is none."""

    changed = Signal()

    def __init__(self, session: Session, is_shown: Callable[[], bool],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._is_shown = is_shown
        self.pair: views.SparsityPair | None = None
        self.text = "Simple against sparse: shown when the tab is open"
        self.stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.request)
        session.weights_changed.connect(self._mark_stale)
        session.dataset_changed.connect(self._mark_stale)
        session.selection.changed.connect(self._mark_stale)
        session.training_ended.connect(lambda _r: self._mark_stale())

    def on_shown(self) -> None:
        if self.stale:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def request(self) -> None:
        s = self.session
        if not s.is_ready or s.is_training or not self._is_shown():
            self._say("measured when the training stops" if s.is_training else
                      "loading TensorFlow…" if not s.is_ready else "shown when the tab is open")
            return
        self.stale = False
        indices = s.selection.indices

        def job(state, model, dataset):
            first, second = (s.companion(a) for a in PAIR)
            return views.sparsity_pair(first, second, dataset, indices, state)

        self._say("computing…")
        s.submit(PAIR_KEY, job, self._on_pair, self._on_failed, during_training=False,
                 progress_title="Comparing the simple and sparse codes")

    def _mark_stale(self) -> None:
        self.session.worker.cancel(PAIR_KEY)
        self.stale = True
        if self._is_shown():
            self._timer.start()

    def _on_pair(self, pair: views.SparsityPair) -> None:
        self.pair = pair
        self.text = ""
        self.changed.emit()

    def _on_failed(self, message: str) -> None:
        self._say(f"failed ({message})")

    def _say(self, text: str) -> None:
        self.text = f"Simple against sparse: {text}"
        self.changed.emit()


def figure_line(arch_id: str, stats: views.SparsityStats) -> str:
    """"simple: mean activation 6.47 (the tutorial: 7.30) · 41% zeros"."""
    seed = views.SEED_MEAN_ACTIVATION.get(arch_id)
    seed_text = f" (the tutorial: {seed:.2f})" if seed is not None else ""
    return (f"{arch_id}: mean activation {stats.mean_activation:.2f}{seed_text} · "
            f"{stats.zero_fraction:.0%} of its activations are 0")
