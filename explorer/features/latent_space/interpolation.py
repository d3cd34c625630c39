"""Interpolation between two test digits: the endpoints, the answer, the animated play.

The two rows (indices into the test split) are picked on the map or from the
ten digits of the session's DigitSelection; once both are set the model
thread computes the pixel cross-fade and the decoded latent line (key
INTERPOLATION_KEY). Play walks a frame index along the path, there and back,
on a timer; the view moves a marker on the map and shows the frame. No
widgets here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core.latent_map import LatentMap
from explorer.core.latent_space import MIN_STEPS, Interpolation
from explorer.features.latent_space.jobs import INTERPOLATION_KEY, InterpolationJob

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

DEFAULT_STEPS = 12
MAX_STEPS = 30
FRAMES_PER_S = 8


class InterpolationState(QObject):
    """Endpoints `rows` ("a", "b"), `steps`, the latest `result` and the play `frame`."""

    endpoints_changed = Signal()
    changed = Signal(object)  # Interpolation, or None when it was cleared
    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: dict[str, int | None] = {"a": None, "b": None}
        self.steps = DEFAULT_STEPS
        self.result: Interpolation | None = None
        self.frame = 0
        self._direction = 1
        self._latent_map: LatentMap | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / FRAMES_PER_S))
        self._timer.timeout.connect(self.advance)

    @property
    def is_playing(self) -> bool:
        return self._timer.isActive()

    @property
    def is_ready(self) -> bool:
        return all(r is not None for r in self.rows.values())

    def set_endpoint(self, which: str, row: int) -> None:
        if which not in self.rows:
            raise ValueError(f"the endpoints are 'a' and 'b', got {which!r}")
        n_test = self.session.dataset.n_test
        if not 0 <= int(row) < n_test:
            raise ValueError(f"digit {row} is not in the test split (0..{n_test - 1})")
        self.rows[which] = int(row)
        self.endpoints_changed.emit()
        self.request()

    def set_steps(self, steps: int) -> None:
        self.steps = int(min(max(steps, MIN_STEPS), MAX_STEPS))
        self.request()

    def set_map(self, latent_map: LatentMap | None) -> None:
        """A new map (new weights): the path is decoded again with them."""
        self._latent_map = latent_map
        self.request()

    def request(self) -> None:
        if not self.is_ready or self._latent_map is None:
            return
        job = InterpolationJob(self._latent_map, self.rows["a"], self.rows["b"], self.steps)
        self.session.submit(INTERPOLATION_KEY, job, self._on_result, self.failed.emit,
                            progress_title="Interpolating")

    def clear(self) -> None:
        self.stop()
        self.rows = {"a": None, "b": None}
        self.result = None
        self.session.worker.cancel(INTERPOLATION_KEY)
        self.endpoints_changed.emit()
        self.changed.emit(None)

    def _on_result(self, result: Interpolation) -> None:
        self.result = result
        self.frame = min(self.frame, result.steps - 1)
        self.changed.emit(result)
        self.frame_changed.emit(self.frame)

    # -------------------------------------------------------------- play
    def toggle_play(self) -> None:
        if self.is_playing:
            self.stop()
        elif self.result is not None:
            self._timer.start()
            self.playing_changed.emit(True)

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    def advance(self) -> None:
        """The next frame, turning round at either end (a to b and back)."""
        if self.result is None:
            self.stop()
            return
        last = self.result.steps - 1
        nxt = self.frame + self._direction
        if not 0 <= nxt <= last:
            self._direction = -self._direction
            nxt = self.frame + self._direction
        self.show_frame(min(max(nxt, 0), last))

    def show_frame(self, frame: int) -> None:
        if self.result is None or not 0 <= frame < self.result.steps:
            return
        self.frame = int(frame)
        self.frame_changed.emit(self.frame)
