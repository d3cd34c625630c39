"""The K-means lab's geometry: the space it clusters in, the plane the plot shows, the trails.

"2-D" clusters the projected coordinates the plot shows, so the two are the
same plane. "Full" clusters the codes themselves (32-d, 784-d, ...): the
centroids are shown through the points' PCA projection, and a click on the
plot becomes the point of the full space on the plane of the two principal
axes through the mean (`latent_points.lift`), which projects back onto the
click.

A t-SNE or UMAP map (`MappedPointSet`) has no such inverse: there a
full-space centroid is drawn where its nearest codes are drawn, and a click
becomes the code estimated from the nearest points of the map (both
inverse-distance weighted, as the Latent space tab's lift).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import latent_points
from explorer.core.latent_map import CodeIndex
from explorer.core.latent_points import PointSet

NEIGHBOURS_FOR_ESTIMATE = 8


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class MappedPointSet(PointSet):
    """A PointSet drawn on a non-linear map: `coords` are t-SNE's or UMAP's, not PCA's
    (`projection` still holds the points' PCA); method: "tsne" or "umap";
    describe: the method and its parameters for the status line."""

    method: str = "tsne"
    describe: str = "t-SNE"


def map_method(points: PointSet) -> str:
    return points.method if isinstance(points, MappedPointSet) else "pca"


def _weighted(values: np.ndarray, idx: np.ndarray, dist: np.ndarray) -> np.ndarray:
    w = 1.0 / np.maximum(dist, 1e-12)
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("mk,mkd->md", w, values[idx].astype(np.float64))


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class ClusteredSpace:
    """The points as K-means sees them (`matrix`) and the way to and from the plot."""

    points: PointSet
    full: bool

    @property
    def matrix(self) -> np.ndarray:
        """(n, d): the codes in the full space, the plot's coordinates in 2-D."""
        return self.points.codes if self.full else self.points.coords

    @property
    def dimension(self) -> int:
        return self.points.dim if self.full else 2

    @property
    def is_the_plot(self) -> bool:
        """True in 2-D: distances on the plot are the distances K-means uses,
        so the Voronoi regions of the centroids can shade the plot."""
        return not self.full

    @property
    def is_mapped(self) -> bool:
        return isinstance(self.points, MappedPointSet)

    def to_plot(self, centroids: Any) -> np.ndarray:
        """Points of the clustered space, (k, d), to plot coordinates, (k, 2)."""
        if self.full and self.is_mapped:
            c = np.asarray(centroids, dtype=np.float64).reshape(-1, self.points.dim)
            idx, dist = CodeIndex(self.points.codes).query(c, NEIGHBOURS_FOR_ESTIMATE)
            return _weighted(self.points.coords, idx, dist)
        if self.full:
            return self.points.projection.transform(centroids)
        return np.asarray(centroids)

    def from_plot(self, x: float, y: float) -> np.ndarray:
        """Plot coordinates to a point of the clustered space, (d,)."""
        if self.full and self.is_mapped:
            idx, dist = CodeIndex(self.points.coords).query([[x, y]], NEIGHBOURS_FOR_ESTIMATE)
            return _weighted(self.points.codes, idx, dist)[0]
        if self.full:
            return latent_points.lift(self.points.projection, [x, y])
        return np.array([x, y], dtype=np.float64)


class CentroidTrails:
    """Where the centroids have been, in plot coordinates.

    One snapshot when a run starts (a reset or an edit) and one after every
    update step; undoing an update drops its snapshot, never the first.
    """

    def __init__(self) -> None:
        self._snapshots: list[np.ndarray] = []

    def restart(self, centroids: np.ndarray | None) -> None:
        """A new run from these (k, 2) centroids; None: no centroids, no trails."""
        self._snapshots = [] if centroids is None else [np.asarray(centroids)]

    def add(self, centroids: np.ndarray) -> None:
        self._snapshots.append(np.asarray(centroids))

    def drop_last(self) -> None:
        if len(self._snapshots) > 1:
            self._snapshots.pop()

    def per_centroid(self) -> list[np.ndarray]:
        """For each centroid j, its positions so far: (snapshots, 2)."""
        if not self._snapshots:
            return []
        return [np.array([snap[j] for snap in self._snapshots])
                for j in range(len(self._snapshots[0]))]
