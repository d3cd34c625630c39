"""Starting the GUI: the QApplication, the main window, the event loop."""

from __future__ import annotations

import logging
import os
import sys
import time

# Set by the start-up benchmark: print when the window has painted and when
# the model is ready, then quit.
STARTUP_REPORT_ENV = "AUTOENCODER_EXPLORER_STARTUP_REPORT"


class _StartupMessages:
    """Qt's messages while the QApplication is made, and the first-run explanation.

    Qt reports a platform plugin it cannot load with a few warnings and then
    a fatal message, after which it aborts the process. The handler keeps the
    warnings; on the fatal one it prints one paragraph saying what to install
    (explorer.first_run) and exits with status 1 before Qt can abort.
    Warnings of a start that succeeds are passed on to standard error.
    """

    def __init__(self, plugins_dir: str):
        self.plugins_dir = plugins_dir
        self.messages: list[str] = []

    def __call__(self, kind, context, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        self.messages.append(message)
        if kind == QtMsgType.QtFatalMsg:
            from explorer.first_run import explain_platform_failure

            paragraph = explain_platform_failure(self.messages, self.plugins_dir)
            sys.stderr.write(paragraph + "\n")
            sys.stderr.flush()
            os._exit(1)  # Qt would abort() right after this handler returns

    def pass_on(self) -> None:
        for message in self.messages:
            sys.stderr.write(message + "\n")
        sys.stderr.flush()


def _to_terminal(kind, context, message: str) -> None:
    """Qt's messages, written through sys.stderr as Qt would write them.

    Qt writes to file descriptor 2, which is muted while TensorFlow imports
    (keras_backend._QuietStderr); sys.stderr has a descriptor of its own (cli.py),
    so a fatal Qt message in those seconds still reaches the terminal. Qt
    aborts after a fatal message, as it always has.
    """
    from PySide6.QtCore import qFormatLogMessage

    try:
        sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # no terminal left (closed at exit): nowhere to write


def make_app():
    """The QApplication; if Qt cannot open a window, one clear paragraph and exit status 1."""
    try:
        from PySide6.QtCore import QLibraryInfo, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # e.g. libEGL.so.1 or libxkbcommon.so.0 missing
        from explorer.first_run import explain_import_error

        sys.stderr.write(explain_import_error(exc) + "\n")
        raise SystemExit(1) from None
    app = QApplication.instance()
    if app is None:
        captured = _StartupMessages(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
        previous = qInstallMessageHandler(captured)
        try:
            app = QApplication(sys.argv[:1])
        finally:
            qInstallMessageHandler(previous)
        captured.pass_on()
    app.setApplicationName("Autoencoder Explorer")
    app.setOrganizationName("AutoencoderExplorer")
    return app


def run_gui(data_path: str | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_app()
    from PySide6.QtCore import qInstallMessageHandler

    from explorer.ui.main_window import MainWindow

    previous = qInstallMessageHandler(_to_terminal)
    try:
        window = MainWindow(data_path=data_path)
        if os.environ.get(STARTUP_REPORT_ENV):
            _report_startup(app, window)
        _close_on_terminal_signals(app, window)
        window.show()
        app.aboutToQuit.connect(lambda: window.session.shutdown(2500))
        return app.exec()
    finally:
        qInstallMessageHandler(previous)  # no Python handler while the interpreter ends


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
        print(f"weights {window.session.weights_note}", flush=True)
        QTimer.singleShot(0, window.close)

    window.session.weights_changed.connect(ready)
