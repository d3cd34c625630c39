"""What a 2-D map keeps of the full code space (pure numpy, no Qt).

Two figures, each cheap to explain in class:

* **10-NN label agreement**: the share of digits whose 10 nearest neighbours
  vote (a plain majority, ties to the lower digit, as scikit-learn's
  KNeighborsClassifier) for the digit's own label, each digit left out of
  its own vote. Computed on the map and, for comparison, in the full code
  space: a map that scores far below the code hides how well the code
  separates the digits (PCA of the simple model's codes: 40% against 94%).
* **Trustworthiness** (Venna & Kaski 2001, as
  ``sklearn.manifold.trustworthiness``): 1 when every map neighbour is also
  a near neighbour in the code, lower as map neighbours come from far away.

scikit-learn's trustworthiness builds and argsorts the full n x n distance
matrix (800 MB and seconds at n = 10,000); here the full space is walked in
blocks of rows, and a map neighbour's rank in the code space is counted
(how many points are closer) instead of sorting whole rows. The same pass
gives the code space's own nearest neighbours for its agreement figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.neighbours import knn, squared_distances
from explorer.core.tasks import TaskState, ensure

__all__ = ["MapQuality", "describe", "describe_parts", "knn_label_agreement", "map_quality",
           "trustworthiness"]

K_NEIGHBOURS = 10
# Comparisons per block of the rank count (rows x k x n booleans): 25 MB of
# temporaries whatever n is.
_BLOCK_COMPARISONS = 25_000_000

METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


@dataclass(frozen=True)
class MapQuality:
    """What one map keeps; figures in [0, 1]."""

    method: str  # "pca", "tsne", "umap" (or any name of the caller's)
    k: int
    dim: int  # dimension of the full code space
    n: int
    map_agreement: float
    full_agreement: float
    trustworthiness: float

    @property
    def kept(self) -> float:
        """Map agreement as a share of the full space's (1 = as good as the code)."""
        return self.map_agreement / self.full_agreement if self.full_agreement > 0 else 0.0


