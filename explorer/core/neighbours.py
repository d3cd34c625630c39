"""Exact k nearest neighbours (pure numpy + scipy, no Qt).

One routine serves the UMAP map (which would otherwise build its own
approximate index with pynndescent, whose numba compilation takes 50-90 s
on the first call in every process here) and the measures of what a map
keeps (embedding_quality). Exact, so the figures are reproducible.

Two routes, both exact: a k-d tree for low dimensions (the 2-D maps, the
32-d dense codes: 2.5 s for 10,000 points in 32-d against 3.5 s by blocks
here), and blocks of squared distances from one BLAS product each beyond
that, where trees lose to brute force.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.core.tasks import TaskState, ensure

__all__ = ["knn", "squared_distances"]

# Above this dimension the k-d tree is slower than blocks of BLAS.
_TREE_MAX_DIM = 32
# Rows per block: a block holds (rows x n) float64 distances (40 MB at n = 10,000).
_BLOCK_ROWS = 512


def _as_points(points: Any) -> np.ndarray:
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"points must be a 2-D array (n, d), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points contain NaN or infinity")
    return np.ascontiguousarray(x)


def squared_distances(block: np.ndarray, x: np.ndarray, sq_norms: np.ndarray) -> np.ndarray:
    """(b, n) squared Euclidean distances from the rows of block to the rows of x.

    ||a||^2 - 2 a.b + ||b||^2 from one BLAS product, clipped at 0 (rounding can
    push a true zero below it). Callers centre the data first: the expansion
    loses digits far from the origin.
    """
    d2 = block @ x.T
    d2 *= -2.0
    d2 += sq_norms[None, :]
    d2 += np.einsum("ij,ij->i", block, block)[:, None]
    np.maximum(d2, 0.0, out=d2)
    return d2


def knn(points: Any, k: int, state: TaskState | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other points of every point: (indices (n, k) intp, distances (n, k) float64).

    Each row is sorted by distance; a point is never its own neighbour, but
    a duplicate of it is one (at distance 0, or 1e-8 by blocks, where the
    distance comes from an expansion). Ties in distance fall either way.
    `state` gets the progress and is checked between blocks.
    """
    state = ensure(state)
    x = _as_points(points)
    n, d = x.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if k >= n:
        raise ValueError(f"k = {k} neighbours need more than {k} points, got {n}")
    x = x - x.mean(axis=0)
    if d <= _TREE_MAX_DIM:
        return _knn_tree(x, int(k), state)
    return _knn_blocks(x, int(k), state)


def _drop_self(idx: np.ndarray, dist: np.ndarray, rows: np.ndarray, k: int):
    """From k + 1 candidates per row, remove the row's own index (or, when a
    duplicate pushed it out, the farthest candidate)."""
    own = idx == rows[:, None]
    missing = ~own.any(axis=1)
    own[missing, -1] = True
    # exactly one True per row: the first True wins when a row lists itself twice
    first = np.argmax(own, axis=1)
    keep = np.ones_like(own)
    keep[np.arange(len(rows)), first] = False
    return idx[keep].reshape(-1, k), dist[keep].reshape(-1, k)


def _knn_tree(x: np.ndarray, k: int, state: TaskState) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    n = len(x)
    tree = cKDTree(x)
    out_i = np.empty((n, k), dtype=np.intp)
    out_d = np.empty((n, k), dtype=np.float64)
    step = 2048
    for start in range(0, n, step):
        state.check()
        stop = min(n, start + step)
        dist, idx = tree.query(x[start:stop], k + 1)
        out_i[start:stop], out_d[start:stop] = _drop_self(
            idx.astype(np.intp), dist, np.arange(start, stop), k)
        state.set_progress(stop / n)
    return out_i, out_d


def _knn_blocks(x: np.ndarray, k: int, state: TaskState) -> tuple[np.ndarray, np.ndarray]:
    n = len(x)
    sq = np.einsum("ij,ij->i", x, x)
    out_i = np.empty((n, k), dtype=np.intp)
    out_d = np.empty((n, k), dtype=np.float64)
    for start in range(0, n, _BLOCK_ROWS):
        state.check()
        stop = min(n, start + _BLOCK_ROWS)
        d2 = squared_distances(x[start:stop], x, sq)
        rows = np.arange(stop - start)
        d2[rows, rows + start] = np.inf  # not its own neighbour
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]
        part = np.take_along_axis(d2, idx, axis=1)
        order = np.argsort(part, axis=1, kind="stable")
        out_i[start:stop] = np.take_along_axis(idx, order, axis=1)
        out_d[start:stop] = np.sqrt(np.take_along_axis(part, order, axis=1))
        state.set_progress(stop / n)
    return out_i, out_d
