"""The Training tab's state (features/training/state.py, curves.py) without widgets.

A Session that is never started stands for the model thread: its signals are
emitted here as the trainer's listener would, so no TensorFlow is imported
and no widget is made.
"""

from __future__ import annotations

import math

import pytest

from explorer.core import store, training
from explorer.features.training import curves
from explorer.features.training.state import (
    CLICK_TRAIN,
    LOADING_TEXT,
    NO_RUN_TITLE,
    RUNS_ON_PLOT,
    TrainingRuns,
)
from explorer.services.weights import Current


def progress(epoch, batch, loss, elapsed=math.nan, batches=10, rate=500.0, eta=12.0):
    return training.BatchProgress(epoch, batch, batches, loss, rate, eta, elapsed)


def epoch_result(epoch, train, val, elapsed, epochs=2):
    return training.EpochResult(epoch, epochs, train, val, 500.0, 0.0, elapsed)


def recorded(signal) -> list:
    seen = []
    signal.connect(lambda *args: seen.append(args[0] if len(args) == 1 else args))
    return seen


def metadata(history=((0.30, 0.31), (0.20, None))) -> store.Metadata:
    return store.Metadata("simple", "3", "adadelta", 1.0, len(history), 256, 0.0,
                          0.2, None, "embedded MNIST sample", "2026-01-01", history)


@pytest.fixture
def runs(session) -> TrainingRuns:
    return TrainingRuns(session)


# ------------------------------------------------------------- one run's life
def test_a_run_collects_points_and_announces_batches_once_per_tick(session, runs):
    config = training.TrainConfig("simple", epochs=2, batch_size=64)
    started, due = recorded(runs.run_started), recorded(runs.batches_due)
    session.training_started.emit(config)
    run = runs.current
    assert started == [(run, None)] and run.label == "run 1: simple, adam"
    assert runs.readout.status == "training" and runs.readout.progress_text == "epoch 1/2"
    assert runs.readout.speed == "starting..."
    assert runs.settings.title == "This run" and runs.settings.values["batch"] == "64"

    for b in range(1, 6):
        session.batch_finished.emit(progress(0, b, 1.0 / b, elapsed=b * 1.5))
    assert run.batch_x == [0.1, 0.2, 0.3, 0.4, 0.5] and run.batch_y[0] == 1.0
    assert due == [], "batches are announced by the timer, not as they come"
    runs.redraw_due()
    runs.redraw_due()  # nothing new since: nothing to draw
    assert due == [run]
    readout = runs.readout
    assert readout.progress == pytest.approx(5 / 20)
    assert readout.progress_text == "epoch 1/2 · batch 5/10"
    assert readout.speed == "500 samples/s · elapsed 00:08 · 00:12 left"
    assert runs.settings.values["data"] == "10 batches per epoch"

    epochs = recorded(runs.epoch_added)
    session.epoch_finished.emit(epoch_result(1, 0.3, None, elapsed=16.0))
    assert epochs == [run] and run.epoch_x == [1.0] and run.train_y == [0.3]
    assert math.isnan(run.val_y[0])
    assert runs.readout.losses == "epoch 1: train 0.3000 · validation –"
    x, y = run.val_curve()
    assert len(x) == len(y) == 0  # no validation split: nothing to draw

    session.training_ended.emit(training.TrainResult("finished", 2, ()))
    assert runs.readout.status == "finished: 2 epochs"
    assert runs.readout.progress == 1.0
    assert runs.readout.progress_text == "finished · 2/2 epochs"
    assert runs.readout.speed == "elapsed 00:16"


def test_elapsed_is_the_trainers_figure_with_pauses_left_out(session, runs):
    session.training_started.emit(training.TrainConfig("simple", epochs=5, batch_size=8))
    session.batch_finished.emit(progress(0, 3, 0.5, elapsed=61.0))
    assert runs.elapsed_s == 61.0
    session.paused_changed.emit(True)
    assert runs.readout.status == "paused"
    session.paused_changed.emit(False)
    assert runs.readout.status == "training"
    # However long the pause lasted, the trainer's clock went on from 61 s.
    session.batch_finished.emit(progress(0, 4, 0.4, elapsed=62.0))
    session.batch_finished.emit(progress(0, 5, 0.4))  # made without the clock: kept as it was
    runs.redraw_due()
    assert runs.elapsed_s == 62.0 and "elapsed 01:02" in runs.readout.speed
    session.training_ended.emit(training.TrainResult("stopped", 0, ()))
    assert runs.readout.status == "stopped after 0 epochs"
    assert runs.readout.speed == "elapsed 01:02"
    assert runs.readout.progress == pytest.approx(5 / 50)  # a stopped run keeps its bar


