"""Small MNIST-format data for the tests: IDX bytes, random digits and data files.

Importable from tests/ and tests/ui/ alike (pytest puts tests/, the folder of
the root conftest.py, on sys.path).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def idx_bytes(arr: np.ndarray) -> bytes:
    """`arr` as an uncompressed IDX file: magic (ubyte, ndim), sizes, payload."""
    arr = np.asarray(arr, dtype=np.uint8)
    return (struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
            + arr.tobytes())


def digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n random 28x28 uint8 images and labels cycling 0..9."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            (np.arange(n) % 10).astype(np.uint8))


def idx_folder(folder: Path, images: bytes | None = None, labels: bytes | None = None) -> Path:
    """The two t10k files of 20 digits, gzipped; `images` / `labels` replace their bytes."""
    folder.mkdir(parents=True)
    x, y = digits(20)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        images if images is not None else gzip.compress(idx_bytes(x)))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        labels if labels is not None else gzip.compress(idx_bytes(y)))
    return folder


def npz(path: Path, n_train: int = 30, n_test: int = 20, **arrays) -> Path:
    """A Keras-format npz; each keyword replaces an array (a value, a function of
    the array, or None to leave it out)."""
    xtr, ytr = digits(n_train, 1)
    xte, yte = digits(n_test, 2)
    values = {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}
    for key, value in arrays.items():
        if value is None:
            del values[key]
        else:
            values[key] = value(values[key]) if callable(value) else value
    np.savez(path, **values)
    return path


def truncated_gz_folder(folder: Path) -> Path:
    """An IDX folder whose gzipped images file was cut in half."""
    full = gzip.compress(idx_bytes(digits(20)[0]))
    return idx_folder(folder, images=full[: len(full) // 2])
