"""Noise slider to repaint: how long a move takes to show new reconstructions.

Not a pytest test. Run ``python tests/benchmarks/bench_slider.py [--quick]``;
it prints one JSON object. ``run(quick)`` returns the same dict for an
aggregating runner.

It builds the real ReconstructionPanel (offscreen) on the embedded MNIST
sample with the ``conv`` model (pre-trained weights from trained/ when there
are any, else fresh ones: the cost is the same), shows it, waits for the
first view and the test-split mean loss, then moves ``noise_slider`` back and
forth across its range. Each sample is the time from ``setValue`` to the
panel's ``view_updated`` (the model thread's answer drawn) plus a synchronous
repaint of the grid. The GUI thread waits in a Qt event loop, not a busy
loop, so the model thread gets the CPU as it would in the program.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    # Run as a script: make the project importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TARGET_MS = 100.0
TIMEOUT_MS = 60_000


def _wait_for(signal, timeout_ms: int = TIMEOUT_MS) -> None:
    """Run the Qt event loop until `signal` fires."""
    fired = []
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    def done(*_):
        fired.append(True)
        loop.quit()

    signal.connect(done)
    timer.start(timeout_ms)
    loop.exec()
    signal.disconnect(done)
    timer.stop()
    if not fired:
        raise TimeoutError(f"no answer within {timeout_ms} ms")


def _wait_until(condition, timeout_ms: int = TIMEOUT_MS) -> None:
    """Let Qt run in 20 ms slices until condition() holds (set-up only)."""
    end = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"not ready within {timeout_ms} ms")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def _sweep(moves: int) -> list[int]:
    """Slider positions for `moves` moves: up and down across 0..20, never repeating."""
    from explorer.core import views

    up = list(range(1, views.NOISE_STEPS + 1))
    down = list(range(views.NOISE_STEPS - 1, -1, -1))
    out: list[int] = []
    while len(out) < moves:
        out.extend(up)
        out.extend(down)
    return out[:moves]


def run(quick: bool = False) -> dict:
    from explorer.core import store
    from explorer.core.data import load_embedded
    from explorer.features.reconstructions.panel import ReconstructionPanel
    from explorer.services.session import Session

    app = QApplication.instance() or QApplication([])
    session = Session(dataset=load_embedded(), arch_id="conv", trained_dir=store.TRAINED_DIR)
    panel = ReconstructionPanel(session)
    panel.resize(1100, 650)
    panel.show()
    app.processEvents()
    try:
        session.start()
        # The heavy mean-loss job would otherwise share the first moves' thread.
        _wait_until(lambda: panel.current_view is not None and panel.mean_loss is not None)

        for step in (1, 0):  # warm-up: first calls trace Keras functions
            panel.noise_slider.setValue(step)
            _wait_for(panel.view_updated)

        samples = []
        for step in _sweep(30 if quick else 100):
            t0 = time.perf_counter()
            panel.noise_slider.setValue(step)
            _wait_for(panel.view_updated)
            panel.recon_view.repaint()
            samples.append((time.perf_counter() - t0) * 1000)
            if panel.current_view.noise != panel.noise_factor:
                raise RuntimeError("the view drawn is not the slider's value")
    finally:
        session.shutdown(5000)
        panel.close()

    ms = np.asarray(samples)
    p95 = float(np.percentile(ms, 95))
    return {
        "benchmark": "noise_slider",
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(float(ms.max()), 2),
        "target": f"p95 < {TARGET_MS:g} ms",
        "met": bool(p95 < TARGET_MS),
        "arch": "conv",
        "digits": 10,
        "moves": len(samples),
        "weights": session.weights_note,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 moves instead of 100")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
