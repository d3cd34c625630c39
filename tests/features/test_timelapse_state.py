"""The Time-lapse tab's state without widgets or TensorFlow: frames from a file, from a
run's recorder after each epoch, Play, and saving beside the weights."""

from __future__ import annotations

import numpy as np
import pytest
from scripted_session import ScriptedSession

from explorer.core import store, timelapse, timelapse_store, training
from explorer.features.timelapse.state import NO_FRAMES, TimelapseState, timelapse_file
from explorer.services.weights import Current


def recorder_with(epochs, n: int = 30) -> timelapse.TimelapseRecorder:
    probe = timelapse.Probe(np.arange(n), np.zeros((n, 28, 28), np.float32), np.arange(n) % 10)
    rec = timelapse.TimelapseRecorder(probe, arch_id="simple")
    rng = np.random.default_rng(0)
    for e in epochs:
        rec.record_codes(rng.normal(size=(n, 6)) * (1 + e), e, train_loss=1.0 / (1 + e))
    return rec


@pytest.fixture
def session(qtbot, tiny, tmp_path):
    s = ScriptedSession(tiny, tmp_path, arch_id="simple")
    yield s
    assert s.shutdown(5000)


def test_frames_saved_beside_the_weights_are_shown_at_once(session, tmp_path):
    timelapse_store.save_timelapse(recorder_with(range(5)).snapshot(),
                                   timelapse_file(store.weights_path("simple", tmp_path)))
    state = TimelapseState(session)
    state.load_saved()
    assert state.origin == "saved" and state.n_frames == 5 and state.index == 4
    assert "simple.timelapse.npz" in state.message and "MB" in state.memory_note()


def test_no_file_and_fresh_weights_say_how_to_get_frames(session):
    state = TimelapseState(session)
    state.load_saved()
    assert state.timelapse is None and state.message == NO_FRAMES
    state.toggle_play()
    assert not state.is_playing  # nothing to play


def test_each_epoch_of_a_run_shows_its_newest_frame_and_saving_writes_them(qtbot, session,
                                                                           tmp_path):
    state = TimelapseState(session)
    session.runner.recorder = recorder_with([0, 1])
    session.epoch_finished.emit(training.EpochResult(1, 3, 0.5, None, 100.0, 1.0, 1.0))
    assert state.origin == "run" and list(state.timelapse.epochs) == [0, 1] and state.index == 1
    session.runner.recorder.record_codes(np.ones((30, 6)) * np.arange(30)[:, None], 2)
    session.epoch_finished.emit(training.EpochResult(2, 3, 0.4, None, 100.0, 0.0, 2.0))
    assert state.n_frames == 3 and state.epoch == 2
    # the run ends: its unsaved weights keep their frames, also after a weights_changed
    session._set_current(Current("simple", None, "trained in this session", unsaved=True))
    session.weights_changed.emit()
    assert state.origin == "run" and state.n_frames == 3
    saved_to = tmp_path / "out" / "simple.weights.h5"
    saved_to.parent.mkdir()
    session.weights_saved.emit(saved_to)
    assert list(timelapse_store.load_timelapse(tmp_path / "out" / "simple.timelapse.npz").epochs) \
        == [0, 1, 2]
    assert "saved as simple.timelapse.npz" in state.message


def test_play_steps_to_the_end_and_stops(qtbot, session):
    state = TimelapseState(session)
    state.show(recorder_with(range(4)).snapshot(), "run", at_end=False)
    seen = []
    state.frame_changed.connect(seen.append)
    state.toggle_play()
    qtbot.waitUntil(lambda: not state.is_playing, timeout=5000)
    assert seen == [1, 2, 3]
