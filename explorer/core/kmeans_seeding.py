"""Where K-means starts: the checks every set of points and centroids passes,
and greedy k-means++ (pure numpy, no Qt)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SeedLike", "as_centroids", "as_points", "check_k", "kmeans_plus_plus", "sq_dists"]

SeedLike = int | None | np.random.Generator | np.random.SeedSequence


def as_points(points: Any) -> np.ndarray:
    x = np.array(points, dtype=np.float64)  # always a private float64 copy
    if x.ndim != 2:
        raise ValueError(f"points must be a 2-D array (m, d), got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"points must hold at least one point of dimension >= 1, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points contain NaN or infinity")
    return x


def check_k(k: Any, m: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"K must be an integer, got {k!r}")
    k = int(k)
    if k < 1:
        raise ValueError(f"K must be at least 1, got {k}")
    if k > m:
        raise ValueError(f"K={k} is larger than the number of points ({m})")
    return k


def as_centroids(centroids: Any, d: int, m: int, k: int | None = None) -> np.ndarray:
    c = np.array(centroids, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != d or (k is not None and c.shape[0] != k):
        want = f"({k}, {d})" if k is not None else f"(K, {d})"
        raise ValueError(f"centroids must have shape {want}, got {c.shape}")
    check_k(c.shape[0], m)
    if not np.all(np.isfinite(c)):
        raise ValueError("centroids contain NaN or infinity")
    return c


def sq_dists(xt: np.ndarray, sq_norms: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Squared distances (n, m) from rows of y to the columns of xt (d, m).

    Uses ||x||^2 - 2 x.y + ||y||^2 (one BLAS call) clipped at 0, since rounding
    can push a true zero slightly negative.
    """
    d2 = y @ xt
    d2 *= -2.0
    d2 += sq_norms
    d2 += np.einsum("ij,ij->i", y, y)[:, None]
    np.maximum(d2, 0.0, out=d2)
    return d2


def kmeans_plus_plus(points: Any, k: int, rng: SeedLike = None,
                     n_local_trials: int | None = None) -> np.ndarray:
    """Pick k starting centroids from the points by greedy k-means++.

    Each new centroid is drawn with probability proportional to the squared
    distance to the nearest centroid chosen so far (Arthur & Vassilvitskii);
    like scikit-learn, ``2 + log(k)`` candidates are drawn and the one that
    lowers the total squared distance most is kept, which avoids the
    occasional bad draw of plain k-means++.

    ``rng`` is a numpy Generator or anything ``np.random.default_rng`` takes,
    so a fixed integer seed reproduces the same centroids.
    """
    x = as_points(points)
    m, _ = x.shape
    k = check_k(k, m)
    rng = np.random.default_rng(rng)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    # Centre first: the expanded distance formula loses digits far from 0.
    xt = (x - x.mean(axis=0)).T.copy()
    sq_norms = np.einsum("ij,ij->j", xt, xt)

    chosen = np.empty(k, dtype=np.intp)
    chosen[0] = rng.integers(m)
    closest = sq_dists(xt, sq_norms, xt[:, chosen[0]][None, :])[0]
    potential = closest.sum()
    for c in range(1, k):
        if potential > 0:
            draws = rng.random(n_local_trials) * potential
            candidates = np.searchsorted(np.cumsum(closest), draws)
            np.minimum(candidates, m - 1, out=candidates)  # guards rounding in cumsum
        else:
            # Every point already sits on a centroid: any pick is as good.
            candidates = rng.integers(m, size=n_local_trials)
        cand_d = sq_dists(xt, sq_norms, xt[:, candidates].T)
        np.minimum(cand_d, closest, out=cand_d)
        pots = cand_d.sum(axis=1)
        best = int(np.argmin(pots))
        chosen[c] = candidates[best]
        closest = cand_d[best]
        potential = pots[best]
    return x[chosen].copy()
