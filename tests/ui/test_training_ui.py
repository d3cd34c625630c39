"""The model dock and the Training tab, driven through their real widgets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core import models, store, training
from explorer.features.model.panel import LOADING_TEXT, RETRAIN_HINT, ModelPanel
from explorer.features.training.panel import TrainingPanel
from explorer.services.session import Session
from explorer.widgets import formatting

TIMEOUT = 60000


# ------------------------------------------------------------------ helpers
def make_panels(qtbot, session):
    model_panel, training_panel = ModelPanel(session), TrainingPanel(session)
    qtbot.addWidget(model_panel)
    qtbot.addWidget(training_panel)
    model_panel.train_limit = (256, 64)
    return model_panel, training_panel


@pytest.fixture
def ready(qtbot, session):
    """A started session with both panels, built before the backend was ready."""
    model_panel, training_panel = make_panels(qtbot, session)
    with qtbot.waitSignal(session.backend_ready, timeout=TIMEOUT):
        session.start()
    qtbot.waitUntil(lambda: model_panel.layer_table.rowCount() > 0, timeout=TIMEOUT)
    return session, model_panel, training_panel


def click(qtbot, button):
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def set_run(model_panel, epochs, batch_size):
    model_panel.epochs_spin.setValue(epochs)
    model_panel.batch_size_spin.setValue(batch_size)


def train_and_wait(qtbot, session, model_panel):
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT) as blocker:
        click(qtbot, model_panel.train_button)
    return blocker.args[0]


def get_weights(qtbot, session):
    out = []
    session.submit("test-weights", lambda s, m, d: [w.copy() for w in m.autoencoder.get_weights()],
                   out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=TIMEOUT)
    return out[0]


def assert_idle(model_panel):
    assert model_panel.train_button.isEnabled()
    assert model_panel.architecture_combo.isEnabled()
    for name in ("reset_button", "load_button", "save_button"):
        assert getattr(model_panel, name).isEnabled(), name
    assert not model_panel.pause_button.isEnabled()
    assert not model_panel.stop_button.isEnabled()


def assert_training(model_panel):
    for name in ("train_button", "architecture_combo", "reset_button", "load_button",
                 "save_button"):
        assert not getattr(model_panel, name).isEnabled(), name
    assert model_panel.pause_button.isEnabled()
    assert model_panel.stop_button.isEnabled()


def legend_texts(training_panel):
    return [label.text for _sample, label in training_panel.legend.items]


# ------------------------------------------------------- Qt-free formatting
def test_formatters():
    assert formatting.format_duration(75) == "01:15"
    assert formatting.format_duration(3725) == "1:02:05"
    assert formatting.format_duration(float("nan")) == "--:--"
    assert formatting.format_duration(None) == "--:--"
    assert formatting.format_loss(0.123456) == "0.1235"
    assert formatting.format_loss(None) == formatting.NOT_AVAILABLE
    assert formatting.format_loss(float("nan")) == "NaN"
    assert formatting.format_loss(1.37e19) == "1.370e+19"
    assert formatting.format_count(222384) == "222,384"
    assert formatting.format_rate(12345.6) == "12,346 samples/s"
    assert formatting.format_learning_rate(1e38) == "1e+38"
    assert formatting.format_learning_rate(0.001) == "0.001"
    assert formatting.plural(1, "epoch") == "1 epoch"
    assert formatting.plural(3, "batch", "batches") == "3 batches"
    assert formatting.run_label(1, "simple", "adam") == "run 1: simple, adam"
    assert formatting.progress_text(3, 50, 12, 32) == "epoch 3/50 · batch 12/32"
    assert formatting.progress_fraction(1, 2, 16, 32) == pytest.approx(0.75)
    assert formatting.progress_fraction(0, 0, 0, 0) == 0.0


# --------------------------------------------- panels without TensorFlow work
def test_before_the_backend_is_ready_panels_say_loading(qtbot, session):
    model_panel, training_panel = make_panels(qtbot, session)
    assert not session.is_ready
    assert LOADING_TEXT in model_panel.params_label.text()
    assert model_panel.layer_table.rowCount() == 0
    assert "loading TensorFlow" in training_panel.status_label.text()
    assert training_panel.placeholder.isVisible()
    assert "loading TensorFlow" in training_panel.placeholder.toPlainText()
    for name in ("train_button", "architecture_combo", "pause_button", "stop_button",
                 "reset_button", "load_button", "save_button"):
        assert not getattr(model_panel, name).isEnabled(), name
    for name in ("epochs_spin", "batch_size_spin", "optimizer_combo", "learning_rate_spin",
                 "train_noise_spin", "continue_check"):
        assert getattr(model_panel, name).isEnabled(), name
    combo = model_panel.architecture_combo
    assert [combo.itemData(i) for i in range(combo.count())] == list(models.ARCH_IDS)
    assert combo.itemText(0) == models.ARCHITECTURES["simple"].title


def test_batch_points_are_buffered_and_drawn_by_the_timer(qtbot, session):
    """200 batch signals in a burst make at most a couple of redraws, not 200."""
    _, panel = make_panels(qtbot, session)
    config = training.TrainConfig("simple", epochs=2, batch_size=8)
    session.training_started.emit(config)
    batch_item = panel.current_curves["batch"]
    calls = []
    original = batch_item.setData
    batch_item.setData = lambda *a, **k: (calls.append(1), original(*a, **k))[1]
    for i in range(200):
        session.batch_finished.emit(training.BatchProgress(i // 100, i % 100 + 1, 100,
                                                           1.0 / (i + 1), 500.0, 10.0))
    assert calls == [], "nothing is drawn until the redraw timer fires"
    assert len(panel.runs[0].batch_x) == 200
    qtbot.waitUntil(lambda: len(batch_item.getData()[0] if batch_item.getData()[0]
                                is not None else []) == 200, timeout=5000)
    assert len(calls) <= 2
    assert panel.training_progress.text().startswith("epoch 2/2 · batch 100/100")
    assert "500 samples/s" in panel.speed_label.text() and "00:10 left" in panel.speed_label.text()
    session.epoch_finished.emit(training.EpochResult(1, 2, 0.3, 0.31, 500.0, 10.0, 1.0))
    x, y = panel.current_curves["train"].getData()
    assert list(x) == [1.0] and list(y) == [0.3]
    session.training_ended.emit(training.TrainResult("stopped", 1, ()))
    assert panel.status_label.text() == "stopped after 1 epoch"


def test_learning_rate_spin_takes_absurd_values_and_follows_the_optimizer(qtbot, session):
    model_panel, _ = make_panels(qtbot, session)
    spin = model_panel.learning_rate_spin
    assert spin.decimals() == 5
    assert spin.minimum() == pytest.approx(1e-5)
    assert spin.value() == pytest.approx(0.001)
    model_panel.optimizer_combo.setCurrentIndex(model_panel.optimizer_combo.findData("adadelta"))
    assert spin.value() == pytest.approx(1.0)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "1e38")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert spin.value() == pytest.approx(1e38)
    assert spin.text() == "1e+38"
    spin.setValue(1e-5)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(1e-4)
    assert model_panel.current_config().learning_rate == pytest.approx(1e-4)


# ------------------------------------------------------------ real training
def test_a_run_from_the_train_button_draws_batch_and_epoch_points(qtbot, ready):
    session, model_panel, training_panel = ready
    assert RETRAIN_HINT in model_panel.weights_info_label.text()
    assert training_panel.status_label.text() == "idle"
    assert_idle(model_panel)
    combo = model_panel.architecture_combo
    combo.setCurrentIndex(combo.findData("simple"))
    set_run(model_panel, epochs=2, batch_size=64)

    states = []
    session.training_started.connect(lambda _c: states.append(
        (model_panel.train_button.isEnabled(), model_panel.stop_button.isEnabled())))
    first_batch = []
    session.batch_finished.connect(lambda _p: first_batch or first_batch.append(
        (training_panel.status_label.text(), model_panel.architecture_combo.isEnabled(),
         model_panel.pause_button.isEnabled())))
    result = train_and_wait(qtbot, session, model_panel)

    assert result.status == "finished" and result.epochs_done == 2
    assert states == [(False, True)]
    assert first_batch[0] == ("training", False, True)
    run = training_panel.runs[-1]
    assert run.label == "run 1: simple, adam"
    assert len(run.batch_x) >= 1 and len(run.batch_x) == len(run.batch_y)
    assert run.epoch_x == [1.0, 2.0]
    assert len(run.train_y) == 2 and all(math.isfinite(v) for v in run.val_y)
    curves = training_panel.current_curves
    assert len(curves["batch"].getData()[0]) == len(run.batch_x)
    assert list(curves["train"].getData()[1]) == pytest.approx(run.train_y)
    assert list(curves["val"].getData()[1]) == pytest.approx(run.val_y)
    assert [h.train_loss for h in result.history] == pytest.approx(run.train_y)
    assert training_panel.status_label.text() == "finished: 2 epochs"
    assert training_panel.training_progress.value() == training_panel.training_progress.maximum()
    assert "finished" in training_panel.training_progress.text()
    assert training_panel.settings_labels["arch"].text() == "simple"
    assert training_panel.settings_labels["batch"].text() == "64"
    assert "trained in this session" in model_panel.weights_info_label.text()
    assert not training_panel.placeholder.isVisible()
    assert_idle(model_panel)


def test_buttons_while_training_and_stop_within_a_batch(qtbot, ready):
    session, model_panel, training_panel = ready
    set_run(model_panel, epochs=50, batch_size=2)  # 128 batches an epoch
    seen = []

    def on_first_batch(_progress):
        if not seen:
            seen.append(1)
            assert_training(model_panel)
            click(qtbot, model_panel.stop_button)

    session.batch_finished.connect(on_first_batch)
    result = train_and_wait(qtbot, session, model_panel)
    assert seen
    assert result.status == "stopped" and result.epochs_done == 0
    assert training_panel.status_label.text() == "stopped after 0 epochs"
    assert not session.is_training
    assert_idle(model_panel)


def test_pause_then_resume(qtbot, ready):
    session, model_panel, training_panel = ready
    set_run(model_panel, epochs=50, batch_size=2)
    with qtbot.waitSignal(session.batch_finished, timeout=TIMEOUT):
        click(qtbot, model_panel.train_button)
    with qtbot.waitSignal(session.paused_changed, timeout=TIMEOUT) as blocker:
        click(qtbot, model_panel.pause_button)
    assert blocker.args == [True]
    assert model_panel.pause_button.text() == "Resume"
    assert training_panel.status_label.text() == "paused"

    def answered():
        # Jobs are served while paused; an answer comes after any report sent before it.
        out = []
        session.submit("probe", lambda s, m, d: True, out.append)
        qtbot.waitUntil(lambda: bool(out), timeout=TIMEOUT)
        return len(training_panel.runs[-1].batch_x)

    n_paused = answered()
    assert answered() == n_paused, "no batch trained while paused"
    assert model_panel.stop_button.isEnabled() and not model_panel.train_button.isEnabled()

    with qtbot.waitSignal(session.paused_changed, timeout=TIMEOUT):
        click(qtbot, model_panel.pause_button)
    assert model_panel.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(training_panel.runs[-1].batch_x) > n_paused, timeout=TIMEOUT)
    assert training_panel.status_label.text() == "training"
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        click(qtbot, model_panel.stop_button)
    assert_idle(model_panel)


def test_a_second_run_keeps_the_first_faded_and_clear_empties(qtbot, ready):
    session, model_panel, training_panel = ready
    set_run(model_panel, epochs=1, batch_size=64)
    train_and_wait(qtbot, session, model_panel)
    first = training_panel.runs[0]
    first_items = dict(first.items)
    model_panel.optimizer_combo.setCurrentIndex(model_panel.optimizer_combo.findData("adadelta"))
    train_and_wait(qtbot, session, model_panel)

    plot = training_panel.loss_plot.getPlotItem()
    assert len(training_panel.runs) == 2
    second = training_panel.runs[1]
    assert second.label == "run 2: simple, adadelta"
    for item in first_items.values():
        assert item in plot.listDataItems()
        assert item.opts["pen"].color().alpha() < 255
    assert second.items["train"].opts["pen"].color().alpha() == 255
    assert len(first.train_y) == 1 and len(first.batch_x) >= 1
    texts = legend_texts(training_panel)
    assert any("run 1: simple, adam" in t for t in texts)
    assert "training loss (epoch)" in texts and texts.count("training loss (epoch)") == 1

    click(qtbot, training_panel.clear_plot_button)
    assert training_panel.runs == []
    assert training_panel.current_curves == {}
    assert plot.listDataItems() == []
    assert legend_texts(training_panel) == []


def test_log_scale_toggle(qtbot, ready):
    session, model_panel, training_panel = ready
    axis = training_panel.loss_plot.getPlotItem().getAxis("left")
    assert not axis.logMode
    training_panel.log_scale_check.click()
    assert axis.logMode
    training_panel.log_scale_check.click()
    assert not axis.logMode


def test_a_diverging_run_reports_and_keeps_the_weights(qtbot, ready):
    session, model_panel, training_panel = ready
    before = get_weights(qtbot, session)
    model_panel.continue_check.setChecked(True)
    set_run(model_panel, epochs=2, batch_size=32)
    model_panel.learning_rate_spin.setValue(1e38)
    errors = []
    session.error_raised.connect(errors.append)
    result = train_and_wait(qtbot, session, model_panel)
    assert result.status == "failed"
    assert errors and "learning rate" in errors[0]
    assert training_panel.status_label.text().startswith("failed: ")
    assert "learning rate" in training_panel.status_label.text()
    after = get_weights(qtbot, session)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert_idle(model_panel)


def test_refusals_come_back_as_messages_not_exceptions(qtbot, ready):
    session, model_panel, _ = ready
    set_run(model_panel, epochs=50, batch_size=2)
    errors = []
    session.error_raised.connect(errors.append)
    model_panel.start_training()
    assert session.is_training
    model_panel.start_training()  # a second Train (say, a shortcut) while one runs
    assert errors == ["a training run is already going"]
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        click(qtbot, model_panel.stop_button)


def test_switching_architecture_updates_table_and_settings(qtbot, ready):
    session, model_panel, _ = ready
    combo = model_panel.architecture_combo
    model_panel.epochs_spin.setValue(3)
    combo.setCurrentIndex(combo.findData("deep"))
    assert session.arch_id == "deep"
    assert model_panel.epochs_spin.value() == 100
    assert model_panel.batch_size_spin.value() == 256
    assert model_panel.train_noise_spin.value() == 0.0
    qtbot.waitUntil(lambda: "222,384" in model_panel.params_label.text(), timeout=TIMEOUT)
    table = model_panel.layer_table
    assert table.rowCount() == 7  # the input and six dense layers
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert "code" in names and "reconstruction" in names
    assert table.item(names.index("code"), 2).text() == "32"
    assert "128 -> 64 -> 32" in model_panel.description_label.text()

    combo.setCurrentIndex(combo.findData("conv"))
    assert (model_panel.epochs_spin.value(), model_panel.batch_size_spin.value()) == (50, 128)
    qtbot.waitUntil(lambda: "4,385" in model_panel.params_label.text(), timeout=TIMEOUT)
    assert "Conv2D" in [table.item(r, 1).text() for r in range(table.rowCount())]

    combo.setCurrentIndex(combo.findData("denoise"))
    assert model_panel.train_noise_spin.value() == pytest.approx(0.5)
    qtbot.waitUntil(lambda: session.arch_id == "denoise" and not session.is_busy,
                    timeout=TIMEOUT)
    # Resetting keeps what the user set for this architecture.
    model_panel.epochs_spin.setValue(7)
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        click(qtbot, model_panel.reset_button)
    assert model_panel.epochs_spin.value() == 7


def test_save_asks_before_overwriting_and_load_reads_it_back(qtbot, ready, tmp_path,
                                                            monkeypatch):
    session, model_panel, _ = ready
    out = tmp_path / "saved"
    out.mkdir()
    monkeypatch.setattr(model_panel, "_ask_save_folder", lambda: str(out))
    asked = []
    monkeypatch.setattr(model_panel, "_confirm_overwrite",
                        lambda target: asked.append(target) or False)
    with qtbot.waitSignal(session.status_message, timeout=TIMEOUT):
        click(qtbot, model_panel.save_button)
    target = store.weights_path("simple", out)
    assert target.exists() and asked == []
    assert "saved" in model_panel.status_hint.text()
    stamp = target.stat().st_mtime_ns
    click(qtbot, model_panel.save_button)
    assert asked == [target]
    assert target.stat().st_mtime_ns == stamp  # declined: nothing written

    monkeypatch.setattr(model_panel, "_ask_weights_file", lambda: str(target))
    with qtbot.waitSignal(session.weights_info_changed, timeout=TIMEOUT):
        click(qtbot, model_panel.load_button)
    assert "loaded simple.weights.h5" in model_panel.weights_info_label.text()
    monkeypatch.setattr(model_panel, "_ask_weights_file", lambda: "")
    click(qtbot, model_panel.load_button)  # a cancelled dialog does nothing


def test_the_loaded_weights_history_shows_until_a_run_starts(qtbot, ready, tiny, tmp_path):
    session, model_panel, _ = ready
    set_run(model_panel, epochs=2, batch_size=64)
    train_and_wait(qtbot, session, model_panel)
    folder = tmp_path / "pretrained"
    saved = []
    session.save_weights(folder, on_saved=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=TIMEOUT)

    other = Session(dataset=tiny, trained_dir=folder)
    try:
        model_panel2, panel = make_panels(qtbot, other)
        with qtbot.waitSignal(other.model_changed, timeout=TIMEOUT):
            other.start()
        plot = panel.loss_plot.getPlotItem()
        history = panel.history_curves["train"]
        assert history in plot.listDataItems()
        assert list(history.getData()[0]) == [1.0, 2.0]
        assert any(t.startswith("loaded weights: simple, adam, 2 epochs")
                   for t in legend_texts(panel))
        assert not panel.placeholder.isVisible()
        assert "pre-trained" in model_panel2.weights_info_label.text()
        set_run(model_panel2, epochs=1, batch_size=64)
        with qtbot.waitSignal(other.training_started, timeout=TIMEOUT):
            click(qtbot, model_panel2.train_button)
        assert history not in plot.listDataItems()
        click(qtbot, model_panel2.stop_button)
        qtbot.waitUntil(lambda: not other.is_training, timeout=TIMEOUT)
    finally:
        assert other.shutdown(5000)


# ------------------------------------------------------------ the main window
def test_closing_the_main_window_mid_run_leaves_no_thread(qtbot, tiny, tmp_path):
    for name in ("explorer.features.reconstructions.panel", "explorer.features.latent_codes.panel",
                 "explorer.features.kmeans.panel"):
        pytest.importorskip(name)
    from explorer.services import workers
    from explorer.ui.main_window import MainWindow

    window = MainWindow(dataset=tiny, trained_dir=tmp_path)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.session.backend_ready, timeout=TIMEOUT):
        window.show()
    panel = window.model_panel
    assert window.training_panel.loss_plot.objectName() == "loss_plot"
    panel.train_limit = (256, 64)
    set_run(panel, epochs=50, batch_size=2)
    qtbot.waitUntil(panel.train_button.isEnabled, timeout=TIMEOUT)
    with qtbot.waitSignal(window.session.batch_finished, timeout=TIMEOUT):
        click(qtbot, panel.train_button)
    assert window.session.is_training
    window.close()
    assert workers.running_threads() == []
