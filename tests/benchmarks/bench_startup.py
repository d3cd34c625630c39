"""Start-up: from `python main.py` to the window painted, against `import tensorflow`.

Both are whole processes, run alternately, repeated; the figure is the ratio
of the medians (target: at most 0.6). Also reported: the time until the
pre-trained model is ready (TensorFlow imported, weights loaded).

    python tests/benchmarks/bench_startup.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _time_window(env) -> tuple[float, float]:
    """Seconds from launch to the first paint, and to the model being ready."""
    t0 = time.time()
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    stamps = dict(line.split() for line in proc.stdout.splitlines()
                  if line.startswith(("painted", "model_ready")))
    if "painted" not in stamps:
        raise RuntimeError(f"the window did not report its paint: {proc.stdout} {proc.stderr}")
    return float(stamps["painted"]) - t0, float(stamps.get("model_ready", "nan")) - t0


def _time_import_tf(env) -> float:
    t0 = time.time()
    subprocess.run([sys.executable, "-c", "import tensorflow"], env=env, cwd=ROOT,
                   capture_output=True, timeout=180, check=True)
    return time.time() - t0


def run(quick: bool = False, repeats: int | None = None) -> dict:
    from explorer.ui.app import STARTUP_REPORT_ENV

    repeats = repeats or (3 if quick else 7)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env[STARTUP_REPORT_ENV] = "1"
    _time_import_tf(env)  # warm the file cache for both sides alike
    _time_window(env)
    paint, ready, tf = [], [], []
    for _ in range(repeats):
        p, r = _time_window(env)
        paint.append(p)
        ready.append(r)
        tf.append(_time_import_tf(env))
    ratio = statistics.median(paint) / statistics.median(tf)
    return {
        "benchmark": "startup",
        "window_painted_s": round(statistics.median(paint), 3),
        "model_ready_s": round(statistics.median(ready), 3),
        "import_tensorflow_s": round(statistics.median(tf), 3),
        "ratio": round(ratio, 3),
        "repeats": repeats,
        "target": "window painted <= 0.6 x import tensorflow",
        "met": ratio <= 0.6,
        "platform": env["QT_QPA_PLATFORM"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int)
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.repeats)))


if __name__ == "__main__":
    main()
