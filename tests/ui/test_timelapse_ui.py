"""The Time-lapse tab on a real Session: the shipped frames at start, a short run's frames
recorded epoch by epoch, scrubbed, played, and saved beside the weights."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from explorer.core import store, timelapse, timelapse_store, training
from explorer.features.timelapse.panel import TimelapsePanel
from explorer.features.timelapse.state import NO_FRAMES

TIMEOUT = 60000


@pytest.fixture
def shipped_copy(tmp_path):
    """The simple model's shipped weights and frames (the session may save into the folder)."""
    for name in ("simple.weights.h5", "simple.json", "simple.timelapse.npz"):
        shutil.copy(store.TRAINED_DIR / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def session(qtbot, embedded, shipped_copy):
    from explorer.services.session import Session

    s = Session(dataset=embedded.subset(256, 200), trained_dir=shipped_copy, arch_id="simple")
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def panel(qtbot, session):
    p = TimelapsePanel(session)
    qtbot.addWidget(p)
    p.resize(1000, 640)
    p.show()
    yield p
    p.shutdown()


def shown_points(panel) -> np.ndarray:
    parts = [np.column_stack(item.getData()) for item in panel.digit_items if item.getData()[0] is not None]
    return np.concatenate([a for a in parts if a.size])


def test_the_shipped_frames_load_at_start_and_the_slider_scrubs_them(qtbot, panel, shipped_copy):
    state = panel.state
    saved = timelapse_store.load_timelapse(shipped_copy / "simple.timelapse.npz")
    assert state.origin == "saved" and state.n_frames == len(saved) > 2
    slider = panel.findChild(type(panel.slider), "timelapse_slider")
    assert slider.maximum() == len(saved) - 1 and slider.value() == len(saved) - 1
    last = shown_points(panel)
    slider.setValue(1)
    assert state.index == 1 and panel.loss_cursor.value() == saved.epochs[1]
    assert panel.scores_cursor.value() == saved.epochs[1]
    assert not np.allclose(shown_points(panel), last)  # the map moved to the earlier epoch
    assert f"NMI {saved.nmi[1]:.2f}" in panel.epoch_label.text()
    assert "MB" in panel.message_label.text()  # how much the frames hold is said


def test_saved_frames_are_read_once_and_again_only_when_the_file_changes(
        qtbot, panel, shipped_copy, monkeypatch):
    """A switch back to saved weights reuses the frames read before (reading and
    aligning them took 65-135 ms of the GUI thread); a rewritten file is read anew."""
    state = panel.state
    reads = []
    real = timelapse_store.load_timelapse
    monkeypatch.setattr(timelapse_store, "load_timelapse",
                        lambda path: reads.append(path) or real(path))
    first = state.timelapse
    state.load_saved()
    state.load_saved()
    assert reads == [] and state.timelapse is first and state.origin == "saved"
    path = shipped_copy / "simple.timelapse.npz"
    shorter = timelapse.Timelapse(**{name: getattr(first, name)[:2] for name in (
        "epochs", "raw", "coords", "purity", "nmi", "train_loss", "val_loss")},
        **{name: getattr(first, name) for name in ("labels", "probe_indices", "arch_id")})
    timelapse_store.save_timelapse(shorter, path)
    state.load_saved()
    assert reads == [path] and state.n_frames == 2


def test_play_replays_to_the_last_frame_and_stops(qtbot, panel):
    state = panel.state
    state.set_index(state.n_frames - 3)
    seen = []
    state.frame_changed.connect(seen.append)
    panel.play_button.click()
    assert state.is_playing and panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not state.is_playing, timeout=TIMEOUT)
    assert seen == [state.n_frames - 2, state.n_frames - 1]
    assert panel.play_button.text() == "Play"


def test_a_short_run_records_a_frame_per_epoch_to_scrub_and_saves_them_beside_the_weights(
        qtbot, panel, session, tmp_path):
    with qtbot.waitSignal(session.backend_ready, timeout=TIMEOUT):
        session.start()
    qtbot.waitUntil(lambda: not session.is_busy, timeout=TIMEOUT)
    shipped_epochs = session.metadata.epochs
    epochs_seen = []
    session.epoch_finished.connect(lambda _r: epochs_seen.append(panel.state.epoch))
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        session.train(training.TrainConfig("simple", epochs=1, batch_size=64))
    state = panel.state
    # the frame before the run and the one after its epoch, numbered on from the shipped weights
    qtbot.waitUntil(lambda: state.origin == "run", timeout=TIMEOUT)
    assert list(state.timelapse.epochs) == [shipped_epochs, shipped_epochs + 1]
    assert epochs_seen == [shipped_epochs + 1]  # the frame was there when the epoch was announced
    assert state.timelapse.labels.shape == (200,)  # every test digit of this small set
    assert np.isfinite(state.timelapse.train_loss[-1])
    panel.slider.setValue(0)
    assert panel.loss_cursor.value() == shipped_epochs
    assert f"epoch {shipped_epochs} of {shipped_epochs + 1}" in panel.epoch_label.text()
    folder = tmp_path / "saved"
    with qtbot.waitSignal(session.weights_saved, timeout=TIMEOUT):
        session.save_weights(folder)
    saved = timelapse_store.load_timelapse(folder / "simple.timelapse.npz")
    assert list(saved.epochs) == [shipped_epochs, shipped_epochs + 1]
    assert "saved as simple.timelapse.npz" in panel.message_label.text()


def test_fresh_weights_say_how_to_get_a_time_lapse(qtbot, embedded, tmp_path):
    from explorer.services.session import Session

    s = Session(dataset=embedded.subset(64, 50), trained_dir=tmp_path, arch_id="simple")
    try:
        p = TimelapsePanel(s)
        qtbot.addWidget(p)
        assert p.state.timelapse is None and p.message_label.text() == NO_FRAMES
        assert not p.slider.isEnabled() and not p.play_button.isEnabled()
    finally:
        assert s.shutdown(5000)


def test_a_run_keeps_a_bounded_number_of_frames():
    probe = timelapse.Probe(np.arange(20), np.zeros((20, 28, 28), np.float32), np.arange(20) % 10)
    rec = timelapse.TimelapseRecorder(probe, max_frames=8)
    rng = np.random.default_rng(0)
    for epoch in range(40):
        rec.record_codes(rng.normal(size=(20, 4)), epoch)
    assert rec.n_frames <= 9 and rec.snapshot().epochs[-1] == 39
