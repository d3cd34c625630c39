"""Shared fixtures: offscreen Qt, small data, and a guard against leaked threads."""

from __future__ import annotations

import os

# Before any Qt import: tests never need a screen. The offscreen platform's own
# screen is 800 x 600, smaller than the window sizes the layout tests check
# (up to 1,920 x 1,080): give it a desk-sized one (tests/offscreen-screen.json).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen = os.path.join(os.path.dirname(__file__), "offscreen-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest


@pytest.fixture(scope="session", autouse=True)
def user_data_home(tmp_path_factory):
    """The user data folder of the whole run: a temporary one, never the tester's own.

    Set in the environment, so subprocesses started by tests inherit it.
    """
    from explorer.core import userdata

    home = tmp_path_factory.mktemp("user-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(userdata.HOME_ENV, str(home))
        yield home


@pytest.fixture(scope="session")
def embedded():
    from explorer.core.data import load_embedded

    return load_embedded()


@pytest.fixture(scope="session")
def tiny(embedded):
    """A few hundred digits: enough to train a step, small enough to be quick."""
    return embedded.subset(256, 64)


@pytest.fixture(autouse=True)
def unsaved_weights_are_discarded(monkeypatch):
    """A window closed at a test's end must not wait on the Save / Discard dialog.

    Tests of the dialog itself replace `_ask_unsaved_weights` on their window.
    """
    try:
        from explorer.ui.main_window import MainWindow
    except ImportError:
        return
    monkeypatch.setattr(MainWindow, "_ask_unsaved_weights", lambda self, *_a: "discard")


@pytest.fixture(autouse=True)
def no_leaked_qthreads(request, monkeypatch):
    """Fail any test that leaves a QThread running, as napari's conftest does.

    Every QThread started during the test is recorded by patching
    `QThread.start` (not only the threads made through services.workers),
    and each must have stopped when the test ends.
    """
    started = _record_started_qthreads(monkeypatch)
    yield
    try:
        from explorer.services import workers
    except ImportError:  # the UI is not importable in this environment
        return
    running = [t for t in {*workers.running_threads(), *started} if _is_running(t)]
    if running:
        for thread in running:
            thread.quit()
            thread.wait(5000)
        pytest.fail(f"test left {len(running)} QThread(s) running: {running}")
    # Destroy this test's dead windows now, while none of its threads runs.
    # Left to the garbage collector, a window's C++ destructor may run during
    # a later test while that test's model thread emits a signal: both then
    # wait on Qt's pooled signal-slot mutex and the GIL, in opposite order,
    # and the run hangs (seen once in test_lecture).
    import gc

    # What pytest-qt closed is deleted by Qt first (deleteLater), with its Python
    # side whole; only then are the cycles collected (see
    # widgets_live_until_qt_deletes_them for what the collector does otherwise).
    _delete_deferred()
    gc.collect()
    _delete_deferred()


@pytest.fixture(autouse=True)
def widgets_live_until_qt_deletes_them(monkeypatch):
    """Hold every widget given to `qtbot.addWidget` until Qt has deleted it.

    pytest-qt keeps a weak reference only, so a widget that a test made as a
    local variable is garbage from the moment the test returns, and the
    window's collector (a GUI timer, installed by any earlier test's model
    thread) may free it in the events pytest-qt processes right after. The
    collector empties a widget's Python objects before their C++ teardown
    calls back into them: for pyqtgraph's legend labels an AttributeError
    ('_sizeHint'), blamed on the test (CI, test_a_t_sne_frame_moves_the_
    points_in_place, twice). Held, it is closed by pytest-qt and deleted by
    Qt whole, and only then let go.
    """
    try:
        from pytestqt.qtbot import QtBot
    except ImportError:  # no Qt in this environment
        yield
        return
    held: list = []
    real_add_widget = QtBot.addWidget

    def add_widget(self, widget, *args, **kwargs):
        held.append(widget)
        return real_add_widget(self, widget, *args, **kwargs)

    monkeypatch.setattr(QtBot, "addWidget", add_widget)
    yield
    _delete_deferred()
    held.clear()


def _delete_deferred() -> None:
    """Carry out the pending deleteLater calls now (no event loop runs between tests)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _record_started_qthreads(monkeypatch) -> list:
    try:
        from PySide6.QtCore import QThread
    except ImportError:
        return []
    started: list = []
    real_start = QThread.start

    def start(self, *args, **kwargs):
        started.append(self)
        return real_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    return started


def _is_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is already gone
        return False
