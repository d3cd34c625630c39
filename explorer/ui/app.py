"""Starting the GUI: the QApplication, the main window, the event loop."""

from __future__ import annotations

import logging
import os
import sys
import time

# Set by the start-up benchmark: print when the window has painted and when
# the model is ready, then quit.
STARTUP_REPORT_ENV = "AUTOENCODER_EXPLORER_STARTUP_REPORT"


def make_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Autoencoder Explorer")
    app.setOrganizationName("AutoencoderExplorer")
    return app


def run_gui(data_path: str | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_app()
    from explorer.ui.main_window import MainWindow

    window = MainWindow(data_path=data_path)
    if os.environ.get(STARTUP_REPORT_ENV):
        _report_startup(app, window)
    _close_on_terminal_signals(app, window)
    window.show()
    app.aboutToQuit.connect(lambda: window.session.shutdown(2500))
    return app.exec()


def _close_on_terminal_signals(app, window) -> None:
    """Ctrl+C (SIGINT) or SIGTERM closes the window as its close button does.

    Python runs a signal handler only when the main thread next runs Python
    code, and Qt's event loop is C++: Ctrl+C in the terminal did nothing. The
    signal module writes a byte to a socket on each signal (set_wakeup_fd);
    a QSocketNotifier on the other end wakes the loop into Python, where the
    handler runs. A second Ctrl+C, while a close waits for a step that
    cannot be interrupted, ends the process at once.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass

    notifier.activated.connect(drain)

    def close() -> None:
        print("Closing Autoencoder Explorer (Ctrl+C again to quit at once).",
              file=sys.stderr, flush=True)
        window.close()

    def on_signal(signum, frame) -> None:
        # The handler runs between any two bytecodes of the GUI thread, even
        # with a lock held (a job being queued): closing right here deadlocked
        # on that lock. So it only asks the event loop to close.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        QTimer.singleShot(0, close)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    app._terminal_signal_plumbing = (reader, writer, notifier)  # kept alive with the app


def _report_startup(app, window) -> None:
    """Print wall-clock stamps of the start-up milestones (for the benchmark)."""
    from PySide6.QtCore import QTimer

    original = window.first_paint_done

    def painted() -> None:
        print(f"painted {time.time():.4f}", flush=True)
        original()

    window.first_paint_done = painted

    def ready() -> None:
        print(f"model_ready {time.time():.4f}", flush=True)
        QTimer.singleShot(0, window.close)

    window.session.weights_changed.connect(ready)
