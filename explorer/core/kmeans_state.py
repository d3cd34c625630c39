"""A K-means run as data: exported from a KMeansStepper and rebuilt into a new one.

A scene must bring back not only the centroids but the whole run, so that
Back still walks the half steps after a restore. Lloyd's half steps are
deterministic, so a run is fully described by the centroids it started
from and the kinds of the half steps taken since ("assign", "update"):
replaying them on the same points rebuilds the centroids, the labels, the
history of J and the undo stack exactly. J after every half step is kept
beside them as a check that the points are the same ones.

Only KMeansStepper's public methods are used: the start is found by undoing
every half step on a copy, and the restore replays them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.kmeans import KMeansStepper

__all__ = ["KMeansRunError", "RunState", "export_run", "restore_run", "run_from_json", "run_to_json",
           "same_run"]

HALF_STEPS = ("assign", "update")
# J of a replay agrees with the recorded J to rounding when the points are
# the same; beyond this relative difference the points were not the same.
J_TOLERANCE = 1e-7
MAX_HALF_STEPS = 100_000  # far more than any lecture; bounds a forged file's replay


class KMeansRunError(ValueError):
    """A run that cannot be restored on these points, with what to do."""


@dataclass(frozen=True, eq=False)
class RunState:
    """Where a run started and what it did since.

    `start`: (k, d) centroids the run began from; `steps`: the half steps
    since, oldest first; `objectives`: J after each of them; `dropped`: half
    steps before `start` that the stepper could no longer undo (its undo
    depth is bounded): they are not restored.
    """

    start: np.ndarray
    steps: tuple[str, ...]
    objectives: tuple[float, ...]
    dropped: int = 0

    @property
    def k(self) -> int:
        return int(self.start.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.start.shape[1])


def export_run(stepper: KMeansStepper) -> RunState:
    """The run of `stepper` (left untouched) as a RunState."""
    probe = copy.deepcopy(stepper)  # undone to its start; the live stepper keeps its state
    undone = 0
    while probe.undo():
        undone += 1
    history = stepper.history
    kept = history[len(history) - undone:]
    return RunState(start=np.array(probe.centroids, dtype=np.float64),
                    steps=tuple(kind for kind, _ in kept),
                    objectives=tuple(float(j) for _, j in kept),
                    dropped=len(history) - undone)


def restore_run(points: Any, run: RunState,
                on_step: Callable[[str, KMeansStepper], None] | None = None) -> KMeansStepper:
    """A new stepper on `points` that has made exactly `run`'s half steps.

    `on_step(kind, stepper)` is called after each replayed half step (the
    lab's centroid trails follow). Raises KMeansRunError when the run does not fit
    these points (another dimension, more centroids than points) or when the
    replay's J differs from the recorded one (other points: other weights,
    another count of digits).
    """
    x = np.asarray(points)
    if x.ndim != 2 or x.shape[1] != run.dimension:
        raise KMeansRunError(
            f"the K-means run was saved on {run.dimension}-dimensional points, but the points "
            f"now are {x.shape[1] if x.ndim == 2 else x.ndim}-dimensional: choose the same "
            "source and space as when the scene was saved")
    if run.k > x.shape[0]:
        raise KMeansRunError(f"the K-means run has {run.k} centroids but there are only "
                             f"{x.shape[0]} points: cluster more digits")
    stepper = KMeansStepper(x, run.k, init=run.start)
    for i, (kind, recorded) in enumerate(zip(run.steps, run.objectives, strict=True)):
        if kind == "assign":
            stepper.assign()
        else:
            stepper.update()
        if on_step is not None:
            on_step(kind, stepper)
        now = stepper.objective()
        if not math.isclose(now, recorded, rel_tol=J_TOLERANCE, abs_tol=1e-12):
            raise KMeansRunError(
                f"replaying the K-means run gave J = {now:.6g} after half step {i + 1}, where the "
                f"scene recorded {recorded:.6g}: the points are not those the scene was saved "
                "on (other weights, digits or projection)")
    return stepper


# ------------------------------------------------------------------ JSON
def run_to_json(run: RunState) -> dict[str, Any]:
    return {"start": run.start.tolist(), "steps": list(run.steps),
            "objectives": list(run.objectives), "dropped": run.dropped}


def run_from_json(obj: Any, where: str = "kmeans.run") -> RunState:
    """Parse what run_to_json wrote; ValueError names the field and what it must be."""
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected an object with start, steps and objectives, "
                         f"got {_short(obj)}")
    unknown = sorted(set(obj) - {"start", "steps", "objectives", "dropped"})
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    start = _centroids(obj.get("start"), f"{where}.start")
    steps = obj.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) and s in HALF_STEPS for s in steps):
        raise ValueError(f"{where}.steps: expected a list of \"assign\" and \"update\", "
                         f"got {_short(steps)}")
    if len(steps) > MAX_HALF_STEPS:
        raise ValueError(f"{where}.steps: {len(steps):,} half steps, more than the "
                         f"{MAX_HALF_STEPS:,} a scene may hold")
    objectives = obj.get("objectives")
    if (not isinstance(objectives, list) or len(objectives) != len(steps)
            or not all(_is_finite_number(j) and j >= 0 for j in objectives)):
        raise ValueError(f"{where}.objectives: expected one J (a number >= 0) per half step "
                         f"({len(steps)}), got {_short(objectives)}")
    dropped = obj.get("dropped", 0)
    if isinstance(dropped, bool) or not isinstance(dropped, int) or dropped < 0:
        raise ValueError(f"{where}.dropped: expected a whole number >= 0, got {_short(dropped)}")
    return RunState(start, tuple(steps), tuple(float(j) for j in objectives), dropped)


def _centroids(value: Any, where: str) -> np.ndarray:
    rows_ok = (isinstance(value, list) and 0 < len(value) <= 1000
               and all(isinstance(r, list) and r for r in value))
    if rows_ok:
        width = len(value[0])
        rows_ok = width <= 10_000 and all(len(r) == width and all(_is_finite_number(v) for v in r)
                                          for r in value)
    if not rows_ok:
        raise ValueError(f"{where}: expected K rows of d finite numbers (the starting "
                         f"centroids), got {_short(value)}")
    return np.array(value, dtype=np.float64)


def _is_finite_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def same_run(a: RunState, b: RunState) -> bool:
    """Whether two runs are the same (tests and the scene's round trip)."""
    return (a.steps == b.steps and a.objectives == b.objectives and a.dropped == b.dropped
            and a.start.shape == b.start.shape and bool(np.array_equal(a.start, b.start)))