def _votes(neighbour_labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Majority label per row of (n, k) class indices; ties go to the lower class."""
    n, _ = neighbour_labels.shape
    flat = (np.arange(n)[:, None] * n_classes + neighbour_labels).ravel()
    counts = np.bincount(flat, minlength=n * n_classes).reshape(n, n_classes)
    return np.argmax(counts, axis=1)  # argmax returns the first (lowest) of tied maxima


def _classes(labels: Any, n: int) -> tuple[np.ndarray, int]:
    lab = np.asarray(labels).reshape(-1)
    if lab.shape[0] != n:
        raise ValueError(f"{n} points but {lab.shape[0]} labels")
    _, inverse = np.unique(lab, return_inverse=True)
    return inverse.reshape(-1), int(inverse.max()) + 1 if n else 0


def _agreement_from(neighbours: np.ndarray, classes: np.ndarray, n_classes: int) -> float:
    return float(np.mean(_votes(classes[neighbours], n_classes) == classes))


def _check_k(k: int, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if n < 2 * k + 1:
        raise ValueError(f"{k} neighbours need at least {2 * k + 1} points, got {n}")
    return int(k)


def knn_label_agreement(points: Any, labels: Any, k: int = K_NEIGHBOURS,
                        state: TaskState | None = None) -> float:
    """Share of points whose k nearest other points vote for their own label."""
    x = np.asarray(points, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    k = _check_k(k, x.shape[0])
    classes, n_classes = _classes(labels, x.shape[0])
    idx, _ = knn(x, k, state)
    return _agreement_from(idx, classes, n_classes)


def _full_space_pass(full: np.ndarray, map_neighbours: np.ndarray, k: int,
                     state: TaskState) -> tuple[np.ndarray, float]:
    """One walk over the full space in blocks: its own k nearest neighbours
    of every point, and the trustworthiness penalty of the map's neighbours,
    sum over i and map neighbours j of max(0, rank_i(j) - k), where rank_i(j)
    is 1 + the number of points nearer to i than j in the full space."""
    n = full.shape[0]
    x = full - full.mean(axis=0)
    sq = np.einsum("ij,ij->i", x, x)
    own = np.empty((n, k), dtype=np.intp)
    penalty = 0
    block = int(np.clip(_BLOCK_COMPARISONS // (k * n), 8, 512))
    for start in range(0, n, block):
        state.check()
        stop = min(n, start + block)
        rows = np.arange(stop - start)
        d2 = squared_distances(x[start:stop], x, sq)
        d2[rows, rows + start] = np.inf  # never its own neighbour, never counted as nearer
        own[start:stop] = np.argpartition(d2, k - 1, axis=1)[:, :k]
        to_map = np.take_along_axis(d2, map_neighbours[start:stop], axis=1)  # (b, k)
        ranks = 1 + np.count_nonzero(d2[:, None, :] < to_map[:, :, None], axis=2)
        penalty += int(np.sum(np.maximum(ranks - k, 0)))
        state.set_progress(stop / n)
    return own, float(penalty)


def _trust_from(penalty: float, n: int, k: int) -> float:
    return 1.0 - penalty * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))


def trustworthiness(full: Any, coords: Any, k: int = K_NEIGHBOURS,
                    state: TaskState | None = None) -> float:
    """Trustworthiness of the map `coords` (n, 2) of the points `full` (n, d),
    as sklearn.manifold.trustworthiness(full, coords, n_neighbors=k)."""
    state = ensure(state)
    x = np.asarray(full, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    c = np.asarray(coords, dtype=np.float64)
    if c.shape[0] != x.shape[0]:
        raise ValueError(f"{x.shape[0]} points but {c.shape[0]} map coordinates")
    k = _check_k(k, x.shape[0])
    map_idx, _ = knn(c, k, state.subrange(0.0, 0.1))
    _, penalty = _full_space_pass(x, map_idx, k, state.subrange(0.1, 1.0))
    return _trust_from(penalty, x.shape[0], k)


def map_quality(full: Any, coords: Any, labels: Any, method: str = "map",
                k: int = K_NEIGHBOURS, state: TaskState | None = None) -> MapQuality:
    """Agreement on the map and in the full space, and trustworthiness, in one pass.

    full: (n, d) codes (or (n, ...), flattened); coords: (n, 2) their map;
    labels: (n,) true digits. About 2 s for 10,000 32-d codes here; `state`
    gets the progress and is checked between blocks.
    """
    state = ensure(state)
    x = np.asarray(full, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    c = np.asarray(coords, dtype=np.float64)
    n = x.shape[0]
    if c.shape != (n, 2):
        raise ValueError(f"coords must be ({n}, 2) for {n} points, got {c.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(c))):
        raise ValueError("points or map coordinates contain NaN or infinity")
    k = _check_k(k, n)
    classes, n_classes = _classes(labels, n)
    map_idx, _ = knn(c, k, state.subrange(0.0, 0.1))
    own, penalty = _full_space_pass(x, map_idx, k, state.subrange(0.1, 1.0))
    return MapQuality(
        method=method, k=k, dim=x.shape[1], n=n,
        map_agreement=_agreement_from(map_idx, classes, n_classes),
        full_agreement=_agreement_from(own, classes, n_classes),
        trustworthiness=_trust_from(penalty, n, k),
    )


def describe(q: MapQuality) -> str:
    """Two or three plain sentences for the UI on what the map keeps."""
    return " ".join(describe_parts(q))


def describe_parts(q: MapQuality) -> list[str]:
    """The sentences of `describe`, one by one: what the map keeps of the grouping,
    what its trustworthiness means, and (t-SNE, UMAP) that distances are not to scale."""
    name = METHOD_NAMES.get(q.method, q.method)
    space = f"the full {q.dim}-d code" if q.dim > 1 else "the full code"
    first = (f"On this {name} map, {q.map_agreement:.0%} of the digits have mostly their own "
             f"digit among their {q.k} nearest neighbours, against {q.full_agreement:.0%} in "
             f"{space}")
    if q.full_agreement < 0.5:
        verdict = "; the code itself does not separate the digits well."
    elif q.kept >= 0.97:
        verdict = ": the map keeps almost all of how the code groups the digits."
    elif q.kept >= 0.85:
        verdict = ": the map keeps most of how the code groups the digits."
    elif q.kept >= 0.6:
        verdict = ": the map loses part of how the code groups the digits."
    else:
        verdict = (": the map hides most of how well the code separates the digits"
                   + ("; t-SNE or UMAP show more." if q.method == "pca" else "."))
    t = q.trustworthiness
    if t >= 0.95:
        trust = (f"Trustworthiness {t:.2f}: digits drawn close together are close in the code "
                 "too.")
    elif t >= 0.85:
        trust = (f"Trustworthiness {t:.2f}: digits drawn close together are mostly close in "
                 "the code, with some strangers among them.")
    else:
        trust = (f"Trustworthiness {t:.2f}: many digits drawn close together are far apart in "
                 "the code.")
    parts = [first + verdict, trust]
    if q.method in ("tsne", "umap"):
        parts.append(f"On a {name} map the sizes of the groups and the gaps between them are "
                     "not to scale.")
    return parts
