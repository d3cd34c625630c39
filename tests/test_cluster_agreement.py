"""K-means in the full space against K-means on the map: ARI, NMI, the disagreeing points."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import blobs
from recording import RecordingTask

from explorer.core import cluster_agreement as ca
from explorer.core import cluster_metrics
from explorer.core.projection import pca_2d
from explorer.core.tasks import Cancelled, Task

sklearn = pytest.importorskip("sklearn")
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402


def noisy_copy(labels: np.ndarray, share: float, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = labels.copy()
    change = rng.random(labels.size) < share
    out[change] = rng.integers(k, size=int(change.sum()))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_ari_matches_scikit_learn(seed):
    a = np.random.default_rng(seed).integers(6, size=500)
    b = noisy_copy(a, 0.4, 8, seed)
    assert cluster_metrics.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_ari_edge_cases_as_scikit_learn():
    for a, b in [([0, 0, 1], [5, 5, 7]), ([0, 1, 2], [0, 0, 0]), ([0, 0], [1, 1]),
                 ([0, 1, 2], [3, 4, 5]), ([0, 0, 1, 1], [0, 1, 0, 1])]:
        assert cluster_metrics.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b))


def test_ari_does_not_overflow_on_many_points():
    a = np.arange(70_000) % 10
    b = a.copy()
    b[:7_000] = (b[:7_000] + 1) % 10
    assert cluster_metrics.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-9)


def test_renumbered_clusters_agree_completely():
    a = np.random.default_rng(0).integers(5, size=300)
    renumber = np.array([3, 0, 4, 1, 2])
    c = ca.compare_clusterings(a, renumber[a])
    assert c.ari == pytest.approx(1.0) and c.nmi == pytest.approx(1.0)
    assert c.n_disagree == 0 and c.agreement == 1.0 and c.n == 300
    np.testing.assert_array_equal(c.matching[renumber], np.arange(5))
    assert "same partition" in c.describe()


def test_the_disagreeing_points_are_the_moved_ones():
    a = np.repeat(np.arange(4), 50)
    perm = np.array([2, 3, 1, 0])
    b = perm[a]
    moved = np.array([3, 70, 120, 199])
    b[moved] = perm[(a[moved] + 1) % 4]  # each moved to the next cluster over
    c = ca.compare_clusterings(a, b)
    np.testing.assert_array_equal(c.disagree, moved)
    assert c.agreement == pytest.approx(196 / 200)
    assert "98%" in c.describe() and "the 4 where" in c.describe()
    assert c.ari == pytest.approx(adjusted_rand_score(a, b))
    assert c.nmi == pytest.approx(normalized_mutual_info_score(a, b))
    with pytest.raises(ValueError):
        c.disagree[0] = 1  # read-only result


def test_more_clusters_on_one_side_leave_some_unmatched():
    a = np.repeat([0, 1], 10)
    b = np.repeat([0, 1, 2, 3], 5)
    c = ca.compare_clusterings(a, b)
    assert sorted(c.matching.tolist()) == [-1, -1, 0, 1]
    assert c.n_disagree == 10  # the points of the two unmatched clusters


def test_full_space_and_map_on_blobs():
    x, labels = blobs(n=300, k=5)
    coords = pca_2d(x).coords
    state = RecordingTask()
    result = ca.cluster_full_and_map(x, coords, 5, seed=0, state=state)
    assert result.full_labels.shape == result.map_labels.shape == (300,)
    assert ca.compare_clusterings(labels, result.full_labels).ari == pytest.approx(1.0)
    assert result.comparison.ari == pytest.approx(
        adjusted_rand_score(result.full_labels, result.map_labels))
    expected = np.flatnonzero(result.comparison.matching[result.map_labels] != result.full_labels)
    np.testing.assert_array_equal(result.comparison.disagree, expected)
    assert state.fractions[-1] == 1.0
    cancelled = Task()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        ca.cluster_full_and_map(x, coords, 5, state=cancelled)


def test_bad_labellings_rejected():
    with pytest.raises(ValueError, match="length"):
        ca.compare_clusterings([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="unassigned"):
        ca.compare_clusterings([0, -1], [0, 1])
    with pytest.raises(ValueError, match="no points"):
        ca.compare_clusterings([], [])


@pytest.mark.parametrize("seed", range(3))
def test_figures_from_the_confusion_table_equal_those_from_the_labels(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(7, size=400)
    labels[labels == 3] = 5  # cluster 3 empty: a zero row in the table
    truth = np.where(rng.random(400) < 0.6, labels % 10, rng.integers(9, size=400))  # digit 9 absent
    table = cluster_metrics.confusion_matrix(labels, truth, 8)
    assert cluster_metrics.purity_from_table(table) == cluster_metrics.purity(labels, truth)
    assert cluster_metrics.nmi_from_table(table) == pytest.approx(
        cluster_metrics.normalized_mutual_info(labels, truth), abs=1e-15)
    assert cluster_metrics.nmi_from_table(table) == pytest.approx(normalized_mutual_info_score(truth, labels))
