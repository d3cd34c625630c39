"""K-means as the seed derives it, one half step at a time (pure numpy, no Qt).

The objective is

    J = (1/m) * sum_i sum_j r_ij * ||x_i - mu_j||^2

with r_ij = 1 when point i belongs to cluster j. Lloyd's algorithm minimises J
by alternating two steps, each of which can only lower J (or leave it):

* the r-step (:meth:`KMeansStepper.assign`): every point goes to its nearest
  centroid, which is the best r for fixed mu;
* the mu-step (:meth:`KMeansStepper.update`): every centroid moves to the mean
  of its points, which is the best mu for fixed r (set dJ/dmu_j = 0).

:class:`KMeansStepper` exposes the two steps separately, records J after
each of them and can undo them, so a lecturer can show J falling step by step.
Its seeding lives in kmeans_seeding.py, its distances in kmeans_distances.py,
its undo in kmeans_undo.py, the scores of a clustering in cluster_metrics.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from explorer.core.kmeans_distances import SquaredDistances, voronoi_labels
from explorer.core.kmeans_seeding import (
    SeedLike,
    as_centroids,
    as_points,
    check_k,
    kmeans_plus_plus,
)
from explorer.core.kmeans_undo import Undoable

__all__ = ["KMeansStepper", "kmeans_plus_plus", "voronoi_labels"]

InitLike = Literal["k-means++", "random"] | np.ndarray | Sequence[Sequence[float]]


class _CentroidEditing:
    """The click-to-place edits of the stepper: each starts a new run (labels
    back to -1, history and undo cleared), since J's history no longer
    describes one run. The stepper provides `_reset_to`, the centroids and
    the sizes."""

    _centroids: np.ndarray
    k: int
    m: int
    d: int

    def _reset_to(self, centroids: np.ndarray) -> None:
        raise NotImplementedError

    def set_centroids(self, centroids: Any) -> None:
        """Replace all centroids (K may change, 1 <= K <= m)."""
        self._reset_to(as_centroids(centroids, self.d, self.m))

    def _point(self, xy: Any) -> np.ndarray:
        p = np.array(xy, dtype=np.float64).reshape(-1)
        if p.shape != (self.d,):
            raise ValueError(f"a centroid needs {self.d} coordinates, got {np.shape(xy)}")
        if not np.all(np.isfinite(p)):
            raise ValueError("centroid coordinates must be finite")
        return p

    def _check_index(self, j: int) -> int:
        j = int(j)
        if not 0 <= j < self.k:
            raise IndexError(f"no centroid {j}: K is {self.k}")
        return j

    def move_centroid(self, j: int, xy: Any) -> None:
        j = self._check_index(j)
        c = self._centroids.copy()
        c[j] = self._point(xy)
        self._reset_to(c)

    def add_centroid(self, xy: Any) -> int:
        """Append a centroid; returns its index."""
        if self.k + 1 > self.m:
            raise ValueError(f"K={self.k + 1} is larger than the number of points ({self.m})")
        self._reset_to(np.vstack([self._centroids, self._point(xy)[None, :]]))
        return self.k - 1

    def remove_centroid(self, j: int) -> None:
        j = self._check_index(j)
        if self.k == 1:
            raise ValueError("cannot remove the last centroid: K must be at least 1")
        self._reset_to(np.delete(self._centroids, j, axis=0))


class KMeansStepper(_CentroidEditing, Undoable):
    """Lloyd's K-means, driven one half step at a time.

    Parameters
    ----------
    points:
        (m, d) array. A float64 copy is kept so that J is computed in double
        precision whatever the input dtype.
    k:
        number of clusters, 1 <= k <= m.
    init:
        ``"k-means++"`` (greedy k-means++, see :func:`kmeans_plus_plus`),
        ``"random"`` (k distinct points chosen at random) or an explicit
        (k, d) array of starting centroids.
    seed:
        seed (or numpy Generator) for the random initialisations.

    State
    -----
    ``labels`` is -1 for every point until the first :meth:`assign`.
    ``history`` holds ``(kind, J)`` after every half step, ``kind`` being
    ``"assign"`` or ``"update"``; it starts empty. ``objective()`` is J for the
    current labels; before the first assignment, when r is not yet defined,
    it is J for the nearest-centroid assignment (what the next assign would
    give), so the UI always has a number to show.

    Empty clusters
    --------------
    A cluster that receives no point in the r-step keeps its centroid where
    it is during the mu-step, and its index is listed in ``empty_clusters``.
    That choice never raises J (an empty cluster contributes nothing to it),
    keeps K fixed, and is visible on screen, unlike scikit-learn's silent
    relocation of empty centroids to far-away points. Consequently results
    match scikit-learn exactly only while no cluster empties.

    Convergence
    -----------
    ``converged`` becomes True when an r-step that directly follows a
    mu-step changes no label: the centroids are then the means of their
    clusters and every point is with its nearest centroid, a fixed point of
    both steps. Any later change of labels or centroids clears it.

    Undo and editing
    ----------------
    :meth:`undo` reverts one half step exactly (centroids, labels, history,
    flags), up to the last 2,000. The click-to-place edits
    (:meth:`set_centroids`, :meth:`move_centroid`, :meth:`add_centroid`,
    :meth:`remove_centroid`) start a new run: labels go back to -1 and the
    history and undo stack are cleared.
    """

    def __init__(self, points: Any, k: int, init: InitLike = "k-means++", seed: SeedLike = 0) -> None:
        x = as_points(points)
        m, d = x.shape
        k = check_k(k, m)
        self._x = x
        self._x.flags.writeable = False
        self._dist = SquaredDistances(x)
        if isinstance(init, str):
            if init == "k-means++":
                c = kmeans_plus_plus(x, k, np.random.default_rng(seed))
            elif init == "random":
                rng = np.random.default_rng(seed)
                c = x[rng.choice(m, size=k, replace=False)].copy()
            else:
                raise ValueError(f"init must be 'k-means++', 'random' or a ({k}, {d}) array, got {init!r}")
        else:
            c = as_centroids(init, d, m, k)
        self._reset_to(c)

    # ----------------------------------------------------------- state views
    @property
    def points(self) -> np.ndarray:
        """The (m, d) float64 points (read-only)."""
        return self._x

    @property
    def m(self) -> int:
        return self._x.shape[0]

    @property
    def d(self) -> int:
        return self._x.shape[1]

    @property
    def k(self) -> int:
        return self._centroids.shape[0]

    @property
    def centroids(self) -> np.ndarray:
        """(k, d) read-only view; steps replace the array rather than write into
        it, so a view taken earlier keeps showing the earlier centroids."""
        v = self._centroids.view()
        v.flags.writeable = False
        return v

    @property
    def labels(self) -> np.ndarray:
        """(m,) int cluster index per point, -1 before the first assignment."""
        v = self._labels.view()
        v.flags.writeable = False
        return v

    @property
    def history(self) -> list[tuple[str, float]]:
        """``(kind, J)`` after every half step since the last reset."""
        return list(self._history)

    @property
    def history_values(self) -> list[float]:
        return [j for _, j in self._history]

    @property
    def converged(self) -> bool:
        return self._converged

    @property
    def iteration(self) -> int:
        """Number of completed mu-steps (update) since the last reset."""
        return self._iteration

    @property
    def last_changed(self) -> int:
        """Points that changed cluster in the most recent r-step."""
        return self._last_changed

    @property
    def last_kind(self) -> str | None:
        """``"assign"``, ``"update"`` or None: the most recent half step."""
        return self._last_kind

    @property
    def empty_clusters(self) -> tuple[int, ...]:
        """Clusters that had no point at the most recent mu-step."""
        return self._empty

    @property
    def is_assigned(self) -> bool:
        return self._assigned

    def counts(self) -> np.ndarray:
        """(k,) points per cluster under the current labels (zeros before the
        first assignment)."""
        if not self._assigned:
            return np.zeros(self.k, dtype=np.int64)
        return np.bincount(self._labels, minlength=self.k)

    # ---------------------------------------------------------------- maths
    def _nearest(self, centroids: np.ndarray) -> np.ndarray:
        return self._dist.nearest(centroids)

    def _j(self, labels: np.ndarray, centroids: np.ndarray) -> float:
        return self._dist.sum_of_squares(labels, centroids) / self.m

    def objective(self) -> float:
        """J = (1/m) sum_i sum_j r_ij ||x_i - mu_j||^2 for the current state
        (see the class docstring for the value before the first assignment)."""
        if self._history:
            # Every change of state appends to or clears the history, so the
            # last entry is J of the current state, computed when it was made.
            return self._history[-1][1]
        labels = self._labels if self._assigned else self._nearest(self._centroids)
        return self._j(labels, self._centroids)

    # ------------------------------------------------------------ half steps
    def assign(self) -> int:
        """r-step: give every point to its nearest centroid.

        Returns the number of points that changed cluster.
        """
        new = self._nearest(self._centroids)
        old = self._labels
        differs = new != old
        changed = int(np.count_nonzero(differs))
        if 2 * changed >= self.m:
            # Labels are never written in place, so keeping the old array is
            # free, and no bigger than a diff when most points moved.
            self._push_undo("assign", None, old)
        else:
            idx = np.flatnonzero(differs)
            self._push_undo("assign", idx, old[idx])
        if changed == 0:
            # Only a fixed point if the centroids are the means of these very
            # labels, i.e. an update came just before (or we were converged).
            self._converged = self._converged or self._last_kind == "update"
        else:
            self._converged = False
        self._labels = new
        self._assigned = True
        self._last_changed = changed
        self._last_kind = "assign"
        self._history.append(("assign", self._j(new, self._centroids)))
        return changed

    def update(self) -> None:
        """mu-step: move every centroid to the mean of its points.

        A centroid with no points stays where it is and is listed in
        ``empty_clusters``. Before any assignment this assigns first, since
        the mean of "its points" is undefined without r.
        """
        if not self._assigned:
            self.assign()
        k, d = self._centroids.shape
        labels = self._labels
        counts = np.bincount(labels, minlength=k)
        # bincount with weights is a single pass per coordinate, much faster
        # than np.add.at, and exact in the same way as a plain sum.
        sums = np.empty((k, d))
        for t in range(d):
            sums[:, t] = np.bincount(labels, weights=self._dist.columns[t], minlength=k)
        filled = counts > 0
        if filled.all():
            new = sums / counts[:, None]
            empty: tuple[int, ...] = ()
        else:
            new = self._centroids.copy()
            new[filled] = sums[filled] / counts[filled, None]
            empty = tuple(int(j) for j in np.flatnonzero(~filled))
        self._push_undo("update")
        self._centroids = new
        self._empty = empty
        self._iteration += 1
        self._last_kind = "update"
        # The converged flag survives: means of unchanged labels are unchanged.
        self._history.append(("update", self._j(labels, new)))

    def step(self) -> int:
        """One full Lloyd iteration: assign then update. Returns the number of
        points that changed cluster in the assignment."""
        changed = self.assign()
        self.update()
        return changed

    def run(self, max_iter: int = 300) -> int:
        """Step until converged (or max_iter updates). Returns the number of
        updates made; the final, confirming assignment is not followed by a
        (no-op) update, so the history ends with that assignment."""
        if self._converged:
            return 0
        done = 0
        for _ in range(max_iter):
            self.assign()
            if self._converged:
                break
            self.update()
            done += 1
        return done

    # ------------------------------------------------ click-to-place editing
    def _reset_to(self, centroids: np.ndarray) -> None:
        self._centroids = centroids
        self._labels = np.full(self.m, -1, dtype=np.intp)
        self._assigned = False
        self._history: list[tuple[str, float]] = []
        self._clear_undo()
        self._converged = False
        self._iteration = 0
        self._last_changed = 0
        self._last_kind: str | None = None
        self._empty: tuple[int, ...] = ()

    def reset(self) -> None:
        """Forget labels, history and undo; keep the current centroids."""
        self._reset_to(self._centroids)
