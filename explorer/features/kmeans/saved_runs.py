"""A saved K-means run (a scene's) replayed for the lab, away from the GUI thread.

`replay_on(...)` checks what it can at once and returns a plain function that
replays the run's half steps (kmeans_state.restore_run) and keeps the
centroids after each update for the trails; a scene runs it on the model
thread, since hundreds of half steps on 10,000 codes take seconds. The lab
then `adopt`s the result, unless its points changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core import kmeans_state
from explorer.core.kmeans import KMeansStepper
from explorer.core.kmeans_state import KMeansRunError, RunState
from explorer.core.latent_points import PointSet


@dataclass(frozen=True, eq=False)
class ReplayedRun:
    """A saved run replayed on the points it was replayed for."""

    points: PointSet
    full_space: bool
    run: RunState
    stepper: KMeansStepper
    updates: list[np.ndarray]  # the centroids after each update, for the trails


def replay_on(points: PointSet, full_space: bool, matrix: np.ndarray, run: RunState,
              max_k: int) -> Callable[[], ReplayedRun]:
    """The replay of `run` on `matrix` (the clustered space of `points`), to call later.

    Raises KMeansRunError at once when the lab cannot show the run; the
    returned function raises it when the run does not fit the points.
    """
    if run.k > max_k:
        raise KMeansRunError(f"the run has {run.k} centroids; the lab shows at most {max_k}")

    def compute() -> ReplayedRun:
        updates: list[np.ndarray] = []

        def keep_update(kind: str, replayed: KMeansStepper) -> None:
            if kind == "update":  # the trails have one snapshot per update
                updates.append(np.array(replayed.centroids))

        stepper = kmeans_state.restore_run(matrix, run, on_step=keep_update)
        return ReplayedRun(points, full_space, run, stepper, updates)

    return compute
