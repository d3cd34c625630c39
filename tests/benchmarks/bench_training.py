"""Training throughput: the program's worker thread against a bare `model.fit`.

Side "bare": the seed's way, `model.fit(x, x, epochs, batch_size, shuffle=True,
validation_data=..., verbose=0)`. Side "app": the whole main window, shown
(offscreen), Train clicked, with live loss curves and per-epoch
reconstructions on. Same model, data (embedded 8,000/2,000) and batch size.
Each epoch's time runs from one epoch end to the next, validation included on
both sides; epoch 1 (tracing) is left out, and a run's samples per second is
the training-set size over its median epoch time, so that one epoch slowed by
something else on a shared machine does not decide it. Each run is its own
process; the sides take turns in the order bare, app, app, bare, ... (so a
drift in the machine's speed hits both alike), and the ratio of the two
sides' medians is reported (target: app >= 0.95 x bare).

    python tests/benchmarks/bench_training.py [--quick] [--arch simple conv]
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


def _bare(arch: str, epochs: int) -> list[float]:
    from explorer.core import models
    from explorer.core.data import load_embedded

    keras = models.import_keras()
    data = load_embedded()
    spec = models.spec(arch)
    x = models.to_model_input(arch, data.x_train)
    xt = models.to_model_input(arch, data.x_test)
    model = models.build(arch)
    models.compile_model(model, "adam")
    ends = []

    class EpochClock(keras.callbacks.Callback):
        # Epoch hooks only: Keras keeps dispatching batch hooks asynchronously.
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    model.autoencoder.fit(x, x, epochs=epochs, batch_size=spec.batch_size, shuffle=True,
                          validation_data=(xt, xt), verbose=0, callbacks=[EpochClock()])
    return [len(x) / (b - a) for a, b in zip(ends, ends[1:], strict=False)]


def _app(arch: str, epochs: int) -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as empty:
        window = MainWindow(dataset=load_embedded(), trained_dir=empty, arch_id=arch)
        window.session.guard.ask = None  # a measuring script: never ask before closing
        window.show()
        window.tabs.setCurrentWidget(window.training_panel)
        session = window.session
        results = []

        def begin():
            panel = window.model_panel
            panel.epochs_spin.setValue(epochs)
            panel.train_button.click()

        session.backend_ready.connect(lambda: QTimer.singleShot(200, begin))
        session.training_ended.connect(lambda r: (results.append(r), app.quit()))
        QTimer.singleShot(300_000, app.quit)
        app.exec()
        window.close()
    result = results[0]
    if result.status != "finished":
        raise RuntimeError(f"training {result.status}: {result.error}")
    ends = [epoch.elapsed_s for epoch in result.history]
    n = load_embedded().n_train
    return [n / (b - a) for a, b in zip(ends, ends[1:], strict=False)]


def _measure(side: str, arch: str, epochs: int) -> float:
    """Samples per second of one run in its own process: over its median epoch."""
    out = subprocess.run([sys.executable, __file__, "--side", side, "--arch", arch,
                          "--epochs", str(epochs)], capture_output=True, text=True,
                         timeout=900, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{side} {arch} failed: {out.stderr[-2000:]}")
    return statistics.median(json.loads(out.stdout.strip().splitlines()[-1]))


def run(quick: bool = False, archs=("simple", "conv"), repeats: int | None = None) -> dict:
    repeats = repeats or (1 if quick else 5)
    rows = {}
    for arch in archs:
        epochs = 3 if quick else EPOCHS[arch]
        bare, app = [], []
        for i in range(repeats):
            for side in (("bare", "app") if i % 2 == 0 else ("app", "bare")):
                (bare if side == "bare" else app).append(_measure(side, arch, epochs))
        ratio = statistics.median(app) / statistics.median(bare)
        rows[arch] = {"bare_samples_per_s": round(statistics.median(bare)),
                      "app_samples_per_s": round(statistics.median(app)),
                      "ratio": round(ratio, 3), "epochs": epochs, "repeats": repeats,
                      "bare_runs": [round(v) for v in bare], "app_runs": [round(v) for v in app],
                      "met": ratio >= 0.95}
    return {"benchmark": "training_throughput", "target": "app >= 0.95 x bare model.fit",
            "rows": rows, "met": all(r["met"] for r in rows.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--arch", nargs="*", default=["simple", "conv"])
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--side", choices=["bare", "app"], help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        fn = _bare if args.side == "bare" else _app
        print(json.dumps(fn(args.arch[0], args.epochs)))
        return
    print(json.dumps(run(args.quick, tuple(args.arch), args.repeats)))


if __name__ == "__main__":
    main()
