"""t-SNE and UMAP maps: what they keep on separable data, frames, progress, cancel.

Small on purpose (300 points, few iterations): the full-size figures are in
tests/benchmarks/bench_tsne.py and bench_umap.py.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from blobs import blobs
from recording import RecordingTask

from explorer.core import embedding_quality as eq
from explorer.core import neighbour_maps as nm
from explorer.core.tasks import Cancelled, Task

pytest.importorskip("openTSNE")

QUICK_TSNE = {"early_iterations": 50, "iterations": 100}
QUICK_UMAP = {"n_epochs": 60}


def test_tsne_keeps_separable_blobs_apart_and_animates():
    x, labels = blobs()
    frames = []
    state = RecordingTask()
    result = nm.tsne_2d(x, state, seed=0, on_frame=frames.append, **QUICK_TSNE)
    assert result.coords.shape == (300, 2) and result.coords.dtype == np.float32
    assert result.method == "tsne" and result.compile_seconds == 0.0
    assert result.param_dict == {"perplexity": 30.0, **QUICK_TSNE}
    assert eq.knn_label_agreement(result.coords, labels) >= 0.95
    # frames: the starting layout first, then the optimisation in order, then the end
    assert frames[0].phase == "start" and frames[0].iteration == 0
    iterations = [f.iteration for f in frames]
    assert iterations == sorted(iterations) and len(set(iterations)) == len(iterations) > 3
    assert {f.phase for f in frames[1:-1]} <= {"early exaggeration", "optimising"}
    assert frames[-1].phase == "done" and frames[-1].iteration == frames[-1].total == 150
    np.testing.assert_array_equal(frames[-1].coords, result.coords)
    assert state.fractions == sorted(state.fractions) and state.fractions[-1] == 1.0
    assert any("iteration" in t for t in state.texts)
    with pytest.raises(ValueError):
        result.coords[0, 0] = 1.0  # read-only result


def test_tsne_is_repeatable_with_a_seed():
    x, _ = blobs(n=120)
    a = nm.tsne_2d(x, seed=3, **QUICK_TSNE)
    b = nm.tsne_2d(x, seed=3, **QUICK_TSNE)
    np.testing.assert_array_equal(a.coords, b.coords)


def test_cancelling_tsne_stops_it_within_a_second_and_delivers_nothing():
    x, _ = blobs(n=600)
    state = Task()
    cancelled_at: list[float] = []

    def on_frame(frame):
        # The UI cancels from its own thread; a frame of the run is as good a moment.
        if frame.iteration >= 20 and not cancelled_at:
            state.cancel()
            cancelled_at.append(time.perf_counter())

    returned = []
    with pytest.raises(Cancelled):
        returned.append(nm.tsne_2d(x, state, early_iterations=250, iterations=5000,
                                   on_frame=on_frame))
    stopped = time.perf_counter()
    assert cancelled_at and stopped - cancelled_at[0] < 1.0
    assert returned == []


def test_tsne_lowers_a_perplexity_too_large_for_the_points():
    x, _ = blobs(n=30, k=3)
    result = nm.tsne_2d(x, perplexity=50, **QUICK_TSNE)
    assert result.param_dict["perplexity"] == pytest.approx(29 / 3)


@pytest.mark.parametrize("bad", [{"perplexity": 0}, {"iterations": -1}, {"early_iterations": 2.5}])
def test_tsne_bad_parameters(bad):
    x, _ = blobs(n=50)
    with pytest.raises(ValueError):
        nm.tsne_2d(x, **{**QUICK_TSNE, **bad})


def test_too_few_or_bad_points_are_refused():
    with pytest.raises(ValueError, match="at least"):
        nm.tsne_2d(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        nm.tsne_2d(np.full((20, 4), np.nan))


# -------------------------------------------------------------------- UMAP
def test_umap_keeps_separable_blobs_apart_and_compiles_once():
    pytest.importorskip("umap")
    x, labels = blobs()
    state = RecordingTask()
    result = nm.umap_2d(x, state, seed=0, **QUICK_UMAP)
    assert nm.umap_is_warm()
    assert result.coords.shape == (300, 2) and result.method == "umap"
    assert eq.knn_label_agreement(result.coords, labels) >= 0.95
    assert result.param_dict == {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": 60}
    assert state.fractions == sorted(state.fractions) and state.fractions[-1] == 1.0
    assert any("epoch" in t for t in state.texts)
    again = nm.umap_2d(x, seed=0, **QUICK_UMAP)
    assert again.compile_seconds == 0.0  # compiled by the first call of the process
    assert nm.warm_up_umap() == 0.0
    np.testing.assert_array_equal(again.coords, result.coords)  # seeded: repeatable


def test_cancelling_umap_during_its_epochs_delivers_nothing():
    pytest.importorskip("umap")
    x, _ = blobs()
    nm.warm_up_umap()

    class CancelInEpochs(Task):
        def set_progress(self, fraction, text=""):
            super().set_progress(fraction, text)
            if "epoch" in text:
                self.cancel()

    returned = []
    with pytest.raises(Cancelled):
        returned.append(nm.umap_2d(x, CancelInEpochs(), n_epochs=1000))
    assert returned == []
    # The next UMAP of the process runs: raising out of tqdm's stream had left
    # tqdm's lock held, and this one then waited for ever.
    again = threading.Thread(target=lambda: returned.append(nm.umap_2d(x, **QUICK_UMAP)),
                             daemon=True)
    again.start()
    again.join(120)
    assert not again.is_alive() and len(returned) == 1


def test_umap_lowers_n_neighbors_for_few_points_and_checks_its_parameters():
    pytest.importorskip("umap")
    x, _ = blobs(n=12, k=2)
    assert nm.umap_2d(x, n_neighbors=50, n_epochs=20).param_dict["n_neighbors"] == 11
    with pytest.raises(ValueError, match="min_dist"):
        nm.umap_2d(x, min_dist=2.0)
    with pytest.raises(ValueError, match="n_neighbors"):
        nm.umap_2d(x, n_neighbors=1)
    with pytest.raises(ValueError, match="n_epochs"):
        nm.umap_2d(x, n_epochs=0)
