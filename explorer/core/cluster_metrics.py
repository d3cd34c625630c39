"""How a clustering compares with the digits or with another clustering
(pure numpy): the confusion table, purity, NMI and the adjusted Rand index,
with scikit-learn's conventions, without scikit-learn at run time."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "adjusted_rand_index",
    "confusion_matrix",
    "nmi_from_table",
    "normalized_mutual_info",
    "purity",
    "purity_from_table",
]


def confusion_matrix(labels: Any, truth: Any, k: int, n_classes: int = 10) -> np.ndarray:
    """(k, n_classes) int counts: row j, column c = points of cluster j whose
    true digit is c. Points with a negative (unassigned) label are skipped."""
    lab = np.asarray(labels).astype(np.int64, copy=False).ravel()
    tru = np.asarray(truth).astype(np.int64, copy=False).ravel()
    if lab.shape != tru.shape:
        raise ValueError(f"labels ({lab.size}) and truth ({tru.size}) differ in length")
    keep = lab >= 0
    lab, tru = lab[keep], tru[keep]
    if lab.size and lab.max() >= k:
        raise ValueError(f"label {int(lab.max())} is out of range for K={k}")
    if tru.size and (tru.min() < 0 or tru.max() >= n_classes):
        raise ValueError(f"true classes must lie in 0..{n_classes - 1}")
    flat = np.bincount(lab * n_classes + tru, minlength=k * n_classes)
    return flat.reshape(k, n_classes)


def _contingency(labels: Any, truth: Any) -> np.ndarray:
    lab = np.asarray(labels).ravel()
    tru = np.asarray(truth).ravel()
    if lab.shape != tru.shape:
        raise ValueError(f"labels ({lab.size}) and truth ({tru.size}) differ in length")
    _, li = np.unique(lab, return_inverse=True)
    _, ti = np.unique(tru, return_inverse=True)
    n_l = int(li.max()) + 1 if li.size else 0
    n_t = int(ti.max()) + 1 if ti.size else 0
    return np.bincount(li * n_t + ti, minlength=n_l * n_t).reshape(n_l, n_t)


def purity(labels: Any, truth: Any) -> float:
    """Fraction of points whose cluster's majority digit is their own digit."""
    return purity_from_table(_contingency(labels, truth))


def purity_from_table(table: Any) -> float:
    """Purity from a (clusters, classes) count table, e.g. `confusion_matrix`'s:
    the same figure as `purity` of the labels it counts, without sorting them."""
    table = np.asarray(table)
    n = table.sum()
    if n == 0:
        raise ValueError("purity of an empty labelling is undefined")
    return float(table.max(axis=1).sum() / n)


def _entropy(marginal: np.ndarray) -> float:
    p = marginal[marginal > 0].astype(np.float64)
    total = p.sum()
    return float(-np.sum((p / total) * (np.log(p) - np.log(total))))


def normalized_mutual_info(labels: Any, truth: Any) -> float:
    """NMI(labels, truth) = I / ((H(labels) + H(truth)) / 2), the arithmetic
    normalisation that is scikit-learn's default, with its conventions: 1.0
    when both labellings are a single group, 0.0 when I = 0."""
    return nmi_from_table(_contingency(labels, truth))


def nmi_from_table(table: Any) -> float:
    """NMI from a (clusters, classes) count table, e.g. `confusion_matrix`'s
    (empty rows and columns are ignored, as absent labels are by
    `normalized_mutual_info`): one bincount instead of sorting the labels."""
    table = np.asarray(table)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n_l, n_t = table.shape
    if (n_l == 1 and n_t == 1) or (n_l == 0 and n_t == 0):
        return 1.0
    if n_l == 1 or n_t == 1:
        return 0.0
    n = float(table.sum())
    rows, cols = np.nonzero(table)
    nij = table[rows, cols].astype(np.float64)
    a = table.sum(axis=1).astype(np.float64)
    b = table.sum(axis=0).astype(np.float64)
    # I = sum p_ij log(p_ij / (p_i p_j)), written with counts as sklearn does.
    terms = (nij / n) * (np.log(nij) - np.log(n) - np.log(a[rows] * b[cols]) + 2.0 * np.log(n))
    terms = np.where(np.abs(terms) < np.finfo(np.float64).eps, 0.0, terms)
    mi = max(float(terms.sum()), 0.0)
    if mi == 0.0:
        return 0.0
    normalizer = (_entropy(a) + _entropy(b)) / 2.0
    return float(mi / max(normalizer, np.finfo(np.float64).eps))


def adjusted_rand_index(labels: Any, other: Any) -> float:
    """Adjusted Rand index between two labellings (scikit-learn's adjusted_rand_score).

    1.0 for the same partition (whatever the cluster numbers), about 0 for
    labellings that agree only by chance, negative when they agree less.
    The pair counts are Python integers: at 70,000 points their products
    overflow int64.
    """
    table = _contingency(labels, other)
    n = int(table.sum())
    sum_squares = int(np.sum(table.astype(np.int64) ** 2))
    rows = [int(v) for v in table.sum(axis=1)]
    cols = [int(v) for v in table.sum(axis=0)]
    # Pairs of points: together in both (tp), apart in both (tn), or split by one only.
    tp = sum_squares - n
    fp = sum(v * v for v in rows) - sum_squares
    fn = sum(v * v for v in cols) - sum_squares
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0  # includes one cluster each, and every point on its own in both
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