def test_a_failed_run_shows_the_first_line_of_its_error(session, runs):
    session.training_started.emit(training.TrainConfig("simple", epochs=3, batch_size=8))
    session.training_ended.emit(training.TrainResult(
        "failed", 1, (), "the loss became nan\nTry a smaller learning rate."))
    assert runs.readout.status == "failed: the loss became nan"
    assert runs.readout.progress_text == "failed · 1/3 epochs"
    assert runs.readout.speed == "elapsed 00:00"  # nothing was reported: nothing trained


def test_progress_of_a_run_begun_elsewhere_is_drawn_anyway(session, runs):
    started = recorded(runs.run_started)
    session.batch_finished.emit(progress(1, 5, 0.2, elapsed=3.0))
    run = runs.current
    assert started == [(run, None)]
    assert (run.label, run.config, run.batch_x) == ("run 1", None, [1.5])
    runs.redraw_due()
    assert runs.readout.progress_text == "epoch 2/2 · batch 5/10"
    assert runs.settings.values["data"] == "–"  # what it was trained on is not known
    session.training_ended.emit(training.TrainResult("stopped", 1, ()))


# ------------------------------------------------------ runs side by side
def test_a_second_run_takes_over_and_clear_keeps_only_a_run_in_progress(session, runs):
    session.training_started.emit(training.TrainConfig("simple", epochs=1, batch_size=8))
    session.batch_finished.emit(progress(0, 10, 0.3, elapsed=1.0))
    session.training_ended.emit(training.TrainResult("finished", 1, ()))
    first = runs.current
    started = recorded(runs.run_started)
    session.training_started.emit(training.TrainConfig("simple", epochs=4, batch_size=8,
                                                       optimizer="adadelta"))
    second = runs.current
    assert started == [(second, first)] and second.label == "run 2: simple, adadelta"
    session.batch_finished.emit(progress(0, 2, 0.6, elapsed=0.5))

    cleared, hints = recorded(runs.runs_cleared), recorded(runs.placeholder_changed)
    runs.clear()  # while the second run trains
    assert cleared == [([first], second)]
    assert runs.runs == [second] and second.batch_x == [] and hints == [""]
    session.training_ended.emit(training.TrainResult("stopped", 0, ()))
    runs.clear()
    assert cleared[-1] == ([second], None) and runs.runs == [] and runs.current is None
    assert hints[-1] == LOADING_TEXT  # the session was never started


def test_the_plot_keeps_the_latest_runs_only(session, runs):
    """Every curve costs each repaint: a lecture of many runs must not slow
    the window run by run, so the oldest leave the plot."""
    cleared = recorded(runs.runs_cleared)
    for _ in range(RUNS_ON_PLOT + 2):
        session.training_started.emit(training.TrainConfig("simple", epochs=1, batch_size=8))
        session.training_ended.emit(training.TrainResult("finished", 1, ()))
    assert [run.number for run in runs.runs] == list(range(3, RUNS_ON_PLOT + 3))
    assert [[run.number for run in removed] for removed, kept in cleared] == [[1], [2]]
    assert all(kept is None for _removed, kept in cleared)


def test_x_span_covers_the_new_run_and_the_runs_still_shown():
    long_run = curves.Run(1, "run 1", None, batch_x=[0.5, 7.25], epoch_x=[1.0, 7.0])
    assert curves.x_span([long_run], 3) == 7.25
    assert curves.x_span([long_run], 50) == 50.0
    assert curves.x_span([curves.Run(2, "run 2", None)], 2) == 2.0


# --------------------------------------------------------- the y range
def test_the_y_range_moves_only_when_a_loss_leaves_it_or_fills_too_little():
    run = curves.Run(1, "run 1", None, batch_y=[0.3, 0.2], train_y=[0.25],
                     val_y=[math.nan])
    span = 0.3 - 0.2
    assert curves.y_range_to_show(run, (0.1, 0.4)) is None  # in view: stays
    assert curves.y_range_to_show(run, (0.0, 1.0)) is None  # loose, but mid-epoch
    expected = (0.2 - curves.ROOM_BELOW * span, 0.3 + curves.ROOM_ABOVE * span)
    assert curves.y_range_to_show(run, (0.0, 1.0), refit=True) == pytest.approx(expected)
    assert curves.y_range_to_show(run, (0.25, 1.0)) == pytest.approx(expected)  # 0.2 left it
    assert curves.y_range_to_show(run, (0.18, 0.32), refit=True) is None  # filled enough
    falling = curves.Run(1, "run 1", None, batch_y=[0.05, 1.0])
    assert curves.y_range_to_show(falling, (0.5, 0.9))[0] == 0.0  # never below zero
    flat = curves.Run(1, "run 1", None, batch_y=[0.2, 0.2])
    lo, hi = curves.y_range_to_show(flat, (0.3, 0.4))
    assert lo < 0.2 < hi
    assert curves.y_range_to_show(curves.Run(1, "run 1", None), (0, 1)) is None
    diverged = curves.Run(1, "run 1", None, batch_y=[math.nan, math.inf])
    assert curves.y_range_to_show(diverged, (0, 1)) is None


