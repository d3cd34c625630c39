"""K-means in the full code space against K-means on the 2-D map (pure numpy, no Qt).

The lab can cluster the same digits twice: in the full code space (what the
autoencoder knows) and on the map (what the picture shows). How far the two
agree says how much the map can be trusted for clustering: adjusted Rand
index and NMI for the whole, and the digits on which they disagree, to
highlight. Cluster numbers are arbitrary, so before points are compared the
map's clusters are matched one to one to the full space's (the Hungarian
method on the table of shared points, maximising the points matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import cluster_metrics, kmeans
from explorer.core.tasks import TaskState, ensure

__all__ = ["ClusterComparison", "FullVersusMap", "cluster_full_and_map", "compare_clusterings",
           "match_clusters"]

MAX_ITERATIONS = 300


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class ClusterComparison:
    """How two clusterings of the same points agree.

    matching[j]: the cluster of the first labelling matched to cluster j of
    the second (-1: none, when the second has more clusters);
    disagree: indices of the points whose second-labelling cluster is not
    matched to their first-labelling cluster.
    """

    ari: float
    nmi: float
    matching: np.ndarray
    disagree: np.ndarray
    n: int  # points compared

    def __post_init__(self) -> None:
        for a in (self.matching, self.disagree):
            a.flags.writeable = False

    @property
    def n_disagree(self) -> int:
        return int(self.disagree.size)

    @property
    def agreement(self) -> float:
        """Share of points in matched clusters, 0..1."""
        return 1.0 - self.n_disagree / self.n if self.n else 1.0

    def describe(self) -> str:
        """One plain sentence for the side-by-side view."""
        if self.n_disagree == 0:
            return (f"The two clusterings are the same partition (ARI {self.ari:.2f}, "
                    f"NMI {self.nmi:.2f}): the map shows the clusters of the full code.")
        return (f"K-means on the map puts {self.agreement:.0%} of the digits in the cluster "
                f"matching their full-code one (ARI {self.ari:.2f}, NMI {self.nmi:.2f}); the "
                f"{self.n_disagree} where the two differ are highlighted.")


@dataclass(frozen=True, eq=False)
class FullVersusMap:
    """Both clusterings (labels per point) and how they agree."""

    full_labels: np.ndarray
    map_labels: np.ndarray
    comparison: ClusterComparison

    def __post_init__(self) -> None:
        for a in (self.full_labels, self.map_labels):
            a.flags.writeable = False


def _as_labels(labels: Any, name: str) -> np.ndarray:
    lab = np.asarray(labels).reshape(-1)
    if lab.size and not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"{name} must be integer cluster numbers, got {lab.dtype}")
    if lab.size and lab.min() < 0:
        raise ValueError(f"{name} has unassigned points (negative labels); assign them first")
    return lab.astype(np.int64, copy=False)


def match_clusters(first: Any, second: Any) -> np.ndarray:
    """For each cluster j of `second`, the cluster of `first` matched to it
    (-1 for none), chosen so that the matched pairs share the most points."""
    from scipy.optimize import linear_sum_assignment

    a, b = _as_labels(first, "first"), _as_labels(second, "second")
    if a.shape != b.shape:
        raise ValueError(f"the labellings differ in length ({a.size} and {b.size})")
    ka = int(a.max()) + 1 if a.size else 0
    kb = int(b.max()) + 1 if b.size else 0
    shared = np.bincount(b * ka + a, minlength=kb * ka).reshape(kb, ka)
    rows, cols = linear_sum_assignment(shared, maximize=True)
    matching = np.full(kb, -1, dtype=np.int64)
    matching[rows] = cols
    return matching


def compare_clusterings(first: Any, second: Any) -> ClusterComparison:
    """ARI, NMI and the disagreeing points of two labellings of the same points."""
    a, b = _as_labels(first, "first"), _as_labels(second, "second")
    if a.shape != b.shape:
        raise ValueError(f"the labellings differ in length ({a.size} and {b.size})")
    if a.size == 0:
        raise ValueError("there are no points to compare")
    matching = match_clusters(a, b)
    disagree = np.flatnonzero(matching[b] != a)
    return ClusterComparison(
        ari=cluster_metrics.adjusted_rand_index(a, b),
        nmi=cluster_metrics.normalized_mutual_info(a, b),
        matching=matching,
        disagree=disagree,
        n=int(a.size),
    )


def _cluster(points: np.ndarray, k: int, seed: int, state: TaskState) -> np.ndarray:
    stepper = kmeans.KMeansStepper(points, k, seed=seed)
    for _ in range(MAX_ITERATIONS):
        state.check()
        stepper.assign()
        if stepper.converged:
            break
        stepper.update()
    return np.array(stepper.labels, dtype=np.int64)


def cluster_full_and_map(full: Any, coords: Any, k: int, seed: int = 0,
                         state: TaskState | None = None) -> FullVersusMap:
    """K-means (k-means++ from `seed`, run to convergence) on the full codes
    (n, d) and on their map (n, 2), and how the two clusterings agree.

    `state` is checked between K-means iterations; the full space takes the
    first half of the progress.
    """
    state = ensure(state)
    x = np.asarray(full, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    c = np.asarray(coords, dtype=np.float64)
    if c.shape != (x.shape[0], 2):
        raise ValueError(f"coords must be ({x.shape[0]}, 2) for {x.shape[0]} points, "
                         f"got {c.shape}")
    state.set_progress(0.0, "K-means in the full code space")
    full_labels = _cluster(x, k, seed, state)
    state.set_progress(0.5, "K-means on the map")
    map_labels = _cluster(c, k, seed, state)
    state.set_progress(1.0)
    return FullVersusMap(full_labels, map_labels, compare_clusterings(full_labels, map_labels))
