"""The Latent codes tab's state, without widgets and without TensorFlow.

The session is the program's own, never started; the test answers what the
state asks of the model thread (see tests/scripted_session.py).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.core import views
from explorer.features.latent_codes.state import (
    LOADING,
    SPARSITY_KEY,
    LatentCodesState,
    SparsityJob,
    SparsityResult,
)

WAIT = 10000  # the delay timer must fire; the machine is shared
GREY_LUT = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
RED_LUT = np.stack([np.arange(256), np.zeros(256), np.zeros(256)], axis=1).astype(np.uint8)


@pytest.fixture
def state(session, shown):
    return LatentCodesState(session, is_shown=shown)


@pytest.fixture
def ready(session, state):
    session.become_ready("pre-trained: conv")
    session.answer_view()
    return state


def _signals(signal) -> list:
    got = []
    signal.connect(lambda *args: got.append(args))
    return got


def _stats(seed: int, scale: float = 1.0) -> views.SparsityStats:
    codes = np.maximum(np.random.default_rng(seed).normal(size=(50, 32)), 0) * scale
    return views.sparsity_stats(codes)


def test_before_the_model_the_digits_wait_for_their_codes(session, state, tiny):
    np.testing.assert_array_equal(state.drawing.digits, tiny.x_test[:10])
    assert state.drawing.pictures == [] and state.drawing.message == LOADING
    assert "waiting for the model" in state.caption
    assert state.sparsity_text == f"Sparsity over the test split: {LOADING}"
    session.selection.set_mode("random", seed=2)  # other digits: drawn at once
    np.testing.assert_array_equal(state.drawing.digits, tiny.x_test[session.selection.indices])
    assert not state.can_export and state.current_codes is None


def test_conv_codes_are_drawn_as_the_seed_draws_them(session, ready):
    view = ready.current_view
    assert len(ready.code_images) == 10
    for picture, code in zip(ready.code_images, view.codes, strict=True):
        np.testing.assert_array_equal(picture, code.reshape(4, 32).T)
    assert ready.levels == (0.0, pytest.approx(float(view.codes.max())))
    drawing = ready.drawing
    assert drawing.pictures is ready.code_images and drawing.levels == ready.levels
    assert drawing.digits is view.inputs and drawing.message == ""
    assert "4x4x8 code, drawn 32x4 as the seed draws it" in ready.caption
    assert "The inputs carry noise" not in ready.caption
    session.selection.set_noise(0.4)
    session.answer_view()
    assert ready.drawing.digits is ready.current_view.noisy
    assert "The inputs carry noise 0.40" in ready.caption


def test_a_state_made_after_the_view_shows_it_at_once(session, ready, shown):
    late = LatentCodesState(session, is_shown=shown)
    assert late.current_view is ready.current_view and len(late.code_images) == 10


def test_choosing_a_code_and_keeping_it_across_views(session, ready):
    selected, cleared = _signals(ready.code_selected), _signals(ready.code_cleared)
    assert ready.selected_values().size == 0 and ready.selected_title() == ""
    for column in (-1, 10):  # outside the ten codes: nothing happens
        ready.select_code(column)
    assert selected == [] and ready.selected_code is None
    ready.select_code(3)
    view = ready.current_view
    assert selected == [(3,)]
    np.testing.assert_array_equal(ready.selected_values(), view.codes[3].ravel())
    assert ready.selected_title() == (f"Digit {view.labels[3]} (test #{view.indices[3]}): "
                                      "its 128 code values, the 4x4x8 code flattened")
    session.selection.set_noise(0.3)  # a new view of the same digits: the same column
    new = session.answer_view()
    assert ready.selected_code == 3 and selected[-1] == (3,)
    np.testing.assert_array_equal(ready.selected_values(), new.codes[3].ravel())
    session.selection.set_indices([0, 1])  # too few digits for column 3: the choice goes
    session.answer_view()
    assert ready.selected_code is None and cleared[-1] == ()


def test_dense_codes_have_a_plain_title(session, ready):
    session.switch_to("simple")
    session.answer_view()
    assert ready.code_images[0].shape == (4, 8) and "as 4 rows of 8" in ready.caption
    ready.select_code(0)
    assert ready.selected_title().endswith("its 32 code values")


def test_codes_of_a_diverged_model_get_a_finite_scale(session, ready):
    view = ready.current_view
    codes = view.codes.copy()
    codes[0].flat[0] = np.inf
    codes[1].flat[1] = np.nan
    session.selection.view_updated.emit(dataclasses.replace(view, codes=codes))
    assert ready.current_codes is codes
    assert ready.levels == (0.0, float(codes[np.isfinite(codes)].max()))
    ready.select_code(0)
    assert ready.selected_code == 0


def test_sparsity_is_asked_once_the_weights_settle_and_recorded_per_architecture(
        qtbot, session, ready):
    qtbot.waitUntil(lambda: SPARSITY_KEY in session.requests, timeout=WAIT)
    request = session.requests[SPARSITY_KEY]
    assert request.fn == SparsityJob("pre-trained: conv") and request.during_training is False
    assert ready.sparsity_text == "Sparsity over the test split: computing…"
    updated = _signals(ready.stats_updated)
    stats = _stats(0)
    session.answer(SPARSITY_KEY, SparsityResult("conv", stats, 64, "pre-trained: conv"))
    assert ready.latest_stats is stats and updated == [(stats,)]
    assert ready.sparsity_records["conv"].stats is stats
    assert ready.sparsity_records["conv"].weights_note == "pre-trained: conv"
    assert ready.sparsity_text == (
        f"Over the 64 test digits (32 numbers per code): mean activation "
        f"<b>{stats.mean_activation:.3f}</b>; {stats.zero_fraction:.1%} of the activations "
        f"are exactly 0; largest {stats.max_activation:.3g}.")
    assert not ready.stats_stale


def test_new_weights_cancel_the_question_asked_for_the_old(qtbot, session, ready):
    qtbot.waitUntil(lambda: SPARSITY_KEY in session.requests, timeout=WAIT)
    session.cancelled.clear()
    session.weights_changed.emit()
    session.weights_changed.emit()  # a burst: one request after it
    assert SPARSITY_KEY not in session.requests and ready.stats_stale
    assert session.cancelled == [SPARSITY_KEY, SPARSITY_KEY]
    qtbot.waitUntil(lambda: SPARSITY_KEY in session.requests, timeout=WAIT)
    session.dataset_changed.emit()  # new data: the figures are for other digits
    assert SPARSITY_KEY not in session.requests and ready.stats_stale


def test_the_seeds_comparison_needs_simple_and_sparse(session, ready):
    for arch, seed in (("sparse", 1), ("conv", 2)):
        ready.request_stats()
        session.answer(SPARSITY_KEY, SparsityResult(arch, _stats(seed), 64, "fresh weights"))
    assert not ready.shows_comparison
    assert [r.arch_id for r in ready.comparison_rows()] == ["sparse", "conv"]
    ready.request_stats()
    simple = _stats(3, scale=2.0)
    session.answer(SPARSITY_KEY, SparsityResult("simple", simple, 64, "pre-trained: simple"))
    assert ready.shows_comparison
    rows = ready.comparison_rows()
    assert [r.arch_id for r in rows] == ["simple", "sparse", "conv"]  # the registry's order
    assert rows[0].cells == ("simple", f"{simple.mean_activation:.3f}",
                             f"{simple.zero_fraction:.1%}", "7.30")
    assert rows[1].cells[3] == "3.33" and rows[2].cells[3] == ""
    assert rows[0].tooltip == "weights: pre-trained: simple"
    assert rows[1].tooltip == "weights: fresh weights"
    assert "(the tutorial: 7.30)" in ready.sparsity_text


def test_a_hidden_tab_or_a_training_run_holds_the_figures_back(qtbot, session, state, shown):
    shown.value = False
    session.become_ready()
    qtbot.waitUntil(lambda: not state.stats_scheduled, timeout=WAIT)
    assert SPARSITY_KEY not in session.requests and state.stats_stale
    session.runner.is_training = True
    shown.value = True
    state.on_shown()
    assert state.sparsity_text == "Sparsity over the test split: measured when the training stops"
    assert SPARSITY_KEY not in session.requests and state.stats_stale
    session.runner.is_training = False
    state.on_shown()
    assert SPARSITY_KEY in session.requests and not state.stats_stale
    del session.requests[SPARSITY_KEY]
    state.on_shown()  # not stale: not asked again
    assert SPARSITY_KEY not in session.requests


def test_progress_and_failure_are_told(session, ready):
    ready.request_stats()
    texts = _signals(ready.sparsity_text_changed)
    session.worker.job_progress.emit("mean-loss", 0.3, "")
    session.worker.job_progress.emit(SPARSITY_KEY, 0.3, "")
    session.worker.job_progress.emit(SPARSITY_KEY, 1.0, "")
    assert texts == [("Sparsity over the test split: computing… 30%",)]
    session.fail(SPARSITY_KEY, "no memory")
    assert ready.sparsity_text == "Sparsity over the test split: failed (no memory)"
    assert ready.latest_stats is None


def test_export_colours_the_codes_and_keeps_the_digits_grey(session, state, tmp_path):
    messages, errors = _signals(session.status_message), _signals(session.error_raised)
    assert state.export_png(tmp_path / "early.png", RED_LUT) is None
    assert messages == [("Nothing to export yet: no codes computed",)]
    session.become_ready()
    session.answer_view()
    assert state.can_export
    written = state.export_png(tmp_path / "codes", RED_LUT)
    assert written == str(tmp_path / "codes.png")
    image = QImage(written)
    # digits over the 32x4 conv codes, enlarged twice, then 4 times for the file
    assert (image.width(), image.height()) == (4 * (10 * 28 + 9 * 4), 4 * (28 + 4 + 64))
    assert not image.isGrayscale()
    assert QImage(state.export_png(tmp_path / "grey.png", GREY_LUT)).isGrayscale()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert state.export_png(blocker / "x.png", RED_LUT) is None
    assert len(errors) == 1 and errors[0][0].startswith("Could not export the PNG")


def test_the_states_import_and_run_without_tensorflow(tmp_path):
    """What the states do needs no Keras: the view's answers are plain numpy."""
    tests = Path(__file__).resolve().parents[1]
    code = f"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, {str(tests)!r})
import numpy as np
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from explorer.core.data import Dataset
from explorer.features.latent_codes.state import LatentCodesState
from explorer.features.reconstructions.state import ReconstructionsState
from scripted_session import ScriptedSession
rng = np.random.default_rng(0)
x = rng.random((40, 28, 28), dtype=np.float32)
y = np.arange(40) % 10
session = ScriptedSession(Dataset(x, y, x, y, "random"), {str(tmp_path)!r})
recon, latent = ReconstructionsState(session), LatentCodesState(session)
session.become_ready()
session.selection.set_noise(0.5)
session.answer_view()
assert recon.current_view is latent.current_view and len(latent.code_images) == 10
assert session.shutdown(5000)
print("loaded:", sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
"""
    root = tests.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    assert "loaded: []" in out.stdout
