"""The map tabs' projection state without widgets or TensorFlow: choosing, cancelling,
stale frames, and no t-SNE after every epoch of a training run."""

from __future__ import annotations

import numpy as np
import pytest
from scripted_session import ScriptedSession, Shown
from test_latent_space_state import map_requested, synthetic_answer

from explorer.core import training
from explorer.core.projection_runs import ProjectionChoice
from explorer.features.latent_space import jobs
from explorer.features.latent_space.lab import LatentSpaceLab

WAIT = 10000


@pytest.fixture
def session(qtbot, tiny, tmp_path):
    s = ScriptedSession(tiny, tmp_path, arch_id="simple")
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def mapped(qtbot, session):
    lab = LatentSpaceLab(session, is_shown=Shown())
    session.become_ready("pre-trained: simple")
    map_requested(qtbot, session)
    session.answer(jobs.MAP_KEY, synthetic_answer(session))
    return lab


def test_choosing_t_sne_asks_for_a_map_made_by_it_with_the_chosen_perplexity(qtbot, session, mapped):
    state = mapped.map
    running = []
    state.projection.running_changed.connect(lambda on, text: running.append((on, text)))
    state.set_choice(ProjectionChoice.of("tsne", perplexity=12.0))
    request = session.requests[jobs.MAP_KEY]
    assert request.fn.projector.name == "tsne" and request.fn.projector.fn is not None
    assert running[-1] == (True, "t-SNE (perplexity 12): starting…")
    codes = mapped.latent_map.codes
    session.answer(jobs.MAP_KEY, synthetic_answer(session, codes[:, :2] * 1.0, "tsne"))
    assert running[-1][0] is False and state.shown_choice.method == "tsne"
    assert "t-SNE" in state.status


def test_cancel_forgets_the_job_and_goes_back_to_the_map_on_screen(qtbot, session, mapped):
    state = mapped.map
    shown = state.answer
    redrawn = []
    state.map_changed.connect(redrawn.append)
    state.set_choice(ProjectionChoice.of("umap"))
    state.cancel()
    assert jobs.MAP_KEY in session.cancelled and jobs.MAP_KEY not in session.requests
    assert state.shown_choice.is_linear and state.projection.choice.is_linear
    assert redrawn == [shown]  # any frame drawn meanwhile is replaced by the map on screen
    session.weights_changed.emit()  # the next map is PCA again, not the cancelled UMAP
    request = map_requested(qtbot, session)
    assert request.fn.projector.is_linear


def test_frames_of_a_replaced_request_never_reach_the_plot(qtbot, session, mapped):
    state = mapped.map
    frames = []
    state.frame_shown.connect(frames.append)
    state.set_choice(ProjectionChoice.of("tsne", perplexity=20.0))
    old = state.projection.relay.generation
    state.set_choice(ProjectionChoice.of("tsne", perplexity=25.0))  # replaces the first
    assert not state.projection.relay.put(old, np.zeros((5, 2)), 0.5)
    session.worker.job_progress.emit(jobs.MAP_KEY, 0.5, "")
    assert frames == []
    new = state.projection.relay.generation
    assert state.projection.relay.put(new, np.ones((5, 2)), 0.6)
    session.worker.job_progress.emit(jobs.MAP_KEY, 0.6, "")
    assert len(frames) == 1 and np.all(frames[0] == 1)


def test_during_training_a_t_sne_map_waits_for_the_end_of_the_run(qtbot, session, mapped):
    state = mapped.map
    state.set_choice(ProjectionChoice.of("tsne"))
    codes = mapped.latent_map.codes
    session.answer(jobs.MAP_KEY, synthetic_answer(session, codes[:, :2] * 1.0, "tsne"))
    session.runner.is_training = True  # as TrainingRunner.train sets it
    session.training_started.emit(training.TrainConfig("simple", epochs=2, batch_size=8))
    session.weights_changed.emit()  # an epoch ended
    qtbot.wait(50)
    assert jobs.MAP_KEY not in session.requests and state.is_stale
    assert state.status.endswith("redrawn when training ends")
    session.runner.is_training = False
    session.weights_changed.emit()  # the run ended
    request = map_requested(qtbot, session)
    assert request.fn.projector.name == "tsne"
