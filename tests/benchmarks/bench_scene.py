"""A scene's K-means run: saved (export + JSON) and restored (read + replay).

Not a pytest test. Run ``python tests/benchmarks/bench_scene.py [--quick]``;
it prints one JSON object (``run(quick)`` returns it for run_all.py).

Restoring replays every half step of the run (kmeans_state), which is what
lets Back work after a restore; it runs on the model thread, so the figure is
how long the lab waits for its run, not a freeze. Two cases: the lab's
default (2,000 points of a 32-d code, k-means++ with K = 10, run to
convergence) and the worst the lab allows (10,000 points, 32-d, 300
iterations = 600 half steps, the Run animation's cap). Median of repeats.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from explorer.core import kmeans_state, scene_file  # noqa: E402
from explorer.core.kmeans import KMeansStepper  # noqa: E402

TARGET_S = 1.0  # the default lab's run is back within a second


def _codes(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 1, (10, d))  # overlapping, as real codes are: tens of iterations
    return (means[rng.integers(10, size=n)] + rng.normal(0, 1.5, (n, d))).astype(np.float32)


def _case(n: int, iterations: int | None, repeats: int) -> dict:
    x = _codes(n)
    st = KMeansStepper(x, 10, seed=0)
    if iterations is None:
        st.run()
    else:
        for _ in range(iterations):
            st.step()
    saves, restores = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.scene.json"
        for _ in range(repeats):
            t0 = time.perf_counter()
            scene = scene_file.Scene("simple", kmeans=scene_file.KMeansScene(
                10, 0, "k-means++", "latent", "full", n, kmeans_state.export_run(st)))
            scene_file.write_scene(path, scene)
            t1 = time.perf_counter()
            back = kmeans_state.restore_run(x, scene_file.read_scene(path).kmeans.run)
            t2 = time.perf_counter()
            assert back.history == st.history
            saves.append(t1 - t0)
            restores.append(t2 - t1)
        size = path.stat().st_size
    return {"points": n, "half_steps": len(st.history), "save_ms": round(statistics.median(saves) * 1000, 1),
            "restore_ms": round(statistics.median(restores) * 1000, 1), "file_kb": round(size / 1000, 1)}


def run(quick: bool = False) -> dict:
    repeats = 2 if quick else 5
    default = _case(2000, None, repeats)
    worst = _case(10_000, 300, 1 if quick else 3)
    return {"default": default, "worst": worst,
            "target": f"default lab's run restored < {TARGET_S:g} s (model thread)",
            "met": default["restore_ms"] < TARGET_S * 1000}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv)))
