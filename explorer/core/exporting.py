"""Files a lecturer takes away: the K-means assignments as CSV (no Qt here)."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ASSIGNMENT_COLUMNS", "write_assignments_csv"]

ASSIGNMENT_COLUMNS = ("index", "digit", "x", "y", "cluster")


def write_assignments_csv(path: str | os.PathLike[str], indices: np.ndarray, labels: np.ndarray,
                          coords: np.ndarray, clusters: np.ndarray | None) -> Path:
    """One row per point: test-split index, true digit, 2-D coordinates, cluster.

    `clusters` None (no assignment step yet) leaves the cluster column empty
    rather than inventing a cluster 0. Written to a temporary file and moved
    into place, so a failed write never leaves half a file behind.
    """
    indices = np.asarray(indices).ravel()
    labels = np.asarray(labels).ravel()
    coords = np.asarray(coords, dtype=np.float64)
    n = len(indices)
    if labels.shape != (n,) or coords.shape != (n, 2):
        raise ValueError(f"{n} indices but labels {labels.shape} and coords {coords.shape}; "
                         "expected (n,) and (n, 2)")
    if clusters is not None:
        clusters = np.asarray(clusters).ravel()
        if clusters.shape != (n,):
            raise ValueError(f"{n} points but {clusters.shape[0]} cluster labels")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(ASSIGNMENT_COLUMNS)
            for i in range(n):
                writer.writerow((int(indices[i]), int(labels[i]),
                                 repr(float(coords[i, 0])), repr(float(coords[i, 1])),
                                 "" if clusters is None else int(clusters[i])))
        umask = os.umask(0)  # mkstemp's file is private (0600): give the usual rights
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
