"""The K-means lab's state: the points, the stepper, the centroid trails, the Run animation.

No widgets here, and no model: `KMeansLab` is given a `PointSet` (by the
`PointsFeed` beside it, or by a test's `make_point_set`) and is driven by
plain calls (`half_step`, `back`, `toggle_run`, `place_centroid`, ...). The
panel binds its widgets to these calls, and on `changed` draws `picture()`.

Stepping is a KMeansStepper call of a millisecond or so on 10,000 points,
so it runs on the GUI thread. The stepper keeps the undo stack; the lab only
keeps the centroid trails, in step with it: one snapshot at the start and one
per update (an undone update drops one).

Two spaces (see geometry.py): "2-D" clusters the projected coordinates the
plot shows; "full" clusters the codes themselves and shows the centroids
projected. The mouse gives plot coordinates; `to_clustered_space` takes them
into the space K-means runs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core import exporting, kmeans_state, latent_points
from explorer.core.kmeans import KMeansStepper
from explorer.core.kmeans_state import KMeansRunError, RunState
from explorer.core.latent_points import PointSet
from explorer.features.kmeans import saved_runs
from explorer.features.kmeans.animation import RunAnimation
from explorer.features.kmeans.geometry import CentroidTrails, ClusteredSpace
from explorer.features.kmeans.placing import PLACING, PLACING_HINT, CentroidPlacing
from explorer.features.kmeans.saved_runs import ReplayedRun
from explorer.widgets.formatting import plural

INITS = ("k-means++", "random points", PLACING)
_INIT_ARG = {"k-means++": "k-means++", "random points": "random"}
NO_POINTS_YET = ("The K-means lab has no points yet: open its tab and wait for the codes "
                 "to be computed.")
DEFAULT_K = 10
MAX_ITERATIONS = 300  # the animation stops here even if Lloyd has not settled
HALF_STEPS = ("assign", "update")


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class LabPicture:
    """What the lab's plots show, at one moment."""

    labels: np.ndarray | None  # each point's cluster (a copy); None: all grey, not assigned
    k: int  # clusters (0: no centroids yet)
    centroids: np.ndarray | None  # (k, 2) in plot coordinates; None: none to show
    trails: list[np.ndarray]  # per centroid, where it has been: (snapshots, 2)
    regions: np.ndarray | None  # centroids whose Voronoi regions shade the plot (2-D only)
    draggable: bool  # dragging moves a centroid (in 2-D, or in any space while placing)
    history: list[tuple[str, float]]  # (kind, J) after every half step
    last_kind: str | None  # the half step just taken: "assign", "update" or None
    dimension: int  # of the clustered space


