"""Peak memory with a 70,000-digit dataset loaded and one model trained an epoch.

Full MNIST is used when the Keras cache holds it; otherwise a 60,000/10,000
dataset is built by tiling the embedded digits (same sizes, same dtypes).
The whole main window runs in a child process: dataset loaded, the K-means
lab's points computed, `simple` trained for one epoch through the Train button
with live curves. The child reports its peak resident set size
(getrusage ru_maxrss). Target: under 1.5 GB.

    python tests/benchmarks/bench_memory.py [--quick] [--arch simple]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_MB = 1536


def _full_size_dataset():
    import numpy as np

    from explorer.core.data import Dataset, keras_cache_path, load_dataset, load_embedded

    if keras_cache_path().exists():
        data = load_dataset(None)
        if data.n_train + data.n_test >= 70_000:
            return data
    small = load_embedded()
    images = np.concatenate([small.x_train, small.x_test])
    labels = np.concatenate([small.y_train, small.y_test])
    reps = -(-70_000 // len(images))
    images = np.tile(images, (reps, 1, 1))[:70_000]
    labels = np.tile(labels, reps)[:70_000]
    return Dataset(images[:60_000], labels[:60_000], images[60_000:], labels[60_000:],
                   "embedded digits tiled to 60,000 train / 10,000 test")


def _child(arch: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    data = _full_size_dataset()
    outcome = {}
    with tempfile.TemporaryDirectory() as empty:
        window = MainWindow(dataset=data, trained_dir=empty, arch_id=arch)
        window.session.guard.ask = None  # a measuring script: never ask before closing
        window.show()
        session = window.session

        def begin():
            window.model_panel.epochs_spin.setValue(1)
            window.model_panel.train_button.click()

        def ended(result):
            outcome["status"] = result.status
            # let the deferred jobs (K-means points of all test digits) run too
            QTimer.singleShot(3000, app.quit)

        session.backend_ready.connect(lambda: QTimer.singleShot(300, begin))
        session.training_ended.connect(ended)
        QTimer.singleShot(900_000, app.quit)
        app.exec()
        window.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": outcome.get("status"), "peak_mb": round(peak_kb / 1024),
                      "digits": data.n_train + data.n_test, "source": data.source}))


def run(quick: bool = False, arch: str = "simple") -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", "--arch", arch],
                         capture_output=True, text=True, timeout=1200, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    child = json.loads(out.stdout.strip().splitlines()[-1])
    return {"benchmark": "memory", "arch": arch, **child, "target_mb": TARGET_MB,
            "target": "peak RSS < 1.5 GB", "met": child["peak_mb"] < TARGET_MB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--arch", default="simple")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.arch)
        return
    print(json.dumps(run(args.quick, args.arch)))


if __name__ == "__main__":
    main()
