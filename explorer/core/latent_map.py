"""The map of the latent space and the way back from it: pure numpy, no Qt, no Keras.

A `LatentMap` holds the test digits' codes (flattened, (n, d)), where they lie
on a 2-D map, and the two directions between the map and the code space:

* `lift(xy)`: the code of a point of the map. For PCA (a `Projection`) this
  is exact: the mean plus the coordinates along the two principal axes, a
  point of the plane through the mean that projects back onto xy. For a
  non-linear map (t-SNE, UMAP) there is no inverse, so the code is estimated
  from the nearest test points on the map, weighted by inverse distance
  (`how_lifted` says so, for the screen).
* `place(codes)`: where codes lie on the map. PCA's `transform`; for a
  non-linear map the same neighbour estimate, from the nearest test codes in
  the full code space.

"Far outside the data" is measured in the code space: the distance from a
code to its nearest test code. What counts as far depends on where the code
comes from. A lifted point lies on the map's plane, which no test code does
(the other d - 2 directions are at their mean), so it is compared with the
lifts of the test digits' own map positions: it is far when it is farther
from every test code than 99 in 100 of those (`far_from_map`). A code off the
plane (a drawn digit, a code moved by the decoder sliders) is compared with
the test codes' distances to their nearest other test code (`far_code`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.projection import Projection, flatten_codes

__all__ = ["CodeIndex", "LatentMap", "SliderAxes", "grid_centres", "make_latent_map",
           "principal_axes", "slider_code", "spread_indices", "unit_axes"]

NEIGHBOURS_FOR_ESTIMATE = 8  # test points a non-linear map's lift and place average over
FAR_PERCENTILE = 99.0
_REFERENCE_SAMPLE = 1000  # reference points for the thresholds: enough for a 99th percentile
_BLOCK = 1024  # query rows per distance block (a block of 10,000 test codes is 80 MB)


class CodeIndex:
    """Exact nearest neighbours among fixed points (n, d), by squared-distance algebra.

    ||q - c||^2 = ||q||^2 - 2 q.c + ||c||^2: one matrix product per block of
    queries; n <= 10,000 and d <= 1,568 here, so no tree or approximate
    index would pay for itself.
    """

    def __init__(self, points: Any):
        self.points = np.ascontiguousarray(flatten_codes(points), dtype=np.float32)
        self._norms = np.einsum("ij,ij->i", self.points, self.points).astype(np.float64)

    @property
    def n(self) -> int:
        return int(self.points.shape[0])

    def query(self, queries: Any, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(indices (m, k), distances (m, k)) of the k nearest points, nearest first."""
        q = np.ascontiguousarray(flatten_codes(queries), dtype=np.float32)
        if q.shape[1] != self.points.shape[1]:
            raise ValueError(f"queries have {q.shape[1]} features, the index {self.points.shape[1]}")
        k = max(1, min(int(k), self.n))
        out_i = np.empty((len(q), k), dtype=np.int64)
        out_d = np.empty((len(q), k), dtype=np.float64)
        for start in range(0, len(q), _BLOCK):
            block = q[start:start + _BLOCK]
            d2 = (np.einsum("ij,ij->i", block, block).astype(np.float64)[:, None]
                  - 2.0 * (block @ self.points.T) + self._norms[None, :])
            np.maximum(d2, 0.0, out=d2)  # rounding can make an exact match slightly negative
            if k < self.n:
                part = np.argpartition(d2, k - 1, axis=1)[:, :k]
            else:
                part = np.broadcast_to(np.arange(self.n), d2.shape)
            rows = np.arange(len(block))[:, None]
            order = np.argsort(d2[rows, part], axis=1, kind="stable")
            idx = part[rows, order]
            out_i[start:start + len(block)] = idx
            out_d[start:start + len(block)] = np.sqrt(d2[rows, idx])
        return out_i, out_d

    def nearest_distance(self, queries: Any) -> np.ndarray:
        return self.query(queries, 1)[1][:, 0]


