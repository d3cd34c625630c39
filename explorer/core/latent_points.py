"""The points the K-means lab clusters, and the small geometry it draws with.

No Qt here. `compute_points` runs on the model thread (it calls the encoder)
and returns plain numpy in a frozen `PointSet`; tests call it with a
`tasks.Task()` as state, as Orange3's `run_mds` is tested. The helpers
below it are the numpy the panel needs per redraw or per mouse move
(grouping points by cluster, the Voronoi grid, the point under the cursor),
kept here so that the UI
module only moves arrays into pyqtgraph items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from explorer.core import models
from explorer.core.projection import Projection, flatten_codes, pca_2d
from explorer.core.tasks import TaskState, ensure

__all__ = [
    "ENCODE_BATCH", "PointSet", "SOURCES", "compute_points", "group_by_label",
    "identity_projection", "lift", "make_point_set", "nearest_point", "padded_bounds", "voronoi_grid",
]

Source = Literal["latent", "pixels"]
SOURCES: tuple[str, ...] = ("latent", "pixels")
# Digits per forward pass: small enough that progress moves and a superseded
# job stops soon, large enough that per-call overhead does not matter.
ENCODE_BATCH = 1000
# Share of the progress bar given to encoding; PCA takes the rest.
_ENCODE_SHARE = 0.8


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class PointSet:
    """What the lab clusters: one row per test digit.

    codes: (n, d) float32, the flattened latent codes (or raw pixels);
    coords: (n, 2) float32, their PCA projection (``projection.coords``);
    labels: (n,) true digits; images: (n, 28, 28) for the hover preview;
    source: a phrase for the UI, e.g. "latent codes of the conv model".
    """

    codes: np.ndarray
    coords: np.ndarray
    projection: Projection
    labels: np.ndarray
    images: np.ndarray
    source: str

    def __post_init__(self) -> None:
        n = self.codes.shape[0]
        if self.codes.ndim != 2 or self.coords.shape != (n, 2):
            raise ValueError(f"codes {self.codes.shape} and coords {self.coords.shape} "
                             "must be (n, d) and (n, 2)")
        if self.labels.shape != (n,) or self.images.shape[0] != n:
            raise ValueError(f"{n} codes but {self.labels.shape[0]} labels and "
                             f"{self.images.shape[0]} images")

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    @property
    def dim(self) -> int:
        """Dimension of the full space (32 for the dense codes, 784 for pixels)."""
        return int(self.codes.shape[1])

    @property
    def projected(self) -> bool:
        """False for a 2-d code: its points are drawn as they are, not through PCA."""
        return self.dim != 2


def identity_projection(points: Any) -> Projection:
    """The "projection" of 2-d points: the points themselves.

    A code of two numbers needs no PCA, and PCA would rotate it (and flip
    its signs), so the map would no longer show the code's own axes. The
    identity keeps `transform` and `lift` working unchanged: mean 0,
    components the unit axes; the variance shares are each axis' own.
    """
    flat = flatten_codes(points)
    if flat.ndim != 2 or flat.shape[1] != 2:
        raise ValueError(f"the identity projection is for 2-d points, got shape {flat.shape}")
    x = flat.astype(np.float64)
    variance = x.var(axis=0) if len(x) else np.zeros(2)
    total = float(variance.sum())
    ratio = variance / total if total > 0 else np.zeros(2)
    return Projection(coords=flat.copy(), mean=np.zeros(2), components=np.eye(2),
                      explained_variance_ratio=ratio)


def make_point_set(codes: Any, labels: Any, images: Any, source: str,
                   state: TaskState | None = None, progress_from: float = 0.0) -> PointSet:
    """A PointSet from codes of any shape (n, ...): flattened, then projected by PCA
    (a 2-d code is drawn as it is: `identity_projection`).

    Public so that a caller can cluster points of its own (a test's
    identical points, a benchmark's gaussian blobs) through `set_points`.
    """
    flat = flatten_codes(codes)
    if flat.shape[1] == 2:
        projection = identity_projection(flat)
        ensure(state).set_progress(1.0)
    else:
        projection = pca_2d(flat, ensure(state).subrange(progress_from, 1.0))
    return PointSet(flat, projection.coords, projection,
                    np.asarray(labels, dtype=np.int64).reshape(-1),
                    np.asarray(images, dtype=np.float32), source)


def compute_points(model: models.Autoencoder | None, dataset: Any, source: Source = "latent",
                   max_points: int | None = None, state: TaskState | None = None) -> PointSet:
    """The first `max_points` test digits (None: all) as a PointSet.

    "latent": encoded by `model` in batches (checking `state` for
    cancellation between them); "pixels": the 784 raw pixels, no model needed.
    `state` gets the progress; `tasks.Cancelled` is raised once it is cancelled.
    """
    state = ensure(state)
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    n_test = int(dataset.x_test.shape[0])
    n = n_test if max_points is None else max(0, min(int(max_points), n_test))
    if n == 0:
        raise ValueError("there are no test digits to cluster")
    images = np.asarray(dataset.x_test[:n], dtype=np.float32)
    labels = np.asarray(dataset.y_test[:n], dtype=np.int64)
    if source == "pixels":
        codes: np.ndarray = images.reshape(n, -1)
        name = "raw pixels"
    else:
        if model is None:
            raise ValueError("latent codes need a model; none is loaded yet")
        parts = []
        for start in range(0, n, ENCODE_BATCH):
            state.check()
            parts.append(flatten_codes(models.encode(model, images[start:start + ENCODE_BATCH])))
            state.set_progress(_ENCODE_SHARE * min(n, start + ENCODE_BATCH) / n)
        codes = np.concatenate(parts)
        name = f"latent codes of the {model.variant.name} model"
    state.check()
    return make_point_set(codes, labels, images, name, state,
                          0.0 if source == "pixels" else _ENCODE_SHARE)


# --------------------------------------------------------- drawing helpers
def group_by_label(labels: Any, k: int) -> list[np.ndarray]:
    """Indices of the points of each cluster 0..k-1 (unassigned -1 are left out).

    One stable argsort instead of k boolean masks: the same order each time,
    so a redraw of unchanged clusters draws identical data.
    """
    lab = np.asarray(labels).reshape(-1)
    order = np.argsort(lab, kind="stable")
    bounds = np.searchsorted(lab[order], np.arange(k + 1), side="left")
    return [order[bounds[j]:bounds[j + 1]] for j in range(k)]


def padded_bounds(coords: Any, pad: float = 0.05,
                  min_span: float = 1e-3) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around the points with a margin; never a zero-width box.

    A single point, or points all alike, get a box of width 2 (or a fifth of
    their distance from the origin, if larger) around them: a box of
    `min_span` would show axis ticks in millionths.
    """
    c = np.asarray(coords, dtype=np.float64)
    if c.size == 0:
        return -1.0, 1.0, -1.0, 1.0
    lo, hi = c.min(axis=0), c.max(axis=0)
    centre = (lo + hi) / 2
    if np.all(hi == lo):
        half = np.full(2, max(1.0, 0.1 * float(np.abs(centre).max())))
    else:
        span = np.maximum(hi - lo, min_span)
        span = np.maximum(span, span.max() * 0.05)  # a flat cloud still gets some height
        half = span * (0.5 + pad)
    return (float(centre[0] - half[0]), float(centre[0] + half[0]),
            float(centre[1] - half[1]), float(centre[1] + half[1]))


def voronoi_grid(centroids: Any, x_range: tuple[float, float], y_range: tuple[float, float],
                 shape: tuple[int, int] = (200, 200)) -> np.ndarray:
    """(rows, cols) uint8 nearest-centroid index at the centres of a grid of
    pixels covering the rectangle; row 0 is y_range[0] (the image is drawn
    with its first row at the bottom edge of the rectangle).

    Same answer as kmeans.voronoi_labels on the grid points (ties to the
    lowest index), but it redraws with every step and every pan, so it uses
    the grid's structure: ||g - mu||^2 = (gx - mux)^2 + (gy - muy)^2 is one
    outer sum per centroid, and a running minimum over K (<= 20) centroids
    avoids numpy's slow argmin along a short axis (about 10x faster here).
    """
    c = np.asarray(centroids, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] == 0:
        raise ValueError(f"the shading needs (k, 2) centroids with k >= 1, got shape {c.shape}")
    if c.shape[0] > 255:
        raise ValueError(f"at most 255 centroids fit a uint8 image, got {c.shape[0]}")
    rows, cols = shape
    xs = x_range[0] + (np.arange(cols) + 0.5) * ((x_range[1] - x_range[0]) / cols)
    ys = y_range[0] + (np.arange(rows) + 0.5) * ((y_range[1] - y_range[0]) / rows)
    best = np.full((rows, cols), np.inf)
    out = np.zeros((rows, cols), dtype=np.uint8)
    d = np.empty((rows, cols))
    for j, (cx, cy) in enumerate(c):
        np.add(((ys - cy) ** 2)[:, None], ((xs - cx) ** 2)[None, :], out=d)
        closer = d < best  # strict: a tie stays with the lower index, as argmin
        out[closer] = j
        np.minimum(best, d, out=best)
    return out


def nearest_point(coords: Any, xy: tuple[float, float], pixel_size: tuple[float, float],
                  max_pixels: float = 6.0) -> int:
    """Index of the point nearest to xy in screen pixels, or -1 if none is
    within max_pixels (pixel_size: data units per pixel along x and y)."""
    c = np.asarray(coords)
    if c.shape[0] == 0:
        return -1
    sx = float(pixel_size[0]) or 1.0
    sy = float(pixel_size[1]) or 1.0
    dx = (c[:, 0] - xy[0]) / sx
    dy = (c[:, 1] - xy[1]) / sy
    d2 = dx * dx + dy * dy
    i = int(np.argmin(d2))
    return i if d2[i] <= max_pixels * max_pixels else -1


def lift(projection: Projection, xy: Any) -> np.ndarray:
    """A point of the full space whose projection is xy: the mean plus xy along
    the two principal axes (every other direction at the mean). Used to place
    a centroid by clicking while clustering the full latent space."""
    p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    full = projection.mean[None, :] + p @ projection.components
    return full[0] if np.ndim(xy) == 1 else full
