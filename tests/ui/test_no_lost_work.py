"""Nothing trained is lost without a word: kept per architecture, asked about on quit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from explorer.core import training
from explorer.services import guard
from explorer.services.session import Session

TIMEOUT = 60000
TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture
def shipped(tmp_path):
    folder = tmp_path / "trained"
    shutil.copytree(TRAINED, folder)
    return folder


@pytest.fixture
def session(qtbot, tiny, shipped):
    s = Session(dataset=tiny, trained_dir=shipped)
    with qtbot.waitSignal(s.backend_ready, timeout=TIMEOUT):
        s.start()
    yield s
    assert s.shutdown(5000)


def weights(qtbot, session):
    out = []
    session.submit("probe", lambda st, m, d: [w.copy() for w in m.autoencoder.get_weights()],
                   out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=TIMEOUT)
    return out[0]


def train(qtbot, session, epochs=1):
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT) as ended:
        session.train(training.TrainConfig("simple", epochs=epochs, batch_size=64), fresh=True)
    return ended.args[0]


def switch(qtbot, session, arch):
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        session.select_architecture(arch)


def test_switching_architecture_and_back_keeps_the_trained_run(qtbot, session):
    assert session.weights_note.startswith("pre-trained")
    assert train(qtbot, session, epochs=2).status == "finished"
    trained = weights(qtbot, session)
    assert session.unsaved_work() and "trained in this session" in session.weights_note
    switch(qtbot, session, "sparse")
    assert session.weights_note.startswith("pre-trained")  # sparse's own shipped weights
    assert len(session.unsaved_work()) == 1  # simple's run, kept aside
    switch(qtbot, session, "simple")
    back = weights(qtbot, session)
    assert all(np.array_equal(a, b) for a, b in zip(trained, back, strict=True))
    assert "kept from earlier in this session" in session.weights_note
    assert session.metadata.epochs == 2 and session.unsaved_work()


def test_revert_to_the_shipped_weights_drops_the_run(qtbot, session, shipped):
    shipped_weights = weights(qtbot, session)
    train(qtbot, session)
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        session.revert_to_shipped()
    again = weights(qtbot, session)
    assert all(np.array_equal(a, b) for a, b in zip(shipped_weights, again, strict=True))
    assert session.weights_note.startswith("pre-trained") and not session.unsaved_work()


def test_saving_clears_the_unsaved_mark_of_kept_and_current_weights(qtbot, session, tmp_path):
    train(qtbot, session)
    switch(qtbot, session, "deep")
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        session.train(training.TrainConfig("deep", epochs=1, batch_size=64), fresh=True)
    assert len(session.unsaved_work()) == 2
    written = []
    session.save_unsaved(tmp_path / "saves", on_saved=written.extend)
    qtbot.waitUntil(lambda: len(written) == 2, timeout=TIMEOUT)
    assert sorted(p.name for p in written) == ["deep.weights.h5", "simple.weights.h5"]
    assert session.unsaved_work() == []


def test_a_stop_in_the_first_epoch_says_the_earlier_weights_are_back(qtbot, session):
    before = weights(qtbot, session)
    session.batch_finished.connect(lambda _p: session.stop_training())
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT) as ended:
        session.train(training.TrainConfig("simple", epochs=3, batch_size=8))  # continue
    assert ended.args[0].status == "stopped" and ended.args[0].epochs_done == 0
    assert "weights from before the run are loaded again" in session.weights_note
    after = weights(qtbot, session)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert not session.unsaved_work()


def test_the_guard_asks_only_when_something_would_be_lost(qtbot, session, tmp_path):
    asked = []
    session.guard.ask = lambda action, lines: asked.append((action, lines)) or guard.CANCEL
    assert session.guard.allow("Load other weights")  # nothing trained yet
    train(qtbot, session)
    assert not session.guard.allow("Load other weights")
    assert asked[0][0] == "Load other weights" and "Simple" in asked[0][1][0]
    session.guard.ask = lambda *_a: guard.SAVE
    session.guard.choose_folder = lambda: str(tmp_path / "chosen")
    assert session.guard.allow("Quit", current_only=False)
    qtbot.waitUntil(lambda: (tmp_path / "chosen" / "simple.weights.h5").is_file(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not session.unsaved_work(), timeout=TIMEOUT)


# ------------------------------------------------------------- the window
def test_quitting_with_unsaved_weights_asks_and_cancel_keeps_the_window(qtbot, tiny, shipped,
                                                                        monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=shipped, settings=settings)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    train(qtbot, w.session)
    answers = iter([guard.CANCEL, guard.DISCARD])
    asked = []
    monkeypatch.setattr(w, "_ask_unsaved_weights",
                        lambda action, lines: asked.append(action) or next(answers))
    w.close()
    assert w.isVisible() and asked == ["Quit"]  # Cancel: the window stays, with its run
    assert w.session.unsaved_work()
    w.close()
    assert not w.isVisible() and asked == ["Quit", "Quit"]


def test_revert_action_in_the_model_menu(qtbot, tiny, shipped, tmp_path):
    from PySide6.QtCore import QSettings

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=shipped, settings=settings)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    train(qtbot, w.session)
    action = w.findChild(type(w.revert_action), "revert_weights_action")
    with qtbot.waitSignal(w.session.model_changed, timeout=TIMEOUT):
        action.trigger()  # the conftest answers Discard
    assert w.session.weights_note.startswith("pre-trained")
    w.close()


def test_loading_other_weights_over_an_unsaved_run_asks_first(qtbot, session, shipped):
    train(qtbot, session)
    asked = []
    session.guard.ask = lambda action, lines: asked.append(action) or guard.CANCEL
    from explorer.features.model.state import ModelDock

    dock = ModelDock(session)
    dock.load_weights(shipped / "simple.weights.h5")
    dock.reset_weights()
    assert asked == ["Load simple.weights.h5", "Reset to fresh weights"]
    qtbot.wait(200)
    assert "trained in this session" in session.weights_note  # both were called off