def test_log_scale_leaves_the_y_range_to_the_plot(session, runs):
    changes, hints = recorded(runs.log_scale_changed), recorded(runs.placeholder_changed)
    run = curves.Run(1, "run 1", None, batch_y=[5.0])
    assert runs.follows_y and runs.y_range_for(run, (0.0, 1.0)) is not None
    runs.set_log_scale(True)
    runs.set_log_scale(True)  # no change, no signal
    assert changes == [True] and len(hints) == 1 and not runs.follows_y
    assert runs.y_range_for(run, (0.0, 1.0)) is None


# ------------------------------------------- the loaded weights, readiness
def test_the_loaded_weights_history_shows_until_a_run_starts(session, runs):
    shown, hints = recorded(runs.history_changed), recorded(runs.placeholder_changed)
    session.current = Current("simple", metadata(), "loaded")
    session.model_changed.emit("simple")
    history = runs.history
    assert shown == [history] and hints == [""]
    assert list(history.train_x) == [1.0, 2.0] and list(history.train_y) == [0.30, 0.20]
    assert list(history.val_x) == [1.0] and list(history.val_y) == [0.31]
    assert history.train_title == "loaded weights: simple, adadelta, 2 epochs"
    assert runs.settings.title == "Loaded weights"
    assert runs.settings.values["data"] == "embedded MNIST sample"

    session.training_started.emit(training.TrainConfig("simple", epochs=1, batch_size=8))
    assert shown[-1] is None and runs.history is None
    assert runs.settings.title == "This run"
    session.training_ended.emit(training.TrainResult("stopped", 0, ()))
    session.model_changed.emit("simple")  # a switch after a run: the runs stay, no history
    assert runs.history is None and shown[-1] is None


def test_weights_without_history_leave_the_box_empty(session, runs):
    session.current = Current("simple", metadata(history=()), "loaded")
    session.model_changed.emit("simple")
    assert runs.history is None
    assert runs.settings.title == NO_RUN_TITLE
    assert set(runs.settings.values.values()) == {"–"}


def test_the_empty_plot_says_what_to_do_once_the_backend_is_ready(session, runs):
    runs.show_idle()
    assert runs.readout.status == LOADING_TEXT and runs.placeholder == LOADING_TEXT
    hints = recorded(runs.placeholder_changed)
    session.backend_ready.emit()
    assert runs.readout.status == "idle" and runs.readout.progress_text == "no run yet"
    assert hints == [CLICK_TRAIN]


# ------------------------------------------------ live through validation
def test_validation_is_shown_and_the_clock_runs_on_through_it(session, runs, monkeypatch):
    from explorer.features.training import state as state_module

    now = [1000.0]
    monkeypatch.setattr(state_module.time, "monotonic", lambda: now[0])
    session.training_started.emit(training.TrainConfig("simple", epochs=2, batch_size=64))
    session.batch_finished.emit(progress(0, 10, 0.3, elapsed=20.0, eta=30.0))
    runs.redraw_due()
    assert "elapsed 00:20" in runs.readout.speed and "00:30 left" in runs.readout.speed
    session.training_progress.emit(0.5, "validating after epoch 1 of 2")
    assert runs.readout.status == "validating after epoch 1 of 2"
    now[0] += 7  # a validation pass: no batch for seconds
    runs.redraw_due()
    assert "elapsed 00:27" in runs.readout.speed and "00:23 left" in runs.readout.speed
    session.paused_changed.emit(True)
    now[0] += 60  # paused: the clock stands still
    runs.redraw_due()
    assert runs.readout.status == "paused" and "elapsed 00:27" in runs.readout.speed
    session.paused_changed.emit(False)
    now[0] += 2
    session.batch_finished.emit(progress(1, 1, 0.25, elapsed=29.0, eta=21.0))
    runs.redraw_due()
    assert runs.readout.status == "training" and "elapsed 00:29" in runs.readout.speed