def _weighted_mean(values: np.ndarray, idx: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Inverse-distance weighted mean of values[idx] per row; an exact hit takes its value."""
    w = 1.0 / np.maximum(dist, 1e-12)
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("mk,mkd->md", w, values[idx].astype(np.float64))


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class LatentMap:
    """The test digits' codes on a 2-D map, and the way between map and code space.

    codes (n, d) float32 flattened; coords (n, 2); labels, indices (n,) (into
    the test split); images (n, 28, 28); code_shape: the encoder's own shape
    (the decoder takes codes reshaped to it); projection: the PCA that made
    the map, or None for a non-linear map; method: its name for the screen.
    Build it with `make_latent_map`, which measures the far thresholds.
    """

    codes: np.ndarray
    coords: np.ndarray
    labels: np.ndarray
    indices: np.ndarray
    images: np.ndarray
    code_shape: tuple[int, ...]
    arch_id: str
    projection: Projection | None
    method: str = "pca"
    map_threshold: float = np.inf  # see the module docstring
    code_threshold: float = np.inf
    index: CodeIndex = field(default=None, repr=False)  # of the codes
    map_index: CodeIndex = field(default=None, repr=False)  # of the coords

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    @property
    def dim(self) -> int:
        return int(self.codes.shape[1])

    @property
    def is_exact(self) -> bool:
        """True when lift is an exact inverse of place on the map's plane (PCA)."""
        return self.projection is not None

    @property
    def how_lifted(self) -> str:
        if self.is_exact:
            return "PCA inverted exactly: the mean code plus the two principal axes"
        return (f"{self.method} has no inverse: each code is estimated from the "
                f"{NEIGHBOURS_FOR_ESTIMATE} nearest test digits on the map")

    def lift(self, xy: Any) -> np.ndarray:
        """Codes (m, d) of map points (m, 2) (a single (2,) point gives (d,))."""
        p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.projection is not None:
            full = self.projection.mean[None, :] + p @ self.projection.components
        else:
            idx, dist = self.map_index.query(p, NEIGHBOURS_FOR_ESTIMATE)
            full = _weighted_mean(self.codes, idx, dist)
        full = full.astype(np.float32)
        return full[0] if np.ndim(xy) == 1 else full

    def place(self, codes: Any) -> np.ndarray:
        """Map positions (m, 2) of codes (m, ...) (a single code (d,) gives (2,))."""
        single = np.ndim(codes) == 1
        c = flatten_codes(np.asarray(codes)[None] if single else codes)
        if self.projection is not None:
            xy = self.projection.transform(c)
        else:
            idx, dist = self.index.query(c, NEIGHBOURS_FOR_ESTIMATE)
            xy = _weighted_mean(self.coords, idx, dist).astype(np.float32)
        return xy[0] if single else xy

    def far_from_map(self, codes: Any) -> tuple[np.ndarray, np.ndarray]:
        """(far (m,) bool, distance to the nearest test code (m,)) for lifted codes."""
        d = self.index.nearest_distance(codes)
        return d > self.map_threshold, d

    def far_code(self, codes: Any) -> tuple[np.ndarray, np.ndarray]:
        """(far, distance) for codes off the map's plane (drawn digits, slider codes)."""
        d = self.index.nearest_distance(codes)
        return d > self.code_threshold, d

    def nearest(self, codes: Any, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """(rows (m, k) into this map, distances) of the k nearest test codes in full code space."""
        return self.index.query(codes, k)


def make_latent_map(codes: Any, projection: Any, labels: Any, indices: Any, images: Any,
                    arch_id: str, code_shape: tuple[int, ...], method: str | None = None,
                    seed: int = 0) -> LatentMap:
    """A LatentMap of codes (n, ...) and a projection of them.

    `projection`: a core `Projection` (PCA: the lift is exact), or anything
    whose `coords` are the (n, 2) map (t-SNE, UMAP: the lift is estimated),
    or the (n, 2) coordinates themselves.
    """
    flat = flatten_codes(codes)
    if isinstance(projection, Projection):
        coords, linear, name = projection.coords, projection, method or "pca"
    else:
        coords = getattr(projection, "coords", projection)  # an object with coords, or an array
        linear, name = None, method or "non-linear map"
    coords = np.asarray(coords, dtype=np.float32)
    if coords.shape != (flat.shape[0], 2):
        raise ValueError(f"{flat.shape[0]} codes but map coordinates of shape {coords.shape}")
    index, map_index = CodeIndex(flat), CodeIndex(coords)
    m = LatentMap(flat, coords, np.asarray(labels, np.int64).reshape(-1),
                  np.asarray(indices, np.int64).reshape(-1), np.asarray(images, np.float32),
                  tuple(int(s) for s in code_shape), arch_id, linear, name,
                  index=index, map_index=map_index)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(m.n, size=min(m.n, _REFERENCE_SAMPLE), replace=False))
    lifted = m.lift(coords[sample])
    map_threshold = float(np.percentile(index.nearest_distance(lifted), FAR_PERCENTILE))
    # Leave-one-out: a test code's nearest other test code (the first is itself).
    _, d = index.query(flat[sample], 2)
    code_threshold = float(np.percentile(d[:, -1], FAR_PERCENTILE)) if m.n > 1 else np.inf
    object.__setattr__(m, "map_threshold", map_threshold)
    object.__setattr__(m, "code_threshold", code_threshold)
    return m


# ------------------------------------------------------------ the map's grids
def grid_centres(x_range: tuple[float, float], y_range: tuple[float, float],
                 n: int) -> np.ndarray:
    """(n * n, 2) centres of an n x n grid of cells over the rectangle, row by row
    from the TOP row (the largest y) down, each row left to right: the order a
    mosaic of decoded digits is read in."""
    if n < 1:
        raise ValueError(f"a grid needs at least one cell a side, got {n}")
    (x0, x1), (y0, y1) = x_range, y_range
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def spread_indices(coords: Any, x_range: tuple[float, float], y_range: tuple[float, float],
                   cells: int = 12) -> np.ndarray:
    """Indices of points spread over the visible rectangle: in each of cells x cells
    cells, the point nearest its centre (cells with no point give none).

    Used for the map's thumbnails: a few dozen digits that do not overlap,
    picked again after every pan or zoom.
    """
    c = np.asarray(coords, dtype=np.float64)
    (x0, x1), (y0, y1) = x_range, y_range
    inside = np.flatnonzero((c[:, 0] >= x0) & (c[:, 0] < x1) & (c[:, 1] >= y0) & (c[:, 1] < y1))
    if inside.size == 0 or x1 <= x0 or y1 <= y0:
        return np.zeros(0, dtype=np.int64)
    fx = (c[inside, 0] - x0) / (x1 - x0) * cells
    fy = (c[inside, 1] - y0) / (y1 - y0) * cells
    cell = np.minimum(fy.astype(np.int64), cells - 1) * cells + np.minimum(fx.astype(np.int64), cells - 1)
    off = (fx % 1 - 0.5) ** 2 + (fy % 1 - 0.5) ** 2
    order = np.lexsort((off, cell))  # by cell, nearest the centre first
    first = np.r_[True, cell[order][1:] != cell[order][:-1]]
    return inside[order[first]]


# ------------------------------------------------------------- decoder sliders
@dataclass(frozen=True, eq=False)
class SliderAxes:
    """Directions the decoder sliders move a code along: unit vectors (m, d), the
    codes' spread along each (m,), and their names ("PC1 · 21%", "unit 5")."""

    directions: np.ndarray
    scales: np.ndarray
    names: tuple[str, ...]
    kind: str  # "principal" or "units"

    @property
    def m(self) -> int:
        return len(self.names)


def principal_axes(codes: Any, m: int = 6, seed: int = 0) -> SliderAxes:
    """The first m principal directions of the codes and the spread along them.

    A randomized range finder (Halko, Martinsson & Tropp 2011) with a few
    power iterations: the denoising model's 1,568-d codes would otherwise
    need a 1,568 x 1,568 eigen-decomposition, a second of the model thread.
    """
    x = flatten_codes(codes).astype(np.float64)
    n, d = x.shape
    m = max(1, min(m, d, n))
    xc = x - x.mean(axis=0)
    total = float(np.einsum("ij,ij->", xc, xc))
    if total == 0.0:
        eye = np.eye(d)[:m]
        return SliderAxes(eye, np.zeros(m), tuple(f"PC{j + 1}" for j in range(m)), "principal")
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(xc @ rng.standard_normal((d, min(d, m + 10))))
    for _ in range(4):
        q, _ = np.linalg.qr(xc @ (xc.T @ q))
    _, s, vt = np.linalg.svd(q.T @ xc, full_matrices=False)
    directions = vt[:m]
    # Sign as projection.pca_2d: the largest loading positive, so sliders keep their sense.
    pivots = np.argmax(np.abs(directions), axis=1)
    signs = np.sign(directions[np.arange(m), pivots])
    directions = directions * np.where(signs == 0, 1.0, signs)[:, None]
    variance = s[:m] ** 2
    names = tuple(f"PC{j + 1} · {variance[j] / total:.0%}" for j in range(m))
    return SliderAxes(directions, np.sqrt(variance / max(n - 1, 1)), names, "principal")


def unit_axes(codes: Any, m: int = 6) -> SliderAxes:
    """The m code units that vary most over the test codes, one slider each."""
    x = flatten_codes(codes).astype(np.float64)
    spread = x.std(axis=0)
    units = np.sort(np.argsort(-spread, kind="stable")[:min(m, x.shape[1])])
    directions = np.zeros((len(units), x.shape[1]))
    directions[np.arange(len(units)), units] = 1.0
    return SliderAxes(directions, spread[units], tuple(f"unit {u}" for u in units), "units")


def slider_code(base: Any, axes: SliderAxes, values: Any) -> np.ndarray:
    """base + sum_j values_j * scale_j * direction_j: values in units of the spread."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size != axes.m:
        raise ValueError(f"{axes.m} sliders but {v.size} values")
    b = np.asarray(base, dtype=np.float64).reshape(-1)
    return (b + (v * axes.scales) @ axes.directions).astype(np.float32)
