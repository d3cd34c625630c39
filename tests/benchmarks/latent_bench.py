"""What the Latent space benchmarks share: the real tab on the shipped weights, and timing.

Not a benchmark itself. `open_tab(arch)` builds the real LatentSpacePanel
(offscreen) on the embedded MNIST sample with the shipped weights of `arch`,
shows it and waits for the map; `wait_for(signal, accept)` runs the Qt event
loop (not a busy loop, so the model thread gets the CPU as in the program)
until the signal brings an answer `accept` takes.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TIMEOUT_MS = 60_000


def wait_for(signal, accept=lambda *args: True, timeout_ms: int = TIMEOUT_MS):
    """Run the Qt event loop until `signal` fires with arguments `accept` takes; return them."""
    got: list = []
    loop = QEventLoop()

    def done(*args):
        if not got and accept(*args):
            got.append(args)
            loop.quit()

    signal.connect(done)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(done)
    if not got:
        raise TimeoutError(f"no answer within {timeout_ms} ms")
    return got[0]


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def open_tab(arch: str):
    from explorer.core import store
    from explorer.core.data import load_embedded
    from explorer.features.latent_space.panel import LatentSpacePanel
    from explorer.services.session import Session

    app = QApplication.instance() or QApplication([])
    session = Session(dataset=load_embedded(), arch_id=arch, trained_dir=store.TRAINED_DIR)
    panel = LatentSpacePanel(session)
    panel.resize(1200, 760)
    panel.show()
    app.processEvents()
    session.start()
    wait_for(panel.lab.map.map_changed)
    settle()
    return app, session, panel


def close_tab(session, panel) -> None:
    panel.shutdown()
    session.shutdown(5000)
    panel.close()


def summary(name: str, samples_ms: list[float], target_ms: float, arch: str, session,
            **extra) -> dict:
    ms = np.asarray(samples_ms)
    p95 = float(np.percentile(ms, 95))
    return {"benchmark": name, "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(p95, 2), "max_ms": round(float(ms.max()), 2),
            "target": f"p95 < {target_ms:g} ms", "met": bool(p95 < target_ms), "arch": arch,
            "samples": len(samples_ms), "weights": session.weights_note,
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
            **extra}


def now() -> float:
    return time.perf_counter()