class KMeansLab(QObject, CentroidPlacing):
    """Lloyd's algorithm on one PointSet, one half step at a time.

    max_k: the most centroids there may be (the plot has a colour for each).
    Settings (`set_k`, `set_seed`, `set_init`, `set_full_space`) start a new
    run. Every change that needs a redraw ends with `changed`.
    """

    points_changed = Signal(object)  # a new PointSet; the reset for it follows
    points_ready = Signal(object)  # the same PointSet, once reset and drawn
    changed = Signal()  # stepper, centroids or trails changed: redraw
    stepped = Signal(str)  # "assign", "update" or "undo", after `changed`
    running_changed = Signal(bool)  # the Run animation started or stopped
    k_changed = Signal(int)  # K followed the centroids placed by hand (no reset)
    message_changed = Signal(str, bool)  # a hint, or a problem to fix (True)

    def __init__(self, max_k: int, parent: QObject | None = None):
        super().__init__(parent)
        if max_k < 1:
            raise ValueError(f"max_k must be at least 1, got {max_k}")
        self.max_k = int(max_k)
        self.points: PointSet | None = None
        self.stepper: KMeansStepper | None = None
        self.k = min(DEFAULT_K, self.max_k)
        self.seed = 0
        self.init = INITS[0]
        self.full_space = False
        self.message, self.message_is_problem = "", False
        self._trails = CentroidTrails()
        self.animation = RunAnimation(self.advance, self)  # its speed: animation.set_speed
        self.animation.running_changed.connect(self.running_changed)

    # ---------------------------------------------------------- settings
    @property
    def placing(self) -> bool:
        return self.init == PLACING

    @property
    def is_running(self) -> bool:
        return self.animation.is_running

    def set_k(self, k: int) -> None:
        if not 1 <= k <= self.max_k:
            raise ValueError(f"K must be between 1 and {self.max_k}, got {k}")
        self.k = int(k)
        self.reset()

    def set_seed(self, seed: int) -> None:
        self.seed = int(seed)
        self.reset()

    def set_init(self, init: str) -> None:
        """"k-means++", "random points" or "click to place"."""
        if init not in INITS:
            raise ValueError(f"the start must be one of {', '.join(INITS)}, got {init!r}")
        self.init = init
        self.reset()

    def set_full_space(self, full: bool) -> None:
        self.full_space = bool(full)
        self.reset()

    def set_points(self, points: PointSet) -> None:
        """Cluster these points from now on (new centroids, grey labels)."""
        self.stop_animation()
        self.points = points
        self.points_changed.emit(points)
        self.reset()
        self.points_ready.emit(points)

    # ------------------------------------------------------------- steps
    def reset(self) -> None:
        """New starting centroids from K, the initialisation and the seed."""
        self.stop_animation()
        self.stepper = None
        message, problem = "", False
        ps = self.points
        if ps is not None:
            if self.placing:
                message = PLACING_HINT
            elif self.k > ps.n:
                message, problem = (f"K = {self.k} is more than the {plural(ps.n, 'point')} to "
                                    "cluster: lower K or cluster more digits."), True
            else:
                self.stepper = KMeansStepper(self.space.matrix, self.k,
                                             init=_INIT_ARG[self.init], seed=self.seed)
        self._say(message, problem)
        self._restart_trails()
        self.changed.emit()

    def half_step(self, kind: str) -> None:
        """One half step: "assign" (the r-step) or "update" (the μ-step)."""
        if kind not in HALF_STEPS:
            raise ValueError(f"unknown half step {kind!r}")
        self.stop_animation()  # a step by hand takes over from the animation
        self._half_step(kind)

    def _half_step(self, kind: str) -> None:
        st = self.stepper
        if st is None:
            return
        if kind == "assign":
            st.assign()
        else:
            st.update()
            self._trails.add(self.display_centroids())
        self.changed.emit()
        self.stepped.emit(kind)

    def step(self) -> None:
        """A full iteration, as its two half steps."""
        self.half_step("assign")
        self.half_step("update")

    def back(self) -> None:
        """Undo the last half step (the stepper keeps the exact earlier state)."""
        self.stop_animation()
        st = self.stepper
        if st is None or not st.can_undo:
            return
        undone = st.history[-1][0] if st.history else None
        st.undo()
        if undone == "update":
            self._trails.drop_last()
        self.changed.emit()
        self.stepped.emit("undo")

    # ------------------------------------------------- saved runs (scenes)
    def export_run(self) -> RunState | None:
        """The current run (start and half steps), or None before there are centroids."""
        return kmeans_state.export_run(self.stepper) if self.stepper is not None else None

    def replay(self, run: RunState) -> Callable[[], ReplayedRun]:
        """The replay of a saved run on the current points, to run on the model thread
        (saved_runs.replay_on); KMeansRunError at once when there are no points."""
        if self.points is None:
            raise KMeansRunError(NO_POINTS_YET)
        return saved_runs.replay_on(self.points, self.full_space, self.space.matrix, run,
                                    self.max_k)

    def adopt(self, replayed: ReplayedRun) -> bool:
        """Show a replayed run: J, the centroids, the trails and Back as they were saved.
        False (nothing changed) when the lab's points or space changed meanwhile."""
        if replayed.points is not self.points or replayed.full_space != self.full_space:
            return False
        self.stop_animation()
        space, stepper = self.space, replayed.stepper
        self.stepper = stepper
        self._trails.restart(space.to_plot(replayed.run.start))
        for centroids in replayed.updates:
            self._trails.add(space.to_plot(centroids))
        self._say("")
        if stepper.k != self.k:
            self.k = stepper.k
            self.k_changed.emit(stepper.k)
        self.changed.emit()
        return True

    def restore_run(self, run: RunState) -> None:
        """Replay `run` here and now and show it (raises KMeansRunError, the lab unchanged)."""
        self.adopt(self.replay(run)())

    # --------------------------------------------------------- animation
    def toggle_run(self) -> None:
        """Start the Run animation (when there is something to step) or stop it."""
        if self.is_running:
            self.stop_animation()
        elif self.stepper is not None and not self.stepper.converged:
            self.animation.start()

    def stop_animation(self) -> None:
        self.animation.stop()

    def advance(self) -> bool:
        """The half step after the last one, for the animation; False when there is
        nothing more to do: converged, or at MAX_ITERATIONS should Lloyd not settle."""
        st = self.stepper
        if st is None or st.converged or st.iteration >= MAX_ITERATIONS:
            return False
        self._half_step("update" if st.last_kind == "assign" else "assign")
        return not st.converged

    def _say(self, text: str, problem: bool = False) -> None:
        self.message, self.message_is_problem = text, problem
        self.message_changed.emit(text, problem)

    # ------------------------------------------------- what there is to draw
    @property
    def space(self) -> ClusteredSpace:
        """The space of the current points (there must be points)."""
        assert self.points is not None
        return ClusteredSpace(self.points, self.full_space)

    def display_centroids(self) -> np.ndarray:
        """The centroids in plot coordinates ((0, 2) when there are none)."""
        if self.stepper is None or self.points is None:
            return np.zeros((0, 2))
        return self.space.to_plot(self.stepper.centroids)

    def to_clustered_space(self, x: float, y: float) -> np.ndarray:
        """Plot coordinates to a point of the clustered space."""
        if self.points is None:
            return np.array([x, y], dtype=np.float64)
        return self.space.from_plot(x, y)

    def plot_bounds(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1): the plot's view of the points, with a margin."""
        return latent_points.padded_bounds(self.points.coords if self.points is not None else [])

    def _restart_trails(self) -> None:
        self._trails.restart(self.display_centroids() if self.stepper is not None else None)

    def cluster_groups(self, labels: np.ndarray) -> list[np.ndarray]:
        """The indices of the points in each cluster 0..K-1 of these labels."""
        return latent_points.group_by_label(labels, self.stepper.k if self.stepper else 0)

    def picture(self) -> LabPicture:
        """What the plots show now."""
        st = self.stepper
        if st is None:
            dimension = self.space.dimension if self.points is not None else 2
            return LabPicture(None, 0, None, [], None, False, [], None, dimension)
        centroids = self.display_centroids()
        in_plane = self.space.is_the_plot
        return LabPicture(labels=np.array(st.labels) if st.is_assigned else None, k=st.k,
                          centroids=centroids, trails=self._trails.per_centroid(),
                          regions=centroids if in_plane else None,
                          draggable=self.placing or in_plane, history=st.history,
                          last_kind=st.last_kind, dimension=st.d)

    def write_assignments_csv(self, path: str) -> str:
        """index, digit, x, y, cluster: one row per point. Returns a note for the status bar.

        Raises ValueError when there are no points yet, OSError when the file
        cannot be written.
        """
        points, st = self.points, self.stepper
        if points is None:
            raise ValueError(NO_POINTS_YET)
        clusters = np.asarray(st.labels) if st is not None and st.is_assigned else None
        # The lab clusters the first n test digits, so row i is test digit i.
        exporting.write_assignments_csv(path, np.arange(points.n), points.labels,
                                        points.coords, clusters)
        return "" if clusters is not None else " (no assignment yet: cluster column empty)"
