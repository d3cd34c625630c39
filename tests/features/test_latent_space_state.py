"""The Latent space tab's state, without widgets and without TensorFlow.

The session is the program's own, never started; the test answers what the
state asks of the model thread (tests/scripted_session.py), with maps made
from synthetic codes.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import latent_map as lm
from explorer.core.latent_space import Clusters, Decoded
from explorer.core.projection import pca_2d
from explorer.features.latent_space import jobs
from explorer.features.latent_space.jobs import MapAnswer, MapJob, Projector
from explorer.features.latent_space.lab import LatentSpaceLab
from explorer.features.latent_space.map_state import LOADING

WAIT = 10000
ARCH_ID = "simple"  # the session fixture's model (tests/features/conftest.py)


@pytest.fixture
def lab(session, shown):
    return LatentSpaceLab(session, is_shown=shown)


def synthetic_answer(session, projection=None, method=None) -> MapAnswer:
    """A map of stand-in codes of the test digits: a fixed random projection through a ReLU."""
    x = session.dataset.x_test.reshape(session.dataset.n_test, -1)
    codes = np.maximum(x @ np.random.default_rng(0).normal(size=(784, 32)), 0).astype(np.float32)
    n = len(codes)
    m = lm.make_latent_map(codes, pca_2d(codes) if projection is None else projection,
                           session.dataset.y_test, np.arange(n), session.dataset.x_test,
                           "simple", (32,), method)
    return MapAnswer(m, lm.principal_axes(codes), lm.unit_axes(codes), session.weights_note)


def map_requested(qtbot, session):
    """The map request, once the state has made it (after its coalescing timer)."""
    qtbot.waitUntil(lambda: jobs.MAP_KEY in session.requests, timeout=WAIT)
    return session.requests[jobs.MAP_KEY]


@pytest.fixture
def mapped(qtbot, session, lab):
    session.become_ready("pre-trained: simple")
    request = map_requested(qtbot, session)
    session.answer(jobs.MAP_KEY, synthetic_answer(session))
    assert request.fn.weights_note == "pre-trained: simple"
    return lab


def _signals(signal) -> list:
    got = []
    signal.connect(lambda *args: got.append(args))
    return got


def test_before_the_model_the_map_waits_and_nothing_is_asked(session, lab):
    assert lab.map.status == LOADING and lab.latent_map is None
    assert not lab.decode_at(0.0, 0.0)
    lab.set_picture(np.ones((40, 40)))
    lab.set_grid(True)
    lab.set_view((0, 1), (0, 1))
    assert session.requests == {}


def test_the_map_is_asked_for_the_first_test_digits_once_the_model_is_ready(qtbot, session, mapped):
    lab = mapped
    assert jobs.MAP_KEY not in session.requests  # answered
    assert lab.latent_map.n == session.dataset.n_test
    assert lab.map.status.startswith(f"{session.dataset.n_test:,} test digits · codes of the simple model")
    assert "PCA axes" in lab.map.status
    # the sliders start from the first shown digit
    assert lab.chosen_row == int(session.selection.indices[0])


def test_map_job_carries_the_count_and_the_projector(qtbot, session, lab):
    session.become_ready()
    request = map_requested(qtbot, session)
    assert request.fn == MapJob(session.dataset.n_test, Projector(), session.weights_note)
    assert request.during_training  # the map follows the weights during a run


def test_decode_anywhere_asks_for_the_latest_point_only(qtbot, session, mapped):
    lab = mapped
    decoded = _signals(lab.decoded)
    lab.decode_at(1.0, 2.0)
    lab.decode_at(3.0, -4.0)  # replaces the waiting one
    request = session.requests[jobs.DECODE_KEY]
    assert request.fn.xy == (3.0, -4.0) and request.fn.latent_map is lab.latent_map
    answer = Decoded(np.zeros((28, 28)), np.zeros(32), np.array([3.0, -4.0]), 1.0, 2.0, "x")
    session.answer(jobs.DECODE_KEY, answer)
    assert decoded == [(answer,)]
    lab.pin(5.0, 6.0, row=7)
    assert lab.probe == (5.0, 6.0) and lab.chosen_row == 7
    assert session.requests[jobs.DECODE_KEY].fn.xy == (5.0, 6.0)
    session.requests.clear()
    lab.mouse_left()  # back to the pinned point
    assert session.requests[jobs.DECODE_KEY].fn.xy == (5.0, 6.0)


def test_the_map_follows_the_weights_after_each_epoch_while_shown(qtbot, session, mapped, shown):
    lab = mapped
    session.runner.is_training = True
    session.weights_changed.emit()  # an epoch ended
    map_requested(qtbot, session)
    session.answer(jobs.MAP_KEY, synthetic_answer(session))
    assert "follows the weights after each epoch" in lab.map.status
    # the pinned point, the grid and the drawing are decoded again with the new weights
    lab.pin(0.5, 0.5)
    lab.set_grid(True)
    lab.set_view((-1.0, 1.0), (-2.0, 2.0))
    lab.set_picture(np.ones((50, 50)))
    session.requests.clear()
    session.weights_changed.emit()
    map_requested(qtbot, session)
    answer = synthetic_answer(session)
    session.answer(jobs.MAP_KEY, answer)
    for key in (jobs.DECODE_KEY, jobs.GRID_KEY, jobs.DRAWING_KEY):
        assert session.requests[key].fn.latent_map is answer.latent_map, key
    # a hidden tab asks nothing, and asks once shown
    session.requests.clear()
    shown.value = False
    session.weights_changed.emit()
    qtbot.wait(50)
    assert jobs.MAP_KEY not in session.requests and lab.map.is_stale
    shown.value = True
    lab.map.on_shown()
    assert jobs.MAP_KEY in session.requests


def test_the_decoder_grid_follows_the_view_and_its_density(session, mapped):
    lab = mapped
    grids = _signals(lab.grid_changed)
    lab.set_view((-2.0, 2.0), (-1.0, 3.0))
    assert jobs.GRID_KEY not in session.requests  # off until switched on
    lab.set_grid(True)
    fn = session.requests[jobs.GRID_KEY].fn
    assert (fn.x_range, fn.y_range, fn.n) == ((-2.0, 2.0), (-1.0, 3.0), 9)
    lab.set_grid_density(15)
    assert session.requests[jobs.GRID_KEY].fn.n == 15
    lab.set_grid_density(99)
    assert lab.grid_density == 25
    lab.set_view((0.0, 1.0), (0.0, 1.0))  # a pan: asked again for the new rectangle
    assert session.requests[jobs.GRID_KEY].fn.x_range == (0.0, 1.0)
    lab.set_grid(False)
    assert jobs.GRID_KEY not in session.requests and grids[-1] == (None,)


def test_a_drawing_is_read_with_the_k_means_centroids_when_there_are_any(session, mapped):
    lab = mapped
    picture = np.ones((100, 100), np.float32)
    picture[20:80, 45:55] = 0
    lab.set_picture(picture)
    request = session.requests[jobs.DRAWING_KEY]
    np.testing.assert_array_equal(request.fn.picture, picture)
    assert request.fn.clusters is None
    clusters = Clusters(np.zeros((3, 32)), None, "latent", "simple")
    session.clusters.publish(clusters)  # the K-means lab stepped: read again
    assert session.requests[jobs.DRAWING_KEY].fn.clusters is clusters
    drawn = _signals(lab.drawing_changed)
    lab.clear_drawing()
    assert jobs.DRAWING_KEY not in session.requests and drawn == [(None,)]
    session.clusters.publish(None)
    assert jobs.DRAWING_KEY not in session.requests  # nothing drawn: nothing to read


def test_the_sliders_move_the_chosen_digit_along_principal_axes_or_units(session, mapped):
    lab = mapped
    lab.choose(5)
    lab.set_slider(0, 1.5)
    fn = session.requests[jobs.SLIDERS_KEY].fn
    assert fn.row == 5 and fn.values[:2] == (1.5, 0.0) and fn.axes.kind == "principal"
    assert fn.what == "test digit #5 moved: PC1 +1.5"
    lab.set_slider(1, 10.0)  # clipped to the sliders' reach
    assert session.requests[jobs.SLIDERS_KEY].fn.values[1] == 3.0
    axes = _signals(lab.axes_changed)
    lab.set_axes_kind("units")
    assert axes[-1][0].kind == "units" and not lab.slider_values.any()
    lab.set_slider(2, -1.0)
    assert session.requests[jobs.SLIDERS_KEY].fn.axes.kind == "units"
    with pytest.raises(ValueError):
        lab.set_axes_kind("random")


def test_interpolation_is_asked_once_both_ends_are_set_and_plays_there_and_back(
        qtbot, session, mapped):
    interp = mapped.interpolation
    interp.set_endpoint("a", 3)
    assert jobs.INTERPOLATION_KEY not in session.requests
    interp.set_endpoint("b", 8)
    fn = session.requests[jobs.INTERPOLATION_KEY].fn
    assert (fn.row_a, fn.row_b, fn.steps) == (3, 8, 12)
    interp.set_steps(4)  # at least ten steps
    assert session.requests[jobs.INTERPOLATION_KEY].fn.steps == 10
    with pytest.raises(ValueError, match="not in the test split"):
        interp.set_endpoint("a", 10**6)

    class Result:  # what the state needs of an Interpolation
        steps = 3

    session.answer(jobs.INTERPOLATION_KEY, Result())
    frames = _signals(interp.frame_changed)
    for _ in range(5):
        interp.advance()
    assert [f for (f,) in frames] == [1, 2, 1, 0, 1]
    playing = _signals(interp.playing_changed)
    interp.toggle_play()
    qtbot.waitUntil(lambda: len(frames) > 7, timeout=WAIT)
    interp.toggle_play()
    assert playing == [(True,), (False,)] and not interp.is_playing
    interp.clear()
    assert interp.result is None and interp.rows == {"a": None, "b": None}


def test_a_non_linear_projection_can_be_swapped_in_and_says_its_codes_are_estimated(
        qtbot, session, mapped):
    lab = mapped

    def spiral(codes, state):
        t = np.linalg.norm(codes, axis=1)
        return np.column_stack([t * np.cos(t), t * np.sin(t)])

    projector = Projector("t-SNE", spiral)
    lab.map.set_projector(projector)
    request = session.requests[jobs.MAP_KEY]
    assert request.fn.projector is projector and not projector.is_linear
    codes = lab.latent_map.codes
    session.answer(jobs.MAP_KEY, synthetic_answer(session, spiral(codes, None), "t-SNE"))
    assert not lab.latent_map.is_exact and lab.latent_map.method == "t-SNE"
    assert "estimated from the 8 nearest test digits" in lab.latent_map.how_lifted
    assert lab.map.status.endswith("t-SNE")


def test_new_data_forgets_the_digits_picked_in_the_old(qtbot, session, mapped, tiny):
    lab = mapped
    lab.interpolation.set_endpoint("a", 40)
    lab.interpolation.set_endpoint("b", 50)
    lab.pin(1.0, 1.0, row=45)
    session.set_dataset(tiny.subset(64, 20))  # rows 40..50 no longer exist
    assert lab.interpolation.rows == {"a": None, "b": None} and lab.probe is None
    assert lab.chosen_row == int(session.selection.indices[0]) < 20
    map_requested(qtbot, session)  # and the new digits are mapped
