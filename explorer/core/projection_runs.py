"""Which 2-D map a tab draws, and t-SNE's moving layouts on their way to the screen (no Qt).

Both map tabs (the K-means lab and the Latent space map) let the user choose
PCA, t-SNE or UMAP and its parameters; this module holds what they share and
no widgets:

* `ProjectionChoice`: the method and its parameters, frozen, so a job made
  from it keeps exactly what it was asked with.
* `FrameRelay`: t-SNE hands intermediate layouts to a callback on the model
  thread. Only the newest one matters, so it waits in one slot here, and the
  job's own progress report (`state.set_progress`, a queued signal of plain
  numbers) tells the GUI thread that there is one; the GUI thread takes it
  when that report arrives. Each run has a generation number: a frame of a
  run that has since been replaced is never handed out, so a stale layout
  cannot reach the plot after a newer request.
* `run_projection`: the call a job makes, with the relay as `on_frame`,
  throttled to `FRAME_INTERVAL_S` so the plot redraws at most ~7 times a
  second while the optimisation runs flat out.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core import projection
from explorer.core.tasks import TaskState

__all__ = ["FRAME_INTERVAL_S", "FrameRelay", "METHOD_LABELS", "ProjectionChoice", "run_projection"]

METHOD_LABELS = (("PCA", "pca"), ("t-SNE", "tsne"), ("UMAP", "umap"))
# A redraw of 2,000 points with the view refitted took 15-25 ms here on a
# loaded two-core machine; about seven a second keep the motion visible without
# taking the GUI thread from the mouse (tests/benchmarks/bench_map_responsiveness.py).
FRAME_INTERVAL_S = 0.15
_SHOWN = ("perplexity", "n_neighbors", "min_dist")  # the parameters the chooser sets


@dataclass(frozen=True)
class ProjectionChoice:
    """A projection method and its parameters (the ones the user set; the rest default)."""

    method: str = "pca"
    params: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        projection.default_params(self.method)  # raises for an unknown method

    @classmethod
    def of(cls, method: str, **params: Any) -> ProjectionChoice:
        known = projection.default_params(method)
        return cls(method, tuple(sorted((k, v) for k, v in params.items() if k in known)))

    @property
    def is_linear(self) -> bool:
        return self.method == "pca"

    @property
    def label(self) -> str:
        return dict((m, t) for t, m in METHOD_LABELS)[self.method]

    def describe(self) -> str:
        """"t-SNE (perplexity 30)": the method and the parameters the user can set,
        under the libraries' own names."""
        params = dict(self.params)
        shown = [f"{k} {params[k]:g}" for k in _SHOWN if k in params]
        return f"{self.label} ({', '.join(shown)})" if shown else self.label


class FrameRelay:
    """The newest intermediate layout of the newest run; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._frame: tuple[int, np.ndarray, float] | None = None

    def new_run(self) -> int:
        """A new run starts: frames of earlier ones are dropped from now on."""
        with self._lock:
            self._generation += 1
            self._frame = None
            return self._generation

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    def put(self, generation: int, coords: np.ndarray, fraction: float) -> bool:
        """Keep this layout if its run is still the newest; False if it is stale."""
        with self._lock:
            if generation != self._generation:
                return False
            self._frame = (generation, np.array(coords, dtype=np.float32), float(fraction))
            return True

    def take(self) -> tuple[np.ndarray, float] | None:
        """(coords, share of the run done) of the newest run, once; None if there is none."""
        with self._lock:
            frame, self._frame = self._frame, None
            if frame is None or frame[0] != self._generation:
                return None
            return frame[1], frame[2]


def run_projection(points: Any, choice: ProjectionChoice, state: TaskState,
                   relay: FrameRelay | None = None, generation: int = 0, seed: int = 0):
    """`projection.project` of the points by `choice`, t-SNE's layouts through `relay`.

    Called on the model thread. Each kept layout is announced by a progress
    report of the job (the GUI thread then `take`s it); a cancelled run raises
    tasks.Cancelled and delivers nothing more.
    """
    last = [0.0]

    def on_frame(frame) -> None:
        now = time.monotonic()
        if frame.phase != "done" and now - last[0] < FRAME_INTERVAL_S:
            return
        last[0] = now
        fraction = frame.iteration / frame.total if frame.total else 0.0
        if relay is not None and relay.put(generation, frame.coords, fraction):
            state.set_progress(min(fraction, 0.99), f"{choice.label}: laying out the map")

    return projection.project(points, choice.method, state, seed,
                              on_frame=on_frame if relay is not None else None,
                              **dict(choice.params))
