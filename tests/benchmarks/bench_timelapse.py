"""The time-lapse's cost to training throughput: a run with it against the same run without.

Each run is a Session (the program's own training path: the model thread,
the epoch callbacks, the signals) in its own process, on the embedded data
(8,000 / 2,000 digits); `runner.record_timelapse` switches the recorder on
or off. A run's samples per second is the training-set size over its median
epoch time, epoch 1 (tracing) left out, as in bench_training.py. The sides
take turns (off, on, on, off, ...) and the ratio of their medians is
reported, with the recorder's own time per epoch (encoding the 1,000 probe
digits, their PCA and K-means) as a share of the epoch, which is the steadier
figure on a shared machine. Target: the time-lapse costs under 5%.

    python tests/benchmarks/bench_timelapse.py [--quick] [--arch simple conv]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

EPOCHS = {"simple": 6, "sparse": 6, "deep": 6, "conv": 4, "denoise": 3}


def _side(arch: str, epochs: int, record: bool) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer.core import models, timelapse, training
    from explorer.core.data import load_embedded
    from explorer.services.session import Session

    spent: list[float] = []
    original = timelapse.TimelapseRecorder.record

    def timed(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    timelapse.TimelapseRecorder.record = timed
    app = QApplication.instance() or QApplication([])
    data = load_embedded()
    results = []
    with tempfile.TemporaryDirectory() as empty:
        session = Session(dataset=data, trained_dir=empty, arch_id=arch)
        session.runner.record_timelapse = record
        config = training.TrainConfig(arch, epochs=epochs, batch_size=models.spec(arch).batch_size)
        session.backend_ready.connect(lambda: QTimer.singleShot(200, lambda: session.train(config)))
        session.training_ended.connect(lambda r: (results.append(r), app.quit()))
        QTimer.singleShot(0, session.start)
        QTimer.singleShot(600_000, app.quit)
        app.exec()
        session.shutdown(10_000)
    result = results[0]
    if result.status != "finished":
        raise RuntimeError(f"training {result.status}: {result.error}")
    ends = [epoch.elapsed_s for epoch in result.history]
    epoch_s = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    # spent[0] is the frame before the first epoch; spent[i] is epoch i's.
    per_epoch = spent[2:] if record else []
    return {"samples_per_s": data.n_train / statistics.median(epoch_s),
            "record_s": statistics.median(per_epoch) if per_epoch else 0.0,
            "epoch_s": statistics.median(epoch_s)}


def _measure(arch: str, epochs: int, record: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", "on" if record else "off", "--arch",
                          arch, "--epochs", str(epochs)], capture_output=True, text=True,
                         timeout=900, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{arch} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False, archs=("simple", "conv"), repeats: int | None = None) -> dict:
    repeats = repeats or (1 if quick else 3)
    rows = {}
    for arch in archs:
        epochs = 3 if quick else EPOCHS[arch]
        on, off = [], []
        for i in range(repeats):
            for record in ((False, True) if i % 2 == 0 else (True, False)):
                (on if record else off).append(_measure(arch, epochs, record))
        ratio = (statistics.median(r["samples_per_s"] for r in on)
                 / statistics.median(r["samples_per_s"] for r in off))
        share = statistics.median(r["record_s"] / r["epoch_s"] for r in on)
        rows[arch] = {"with_samples_per_s": round(statistics.median(r["samples_per_s"] for r in on)),
                      "without_samples_per_s": round(statistics.median(r["samples_per_s"]
                                                                       for r in off)),
                      "ratio": round(ratio, 3),
                      "record_ms_per_epoch": round(1000 * statistics.median(r["record_s"] for r in on), 1),
                      "record_share_of_epoch": round(share, 4), "epochs": epochs,
                      "repeats": repeats, "met": share < 0.05}
    return {"benchmark": "timelapse_cost", "target": "recording costs < 5% of an epoch",
            "rows": rows, "met": all(r["met"] for r in rows.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--arch", nargs="*", default=["simple", "conv"])
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--side", choices=["on", "off"], help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(_side(args.arch[0], args.epochs, args.side == "on")))
        return
    print(json.dumps(run(args.quick, tuple(args.arch), args.repeats)))


if __name__ == "__main__":
    main()
