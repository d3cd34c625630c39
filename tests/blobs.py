"""Well-separated gaussian blobs in 32-d: the data every map should get right."""

from __future__ import annotations

import numpy as np


def blobs(n: int = 300, d: int = 32, k: int = 6, spread: float = 1.0,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, d), labels (n,)): k clusters whose centres lie ~14 spreads apart."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 10 * spread
    labels = np.arange(n) % k
    rng.shuffle(labels)
    return centres[labels] + rng.normal(size=(n, d)) * spread, labels
