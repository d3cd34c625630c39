"""One tab's projection runs: the choice, t-SNE's frames, Cancel, and "what this map keeps".

Both map tabs (K-means lab, Latent space) compute their map as a view on the
model thread under a key of their own; this object is what they share
around it, without widgets:

* `choice` (a core `ProjectionChoice`) and `projector(seed)`: the function a
  job calls to project codes, bound to a fresh run of the `FrameRelay`, so
  that layouts of a replaced request never reach the plot;
* `frame_ready`: t-SNE's newest intermediate layout, taken from the relay
  when the job's progress report arrives (the session's progress mechanism:
  a queued signal of plain numbers);
* `cancel()`: forgets the job (the worker's cancel: its answer is never
  delivered, and t-SNE and UMAP stop at their next check);
* `request_quality(...)`: the map's 10-NN agreement and trustworthiness,
  measured on the model thread under its own key; `quality_ready` brings it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core import embedding_quality
from explorer.core.projection_runs import FrameRelay, ProjectionChoice, run_projection
from explorer.core.tasks import TaskState

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session


class MapProjection(QObject):
    """The projection of one tab's map job (`key`); GUI thread."""

    frame_ready = Signal(object)  # (n, 2) float32: an intermediate layout of the running map
    running_changed = Signal(bool, str)  # running, and what to say ("t-SNE: 40%")
    quality_ready = Signal(object)  # embedding_quality.MapQuality of the map on screen

    def __init__(self, session: Session, key: str, quality_key: str, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.key, self.quality_key = session, key, quality_key
        self.choice = ProjectionChoice()
        self.relay = FrameRelay()
        self.is_running = False
        self.frames_shown = 0  # intermediate layouts handed to the plot in this run
        session.worker.job_progress.connect(self._on_progress)

    def projector(self, seed: int = 0) -> Callable[[Any, TaskState], Any]:
        """fn(codes, state) for a new request: the choice's map, frames to this relay.

        Call once per request, on the GUI thread: it starts a new run, so
        frames of any earlier one are dropped from then on.
        """
        choice, relay = self.choice, self.relay
        generation = relay.new_run()
        self.frames_shown = 0
        self._set_running(not choice.is_linear, f"{choice.describe()}: starting…")

        def project(codes: Any, state: TaskState):
            return run_projection(codes, choice, state, relay, generation, seed)

        return project

    def finished(self) -> None:
        """The map of the current request arrived (or failed)."""
        self.relay.new_run()  # late frames of the finished run are not drawn over it
        self._set_running(False, "")

    def cancel(self) -> None:
        """Stop the running map; its answer and its frames never arrive."""
        self.session.worker.cancel(self.key)
        self.relay.new_run()
        self._set_running(False, f"{self.choice.label} cancelled")

    def request_quality(self, codes: np.ndarray, coords: np.ndarray, labels: np.ndarray,
                        method: str) -> None:
        """Measure what this map keeps, in the background (a newer request replaces it)."""
        if codes.shape[0] < 2 * embedding_quality.K_NEIGHBOURS + 1:
            self.quality_ready.emit(None)
            return

        def job(state: TaskState):
            return embedding_quality.map_quality(codes, coords, labels, method, state=state)

        # during_training=False: a second of the model thread waits for the run to end
        self.session.worker.submit(self.quality_key, job, self.quality_ready.emit,
                                   lambda _message: self.quality_ready.emit(None),
                                   during_training=False, title="Measuring what the map keeps")

    def _set_running(self, running: bool, text: str) -> None:
        self.is_running = running
        self.running_changed.emit(running, text)

    def _on_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key != self.key or not self.is_running:
            return
        frame = self.relay.take()
        if frame is not None:
            self.frames_shown += 1
            self.frame_ready.emit(frame[0])
        if fraction < 1:
            self.running_changed.emit(True, f"{self.choice.describe()}: {fraction:.0%}")
