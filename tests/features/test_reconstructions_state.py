"""The Reconstructions tab's state, without widgets and without TensorFlow.

The session is the program's own, never started; the test answers what the
state asks of the model thread (see tests/scripted_session.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.core import views
from explorer.features.reconstructions.state import (
    LOADING,
    MEAN_LOSS_KEY,
    MeanLossJob,
    MeanLossResult,
    ReconstructionsState,
)
from explorer.services.selection import VIEW_KEY

WAIT = 10000  # the delay timer must fire; the machine is shared


@pytest.fixture
def state(session, shown):
    return ReconstructionsState(session, is_shown=shown)


@pytest.fixture
def ready(qtbot, session, state):
    """Ready, the first view answered and the first mean-loss request answered."""
    session.become_ready()
    session.answer_view()
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)
    session.answer(MEAN_LOSS_KEY, MeanLossResult(0.0, 0.25, session.dataset.n_test))
    session.cancelled.clear()
    return state


def _titles(state):
    return [row.title for row in state.rows]


def _signals(signal) -> list:
    got = []
    signal.connect(lambda *args: got.append(args))
    return got


def test_before_the_model_the_originals_show_and_nothing_is_asked(qtbot, session, state, tiny):
    assert _titles(state) == ["original", "reconstruction"]
    np.testing.assert_array_equal(state.rows[0].images, tiny.x_test[:10])
    assert state.rows[0].above == [str(v) for v in tiny.y_test[:10]]
    assert state.rows[1].images is None and state.rows[1].message == LOADING
    assert state.columns == 10
    assert LOADING in state.mean_loss.text
    session.selection.set_noise(0.3)  # the noisy row needs no model
    assert _titles(state) == ["original", "noisy input (0.30)", "reconstruction"]
    np.testing.assert_array_equal(state.rows[1].images,
                                  views.noisy_digits(tiny.x_test[:10], 0.3, 0))
    qtbot.waitUntil(lambda: not state.mean_loss.is_scheduled, timeout=WAIT)
    assert session.requests == {} and state.mean_loss.stale
    assert not state.can_export


def test_a_view_is_drawn_from_its_own_arrays(session, state):
    session.become_ready()
    shown, exportable = _signals(state.view_shown), _signals(state.exportable_changed)
    view = session.answer_view()
    assert state.current_view is view and shown == [(view,)] and exportable[-1] == (True,)
    assert [r.images for r in state.rows] == [view.originals, view.reconstructions]
    assert state.rows[1].below == [f"{x:.3f}" for x in view.per_digit_loss]
    assert state.rows[1].message == ""


def test_while_the_next_view_is_computed_the_last_reconstructions_stay_for_the_same_digits(
        session, ready):
    view = ready.current_view
    session.selection.set_noise(0.5)
    assert _titles(ready) == ["original", "noisy input (0.50)", "reconstruction"]
    assert ready.rows[2].images is view.reconstructions  # same digits: kept until the answer
    session.selection.set_mode("random", seed=3)
    assert ready.rows[-1].images is None and ready.rows[-1].message == "…"


def test_mean_loss_is_asked_once_the_noise_rests_at_its_last_value(qtbot, session, ready):
    assert ready.mean_loss.value == 0.25 and "0.2500" in ready.mean_loss.text
    for noise in (0.1, 0.2, 0.35):  # a drag: every change drops the waiting request
        session.selection.set_noise(noise)
        assert MEAN_LOSS_KEY not in session.requests
        assert ready.mean_loss.value is None and ready.mean_loss.stale
        assert ready.mean_loss.text == "Mean loss on the test split: computing…"
    assert session.cancelled.count(MEAN_LOSS_KEY) >= 3
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)
    request = session.requests[MEAN_LOSS_KEY]
    assert request.fn == MeanLossJob(0.35, session.selection.noise_seed)
    assert request.during_training is False  # a heavy job waits for the end of a run
    assert not ready.mean_loss.stale
    session.answer(MEAN_LOSS_KEY, MeanLossResult(0.35, 0.3125, 64))
    assert ready.mean_loss.value == 0.3125
    assert ready.mean_loss.text == ("Mean loss on the 64 test digits at noise 0.35: "
                                    "<b>0.3125</b> (binary cross-entropy)")


def test_other_digits_at_the_same_noise_keep_the_mean_loss(session, ready):
    session.selection.set_mode("random", seed=1)
    assert ready.mean_loss.value == 0.25 and MEAN_LOSS_KEY not in session.cancelled


def test_resampling_the_noise_asks_for_the_new_field(qtbot, session, ready):
    session.selection.set_noise(0.5)
    session.selection.resample_noise()
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)
    assert session.requests[MEAN_LOSS_KEY].fn == MeanLossJob(0.5, 1)


def test_a_hidden_tab_asks_when_it_is_shown(qtbot, session, ready, shown):
    shown.value = False
    session.selection.set_noise(0.4)
    qtbot.waitUntil(lambda: not ready.mean_loss.is_scheduled, timeout=WAIT)
    assert MEAN_LOSS_KEY not in session.requests and ready.mean_loss.stale
    shown.value = True
    ready.mean_loss.on_shown()
    assert session.requests[MEAN_LOSS_KEY].fn.noise == 0.4
    ready.mean_loss.on_shown()  # asked already: not again
    assert session.cancelled.count(MEAN_LOSS_KEY) == 1


def test_during_training_it_waits_for_the_new_weights(qtbot, session, ready):
    session.runner.is_training = True
    session.selection.set_noise(0.2)
    assert ready.mean_loss.text == "Mean loss on the test split: shown when the training stops"
    qtbot.waitUntil(lambda: not ready.mean_loss.is_scheduled, timeout=WAIT)
    assert MEAN_LOSS_KEY not in session.requests and ready.mean_loss.stale
    session.runner.is_training = False
    session.weights_changed.emit()  # the run's end
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)
    assert session.requests[MEAN_LOSS_KEY].fn.noise == 0.2


def test_progress_and_failure_are_told(qtbot, session, ready):
    session.selection.set_noise(0.6)
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)
    texts = _signals(ready.mean_loss.text_changed)
    session.worker.job_progress.emit(VIEW_KEY, 0.5, "")  # another job's progress
    session.worker.job_progress.emit(MEAN_LOSS_KEY, 0.45, "")
    session.worker.job_progress.emit(MEAN_LOSS_KEY, 1.0, "")  # done: the answer says it
    assert texts == [("Mean loss on the test split: computing… 45%",)]
    session.fail(MEAN_LOSS_KEY, "out of memory")
    assert ready.mean_loss.text == "Mean loss on the test split: failed (out of memory)"
    assert ready.mean_loss.value is None


def test_a_failed_view_says_why_where_the_reconstructions_go(session, ready):
    messages = _signals(session.status_message)
    session.selection.set_noise(0.25)
    session.fail(VIEW_KEY, "graph broke")
    assert ready.rows[-1].images is None
    assert ready.rows[-1].message == "could not reconstruct: graph broke"
    assert ready.rows[1].title == "noisy input (0.25)"  # the inputs still show
    assert ("Reconstructions failed: graph broke",) in messages


def test_a_selection_the_data_cannot_give_is_refused_in_the_status_bar(session, state):
    messages = _signals(session.status_message)
    session.selection.refused.emit("Cannot show those digits: no digit 0")
    assert messages == [("Cannot show those digits: no digit 0",)]


def test_new_data_forgets_the_view(qtbot, session, ready, tiny):
    exportable = _signals(ready.exportable_changed)
    session.set_dataset(tiny.subset(64, 32))
    assert ready.current_view is None and exportable == [(False,)] and not ready.can_export
    assert ready.rows[-1].images is None and ready.rows[-1].message == "…"
    assert MEAN_LOSS_KEY in session.cancelled and ready.mean_loss.value is None
    qtbot.waitUntil(lambda: MEAN_LOSS_KEY in session.requests, timeout=WAIT)


def test_export_writes_the_seeds_layout(session, ready, tmp_path):
    messages = _signals(session.status_message)
    assert ready.export_suggestion() == ("conv_reconstructions.png",
                                         "originals and reconstructions")
    written = ready.export_png(tmp_path / "grid")
    assert written == str(tmp_path / "grid.png") and (f"Saved {written}",) in messages
    image = QImage(written)
    assert (image.width(), image.height()) == (4 * (10 * 28 + 9 * 4), 4 * (2 * 28 + 4))
    session.selection.set_noise(0.5)
    session.answer_view()
    assert ready.export_suggestion()[1] == "originals, noisy inputs and reconstructions"
    image = QImage(ready.export_png(tmp_path / "noisy.png"))
    assert image.height() == 4 * (3 * 28 + 2 * 4)


def test_export_without_a_view_or_to_a_bad_place_says_so(session, state, tmp_path):
    messages, errors = _signals(session.status_message), _signals(session.error_raised)
    assert state.export_png(tmp_path / "x.png") is None and not (tmp_path / "x.png").exists()
    assert messages == [("Nothing to export yet: the model has not answered",)]
    session.become_ready()
    session.answer_view()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert state.export_png(blocker / "x.png") is None
    assert len(errors) == 1 and errors[0][0].startswith("Could not export the PNG")
