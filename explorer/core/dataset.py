"""The dataset every view works on, and what the views do to its digits.

`Dataset` holds the four arrays and says where they came from;
`DatasetError` is the one error a loader raises, with a message for the
user. No file formats here: those are in idx.py (IDX files and the checks
every loaded array passes) and data.py (finding and loading the data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset", "DatasetError", "add_noise", "one_of_each_class"]


class DatasetError(ValueError):
    """Bad input data. A ValueError so generic callers still catch it; a type of its
    own so the UI can show the message in a dialog instead of crashing."""


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays is ambiguous; identity is what we want
class Dataset:
    """Images float32 in [0, 1], shape (n, 28, 28); labels int64, shape (n,).

    Arrays from the loaders are read-only because loaded datasets are cached and
    shared: a caller that wants to modify one must copy it first.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first n of each split (None: all), for tests and quick runs; a larger
        n than available is clamped so a quick run never fails on a small dataset."""
        for n in (n_train, n_test):
            if n is not None and n < 0:
                raise ValueError(f"subset sizes must be >= 0, got {n}")
        a = self.n_train if n_train is None else min(n_train, self.n_train)
        b = self.n_test if n_test is None else min(n_test, self.n_test)
        return Dataset(self.x_train[:a], self.y_train[:a], self.x_test[:b], self.y_test[:b],
                       source=f"{self.source} (subset {a}/{b})")

    def __repr__(self) -> str:
        return (f"Dataset({self.source!r}, x_train={self.x_train.shape} {self.x_train.dtype}, "
                f"x_test={self.x_test.shape} {self.x_test.dtype})")


def add_noise(x: np.ndarray, factor: float, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """clip(x + factor * N(0, 1), 0, 1) as float32, as the seed's denoising example.

    Seeded (default 0) so that the same slider position always shows the same
    noisy digits; pass None for fresh noise each call. Returns a new array.
    """
    factor = float(factor)
    if not (math.isfinite(factor) and factor >= 0):
        raise ValueError(f"noise factor must be a finite number >= 0, got {factor}")
    x = np.asarray(x, dtype=np.float32)
    if factor == 0:
        return np.clip(x, 0.0, 1.0)  # a copy, equal to x for valid images
    noisy = x + np.float32(factor) * np.random.default_rng(seed).standard_normal(x.shape, dtype=np.float32)
    return np.clip(noisy, 0.0, 1.0, out=noisy)


def one_of_each_class(labels: np.ndarray, seed: int | None = None) -> np.ndarray:
    """Indices of one example per digit, in order 0..9: the first of each, or a
    random one per class with a seed. Raises ValueError if a digit is absent."""
    labels = np.asarray(labels).ravel()
    rng = None if seed is None else np.random.default_rng(seed)
    out = np.empty(10, dtype=np.int64)
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        if where.size == 0:
            raise ValueError(f"no example of digit {digit} among {labels.size:,} labels")
        out[digit] = where[0] if rng is None else rng.choice(where)
    return out
