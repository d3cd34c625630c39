"""project(points, method, ...): one entry point for PCA, t-SNE and UMAP, with a cache."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import blobs
from recording import RecordingTask

from explorer.core import neighbour_maps, projection
from explorer.core.projection import Projection, pca_2d, project
from explorer.core.projection_cache import ProjectionCache, fingerprint, make_key
from explorer.core.tasks import Cancelled, Task

QUICK_TSNE = {"early_iterations": 30, "iterations": 60}


@pytest.fixture
def counted(monkeypatch):
    """Count the t-SNE runs that project() really starts."""
    calls = []
    real = neighbour_maps.tsne_2d

    def tsne_2d(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(neighbour_maps, "tsne_2d", tsne_2d)
    return calls


def test_pca_through_project_is_pca_2d_with_its_exact_lift():
    x, _ = blobs(n=200)
    p = project(x, "pca", cache=None)
    ref = pca_2d(x)
    assert isinstance(p, Projection) and p.method == "pca"
    np.testing.assert_array_equal(p.coords, ref.coords)
    np.testing.assert_array_equal(p.components, ref.components)
    np.testing.assert_array_equal(p.transform(x), p.coords)
    np.testing.assert_allclose(p.mean, x.mean(axis=0))


def test_tsne_through_project_passes_parameters_and_frames(counted):
    x, _ = blobs(n=150)
    frames = []
    m = project(x, "tsne", seed=2, cache=None, on_frame=frames.append, perplexity=20,
                **QUICK_TSNE)
    assert m.method == "tsne" and m.coords.shape == (150, 2) and m.seed == 2
    assert m.param_dict["perplexity"] == 20.0 and frames and frames[-1].phase == "done"
    assert counted[0]["perplexity"] == 20


def test_the_cache_returns_the_same_map_without_recomputing(counted):
    x, _ = blobs(n=150)
    cache = ProjectionCache()
    state = RecordingTask()
    first = project(x, "tsne", cache=cache, **QUICK_TSNE)
    second = project(x.copy(), "tsne", state, cache=cache, **QUICK_TSNE)
    assert second is first and len(counted) == 1
    assert cache.hits == 1 and cache.misses == 1
    assert state.fractions == [1.0] and "cache" in state.texts[-1]
    # a frame callback gets nothing from the cache: the map is already final
    frames = []
    assert project(x, "tsne", cache=cache, on_frame=frames.append, **QUICK_TSNE) is first
    assert frames == [] and len(counted) == 1
    # anything that changes the map is another request
    project(x, "tsne", seed=1, cache=cache, **QUICK_TSNE)
    project(x, "tsne", cache=cache, perplexity=10, **QUICK_TSNE)
    y = x.copy()
    y[0, 0] += 1e-3
    project(y, "tsne", cache=cache, **QUICK_TSNE)
    assert len(counted) == 4 and len(cache) == 4


def test_defaults_spelled_out_are_the_same_request(counted):
    x, _ = blobs(n=150)
    cache = ProjectionCache()
    a = project(x, "tsne", cache=cache, **QUICK_TSNE)
    b = project(x, "tsne", cache=cache, perplexity=30, **QUICK_TSNE)  # the default, as an int
    assert a is b and len(counted) == 1


def test_pca_ignores_the_seed_so_it_is_not_recomputed():
    x, _ = blobs(n=100)
    cache = ProjectionCache()
    assert project(x, "pca", seed=0, cache=cache) is project(x, "pca", seed=5, cache=cache)


def test_the_cache_is_bounded_least_recently_used_first():
    cache = ProjectionCache(max_entries=2)
    xs = [np.full((20, 3), float(i)) + np.arange(3) for i in range(3)]
    maps = [project(x, "pca", cache=cache) for x in xs[:2]]
    assert project(xs[0], "pca", cache=cache) is maps[0]  # 0 is now the most recent
    project(xs[2], "pca", cache=cache)  # pushes out 1, the least recently used
    assert len(cache) == 2
    assert make_key(xs[0], "pca", {}, 0) in cache and make_key(xs[1], "pca", {}, 0) not in cache
    with pytest.raises(ValueError):
        ProjectionCache(max_entries=0)


def test_a_cancelled_run_is_not_cached(counted):
    x, _ = blobs(n=150)
    cache = ProjectionCache()
    state = Task()
    state.cancel()
    with pytest.raises(Cancelled):
        project(x, "tsne", state, cache=cache, **QUICK_TSNE)
    assert len(cache) == 0
    project(x, "tsne", cache=cache, **QUICK_TSNE)
    assert len(counted) == 2


def test_the_default_cache_serves_the_process():
    x, _ = blobs(n=90, seed=11)
    assert project(x, "pca") is project(x, "pca")
    assert len(projection.DEFAULT_CACHE) >= 1


def test_fingerprints_tell_arrays_apart():
    a = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(a.astype(np.float64))  # same values, other dtype
    assert fingerprint(a) != fingerprint(a.reshape(2, 6))
    assert fingerprint(a[:, ::-1]) == fingerprint(np.ascontiguousarray(a[:, ::-1]))


def test_unknown_methods_and_parameters_say_what_is_allowed():
    x, _ = blobs(n=50)
    with pytest.raises(ValueError, match="pca, tsne, umap"):
        project(x, "mds")
    with pytest.raises(TypeError, match="perplexity"):
        project(x, "umap", perplexity=5)
    with pytest.raises(TypeError, match="none"):
        project(x, "pca", n_neighbors=5)
    assert projection.default_params("umap") == {"n_neighbors": 15, "min_dist": 0.1,
                                                 "n_epochs": None}
