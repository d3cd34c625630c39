"""Small MNIST-format data for the tests: IDX bytes and random digits.

Importable from tests/ and tests/ui/ alike (pytest puts tests/, the folder of
the root conftest.py, on sys.path).
"""

from __future__ import annotations

import struct

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
