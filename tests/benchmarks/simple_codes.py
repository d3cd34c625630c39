"""The shipped simple model's 32-d codes of the embedded digits, for the map benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def simple_codes(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(codes (n, 32) float32, labels (n,)) of the first n digits of "train" or "test"."""
    from explorer.core import models, store
    from explorer.core.data import load_embedded

    data = load_embedded()
    x, y = (data.x_train, data.y_train) if split == "train" else (data.x_test, data.y_test)
    x, y = x[:n], y[:n]
    model = models.build("simple")
    store.load_weights(model, ROOT / "trained" / "simple.weights.h5")
    return models.encode(model, x).reshape(len(x), -1), np.asarray(y)


def machine() -> str:
    import os
    import platform

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{platform.system()} {platform.machine()}, {usable}/{os.cpu_count()} cores{load}, "
            f"Python {platform.python_version()}")
