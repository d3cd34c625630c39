"""Close the main window at a random moment of a training run, then quit.

Run by tests/test_faults.py in a fresh process per seed, because what is
tested is the real exit: the model thread must be stopped and joined before
Python tears the QThread down ("QThread: Destroyed while thread is still
running" aborts the process), and the process must end promptly.

    python tests/faults/close_during_training.py SEED [startup]

Prints "closing training=... ready=..." the moment it closes the window (the
parent times the exit from that line), then "exited <code>" just before
leaving. The delay (0-3 s after the Train click) and the architecture come
from SEED, so a failure is reproducible. With "startup" the window is closed
0-1 s after it is shown instead, while TensorFlow is still being imported.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ARCHS = ("simple", "conv")
MAX_DELAY_S = 3.0
BACKEND_TIMEOUT_MS = 120_000  # a loaded machine imports TensorFlow slowly


def main(seed: int, startup: bool = False) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    rng = random.Random(seed)
    arch = ARCHS[seed % len(ARCHS)]
    delay_ms = int(rng.uniform(0.0, 1.0 if startup else MAX_DELAY_S) * 1000)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    # A copy of the pre-trained weights: the run must never write into the repo.
    trained = Path(tempfile.mkdtemp(prefix="close-during-training-"))
    shutil.copytree(ROOT / "trained", trained, dirs_exist_ok=True)
    window = MainWindow(dataset=load_embedded().subset(1000, 200), trained_dir=trained,
                        arch_id=arch)
    window.session.guard.ask = None  # the close under test must not wait for a dialog
    window.show()
    outcome = {"code": 0}

    def fail(message: str) -> None:
        print(f"FAILED: {message}", file=sys.stderr, flush=True)
        outcome["code"] = 3
        app.quit()

    def close_now() -> None:
        session = window.session
        print(f"closing training={session.is_training} ready={session.is_ready}", flush=True)
        window.close()
        app.quit()

    def click_train() -> None:
        panel = window.model_panel
        if not panel.train_button.isEnabled():
            QTimer.singleShot(50, click_train)  # the first model is still being built
            return
        panel.epochs_spin.setValue(50)  # longer than any delay: the close lands mid-run
        panel.train_button.click()
        if not window.session.is_training:
            fail("the Train click did not start a run")
            return
        print(f"training {arch}, closing after {delay_ms} ms", flush=True)
        QTimer.singleShot(delay_ms, close_now)

    if startup:
        QTimer.singleShot(delay_ms, close_now)
    else:
        window.session.backend_ready.connect(lambda: QTimer.singleShot(0, click_train))
    QTimer.singleShot(BACKEND_TIMEOUT_MS, lambda: fail("the backend never became ready"))
    app.exec()
    shutil.rmtree(trained, ignore_errors=True)
    print(f"exited {outcome['code']}", flush=True)
    return outcome["code"]


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0, "startup" in sys.argv[2:]))
