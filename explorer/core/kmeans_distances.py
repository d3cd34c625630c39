"""The squared distances K-means needs, fast and exact (pure numpy, no Qt).

`SquaredDistances` holds a point set prepared once for the two questions the
stepper asks at every half step: which centroid is nearest to each point
(the r-step), and the sum of squared distances to the assigned centroids
(J). `voronoi_labels` answers the first for a grid, to shade the regions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SquaredDistances", "voronoi_labels"]

# Above this many clusters the packed-key argmin (see nearest) would give up
# too many mantissa bits; a plain argmin is used instead.
_MAX_KEY_BITS = 8


class SquaredDistances:
    """A float64 (m, d) point set, prepared for nearest-centroid queries."""

    def __init__(self, x: np.ndarray):
        m, d = x.shape
        self.d = d
        # Column-major copy: each coordinate is a contiguous row, which is what
        # np.bincount (mu-step) and the per-coordinate J loop want.
        self.columns = np.ascontiguousarray(x.T)
        # For the r-step, the data centred on its mean and augmented with
        # ||x||^2 and 1, so that one matrix product gives every squared
        # distance: [-2mu, 1, ||mu||^2] . [x, ||x||^2, 1] = ||x - mu||^2.
        # Centring (as scikit-learn does) keeps that expansion accurate.
        self._offset = x.mean(axis=0)
        xc = self.columns - self._offset[:, None]
        self._aug = np.empty((d + 2, m))
        self._aug[:d] = xc
        self._aug[d] = np.einsum("ij,ij->j", xc, xc)
        self._aug[d + 1] = 1.0

    def nearest(self, centroids: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid for every point, without a Python
        loop over points (ties go to the lowest index, as with argmin)."""
        k, d = centroids.shape
        cc = centroids - self._offset
        caug = np.empty((k, d + 2))
        caug[:, :d] = -2.0 * cc
        caug[:, d] = 1.0
        caug[:, d + 1] = np.einsum("ij,ij->i", cc, cc)
        dist = caug @ self._aug  # (k, m): row j holds ||x - mu_j||^2 for all x
        bits = max(1, (k - 1).bit_length())
        if bits > _MAX_KEY_BITS:
            return dist.argmin(axis=0)
        # argmin over a short axis is slow in numpy (a loop per point), but a
        # min-reduction along axis 0 is one vectorised pass. Non-negative
        # doubles order like their bit patterns read as int64, so write the
        # cluster index into the lowest mantissa bits and take the min: it
        # is the nearest centroid, up to a relative 2**-(52-bits) in distance
        # (far below the rounding of the distances themselves). The same mask
        # clears the sign bit, which turns the tiny negative values rounding
        # can give a true zero distance into their (tiny) magnitude, and is
        # cheaper than np.maximum(dist, 0). About twice as fast as argmin at
        # K = 10; ties still go to the lowest index.
        keys = dist.view(np.int64)
        keys &= np.int64(0x7FFF_FFFF_FFFF_FFFF & -(1 << bits))
        keys |= np.arange(k, dtype=np.int64)[:, None]
        best = keys.min(axis=0)
        best &= (1 << bits) - 1
        return best.astype(np.intp, copy=False)

    def sum_of_squares(self, labels: np.ndarray, centroids: np.ndarray) -> float:
        """sum_i ||x_i - mu_{labels_i}||^2, computed directly (no expansion)
        so that J is exact to rounding and every J is computed the same way."""
        acc: np.ndarray | None = None
        for t in range(self.d):  # loop over coordinates, not points
            diff = self.columns[t] - centroids[:, t].take(labels)
            diff *= diff
            if acc is None:
                acc = diff
            else:
                acc += diff
        assert acc is not None
        return float(acc.sum())


def voronoi_labels(grid_points: Any, centroids: Any, chunk: int = 65536) -> np.ndarray:
    """Nearest centroid for every grid point, to shade the Voronoi regions.

    Chunked so that a fine grid (say 500 x 500) with many centroids does not
    build one huge distance matrix.
    """
    g = np.asarray(grid_points, dtype=np.float64)
    c = np.asarray(centroids, dtype=np.float64)
    if g.ndim != 2 or c.ndim != 2 or g.shape[1] != c.shape[1]:
        raise ValueError(f"grid points {g.shape} and centroids {c.shape} must be (n, d) and (k, d)")
    if c.shape[0] == 0:
        raise ValueError("at least one centroid is needed")
    origin = c.mean(axis=0)  # centring keeps the expansion accurate
    cc = c - origin
    c_sq = np.einsum("ij,ij->i", cc, cc)
    out = np.empty(g.shape[0], dtype=np.intp)
    for start in range(0, g.shape[0], chunk):
        block = g[start : start + chunk] - origin
        # ||x||^2 is the same for every centroid, so it does not change argmin.
        dist = c_sq - 2.0 * (block @ cc.T)
        out[start : start + chunk] = dist.argmin(axis=1)
    return out
