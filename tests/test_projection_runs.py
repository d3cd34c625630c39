"""The projection choice, the frame relay and run_projection (core, no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import blobs

from explorer.core import tasks
from explorer.core.projection_cache import ProjectionCache
from explorer.core.projection_runs import FrameRelay, ProjectionChoice, run_projection


def test_a_choice_keeps_only_its_methods_parameters_and_describes_them():
    c = ProjectionChoice.of("tsne", perplexity=20.0, n_neighbors=5)
    assert c.params == (("perplexity", 20.0),) and not c.is_linear
    assert c.describe() == "t-SNE (perplexity 20)"
    assert ProjectionChoice.of("umap", n_neighbors=10, min_dist=0.25).describe() == \
        "UMAP (n_neighbors 10, min_dist 0.25)"
    assert ProjectionChoice().is_linear and ProjectionChoice().describe() == "PCA"
    with pytest.raises(ValueError, match="unknown projection"):
        ProjectionChoice("mds")


def test_the_relay_hands_out_the_newest_frame_once_and_never_one_of_an_older_run():
    relay = FrameRelay()
    first = relay.new_run()
    assert relay.put(first, np.zeros((4, 2)), 0.2)
    assert relay.put(first, np.ones((4, 2)), 0.4)  # replaces the one not yet taken
    coords, fraction = relay.take()
    assert np.all(coords == 1) and fraction == 0.4
    assert relay.take() is None  # once
    relay.put(first, np.zeros((4, 2)), 0.6)
    second = relay.new_run()  # a newer request: what the old run left is dropped
    assert relay.take() is None
    assert not relay.put(first, np.zeros((4, 2)), 0.8)
    assert relay.put(second, np.full((4, 2), 2.0), 0.1) and relay.take()[1] == 0.1


class Recording(tasks.Task):
    def __init__(self):
        super().__init__()
        self.reports: list[tuple[float, str]] = []

    def set_progress(self, fraction: float, text: str = "") -> None:
        self.reports.append((fraction, text))
        super().set_progress(fraction, text)


def test_t_sne_layouts_reach_the_relay_as_it_optimises_each_announced_by_a_progress_report():
    points, _labels = blobs(200)
    relay, state = FrameRelay(), Recording()
    generation = relay.new_run()
    taken = []
    original_put = relay.put

    def put(gen, coords, fraction):
        kept = original_put(gen, coords, fraction)
        taken.append(relay.take())
        return kept

    relay.put = put
    choice = ProjectionChoice.of("tsne", perplexity=15.0)
    result = run_projection(points, choice, state, relay, generation)
    assert result.coords.shape == (200, 2)
    assert len(taken) >= 2 and all(t[0].shape == (200, 2) for t in taken)
    announced = [r for r in state.reports if r[1] == "t-SNE: laying out the map"]
    assert len(announced) == len(taken)
    assert [t[1] for t in taken] == sorted(t[1] for t in taken)  # the layouts go forward


def test_a_cancelled_run_delivers_no_more_frames_and_no_map():
    points, _ = blobs(200)
    relay, state = FrameRelay(), tasks.Task()
    generation = relay.new_run()
    count = [0]
    original_put = relay.put

    def put(gen, coords, fraction):
        count[0] += 1
        state.cancel()  # the user pressed Cancel after the first frame
        return original_put(gen, coords, fraction)

    relay.put = put
    with pytest.raises(tasks.Cancelled):
        run_projection(points, ProjectionChoice.of("tsne", perplexity=14.0), state, relay,
                       generation, seed=3)
    assert count[0] == 1


def test_pca_needs_no_relay_and_the_cache_answers_a_repeated_request(monkeypatch):
    from explorer.core import projection

    cache = ProjectionCache()
    monkeypatch.setattr(projection, "DEFAULT_CACHE", cache)
    points, _ = blobs(100)
    a = projection.project(points, "pca", cache=cache)
    b = run_projection(points, ProjectionChoice(), tasks.Task())
    assert np.allclose(a.coords, b.coords)
