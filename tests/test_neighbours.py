"""Exact k nearest neighbours, both routes, checked against a brute-force sort."""

from __future__ import annotations

import numpy as np
import pytest
from recording import RecordingTask

from explorer.core import neighbours
from explorer.core.tasks import Cancelled, Task


def brute(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(d, idx, axis=1)


@pytest.mark.parametrize("d", [2, 32, 40])  # 40: past the tree's limit, by blocks
def test_matches_a_brute_force_sort(d):
    x = np.random.default_rng(d).normal(size=(700, d)) + 5.0  # off-centre on purpose
    idx, dist = neighbours.knn(x, 7)
    ref_idx, ref_dist = brute(x, 7)
    assert idx.shape == (700, 7) and dist.shape == (700, 7)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-6, atol=1e-9)


def test_blocks_and_tree_agree(monkeypatch):
    x = np.random.default_rng(1).normal(size=(1200, 10))
    tree = neighbours.knn(x, 5)
    monkeypatch.setattr(neighbours, "_TREE_MAX_DIM", 0)
    blocks = neighbours.knn(x, 5)
    np.testing.assert_array_equal(tree[0], blocks[0])
    np.testing.assert_allclose(tree[1], blocks[1], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("max_dim", [32, 0])
def test_a_point_is_never_its_own_neighbour_but_its_duplicate_is(monkeypatch, max_dim):
    monkeypatch.setattr(neighbours, "_TREE_MAX_DIM", max_dim)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 3))
    x = np.vstack([x, x[:5]])  # points 50..54 duplicate 0..4
    idx, dist = neighbours.knn(x, 3)
    assert not np.any(idx == np.arange(len(x))[:, None])
    for i in range(5):  # at distance 0, up to the rounding of the distance expansion
        assert idx[i, 0] == 50 + i and dist[i, 0] == pytest.approx(0.0, abs=1e-6)
        assert idx[50 + i, 0] == i and dist[50 + i, 0] == pytest.approx(0.0, abs=1e-6)


def test_progress_and_cancellation():
    x = np.random.default_rng(3).normal(size=(5000, 3))
    state = RecordingTask()
    neighbours.knn(x, 4, state)
    assert state.fractions[-1] == 1.0 and state.fractions == sorted(state.fractions)
    cancelled = Task()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        neighbours.knn(x, 4, cancelled)


def test_bad_requests_say_what_is_wrong():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="more than 5 points"):
        neighbours.knn(x, 5)
    with pytest.raises(ValueError, match="positive integer"):
        neighbours.knn(x, 0)
    with pytest.raises(ValueError, match="NaN"):
        neighbours.knn(np.array([[np.nan, 0.0], [0.0, 0.0], [1.0, 1.0]]), 1)
