"""The K-means stepper against the seed's derivation and against scikit-learn."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from explorer.core.cluster_metrics import confusion_matrix, normalized_mutual_info, purity
from explorer.core.kmeans import KMeansStepper, kmeans_plus_plus, voronoi_labels

sklearn = pytest.importorskip("sklearn")
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402
from sklearn.metrics.cluster import contingency_matrix  # noqa: E402


def blobs(n: int, d: int, centers: int, seed: int, spread: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = rng.uniform(-10, 10, size=(centers, d))
    which = rng.integers(centers, size=n)
    return means[which] + spread * rng.normal(size=(n, d))


def brute_force_j(x: np.ndarray, centroids: np.ndarray, labels: np.ndarray) -> float:
    """J = (1/m) sum_i sum_j r_ij ||x_i - mu_j||^2, literally."""
    m, k = len(x), len(centroids)
    total = 0.0
    for i in range(m):
        for j in range(k):
            r_ij = 1.0 if labels[i] == j else 0.0
            total += r_ij * sum((x[i, t] - centroids[j, t]) ** 2 for t in range(x.shape[1]))
    return total / m


def rel_le(a: float, b: float) -> bool:
    """a <= b up to rounding of J itself."""
    return a <= b + 1e-12 * max(1.0, abs(b))


# --------------------------------------------------------- against sklearn
@pytest.mark.parametrize(
    "n, d, k, seed",
    [(600, 2, 5, 0), (600, 2, 8, 1), (1000, 2, 10, 2), (400, 32, 6, 3), (500, 32, 10, 4)],
)
def test_matches_sklearn_lloyd_from_same_init(n, d, k, seed):
    x = blobs(n, d, k, seed, spread=2.0 if d == 2 else 4.0)
    init = kmeans_plus_plus(x, k, np.random.default_rng(seed))
    s = KMeansStepper(x, k, init=init)
    updates = 0
    while True:
        s.assign()
        if s.converged:
            break
        s.update()
        assert s.empty_clusters == (), "dataset must not empty a cluster (sklearn would relocate it)"
        updates += 1
        assert updates < 300
    ref = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(x)
    np.testing.assert_array_equal(s.labels, ref.labels_)
    np.testing.assert_allclose(s.centroids, ref.cluster_centers_, rtol=1e-10, atol=1e-10)
    assert s.objective() == pytest.approx(ref.inertia_ / n, rel=1e-10)
    # sklearn counts the final, confirming iteration too.
    assert ref.n_iter_ == updates + 1


def test_run_matches_manual_loop_and_sklearn_inertia():
    x = blobs(800, 2, 6, seed=7, spread=1.5)
    s = KMeansStepper(x, 6, init="k-means++", seed=3)
    init = s.centroids.copy()
    iters = s.run()
    assert s.converged
    assert s.iteration == iters
    ref = KMeans(n_clusters=6, init=init, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(x)
    np.testing.assert_array_equal(s.labels, ref.labels_)
    assert s.objective() == pytest.approx(ref.inertia_ / len(x), rel=1e-10)
    assert s.run() == 0  # already converged: nothing to do, nothing recorded
    assert s.history[-1][0] == "assign"


# ---------------------------------------------------------------- J itself
def test_objective_equals_brute_force_double_loop():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(9, 3)) * 3
    init = x[[0, 4, 7]] + 0.25
    s = KMeansStepper(x, 3, init=init)
    nearest = np.argmin(((x[:, None, :] - init[None]) ** 2).sum(-1), axis=1)
    # Before any assignment: J of the nearest-centroid assignment (documented).
    assert s.objective() == pytest.approx(brute_force_j(x, init, nearest), rel=1e-13)
    for _ in range(3):
        s.assign()
        assert s.objective() == pytest.approx(brute_force_j(x, s.centroids, s.labels), rel=1e-13)
        assert s.history[-1] == ("assign", s.objective())
        s.update()
        assert s.objective() == pytest.approx(brute_force_j(x, s.centroids, s.labels), rel=1e-13)
        assert s.history[-1] == ("update", s.objective())
    assert s.history_values == [j for _, j in s.history]
    assert len(s.history) == 6


def test_first_assignment_gives_the_nearest_assignment_objective():
    x = blobs(300, 2, 4, seed=11)
    s = KMeansStepper(x, 4, seed=1)
    before = s.objective()
    s.assign()
    assert s.objective() == before


@pytest.mark.parametrize("seed", range(6))
def test_objective_never_increases_over_random_half_steps(seed):
    rng = np.random.default_rng(seed)
    d = 2 if seed % 2 == 0 else 5
    x = blobs(300, d, 4, seed=seed)
    k = 5
    init = x[rng.choice(len(x), k, replace=False)].copy()
    if seed % 3 == 0:
        init[0] = 1e3  # far away: cluster 0 empties at once
    if seed % 3 == 1:
        init[1] = init[2]  # duplicates: the tie leaves cluster 2 empty
    s = KMeansStepper(x, k, init=init)
    if seed % 3 != 2:
        probe = KMeansStepper(x, k, init=init)
        probe.step()
        assert probe.empty_clusters, "this configuration is meant to empty a cluster"
    current = s.objective()
    for _ in range(60):
        op = rng.choice(["assign", "update", "update", "assign", "undo"])
        if op == "undo":
            stack = s.history_values
            if s.undo():
                previous = stack[-2] if len(stack) >= 2 else None
                if previous is not None:
                    assert s.objective() == previous
                current = s.objective()
            continue
        getattr(s, op)()
        new = s.objective()
        assert np.isfinite(new)
        assert rel_le(new, current), (op, new, current)
        current = new
    # and the whole recorded history is monotone
    h = s.history_values
    assert all(rel_le(b, a) for a, b in itertools.pairwise(h))


def test_far_centroid_is_flagged_empty_and_stays_put():
    x = blobs(200, 2, 3, seed=2)
    init = np.vstack([x[:2], [[500.0, 500.0]]])
    s = KMeansStepper(x, 3, init=init)
    s.step()
    assert s.empty_clusters == (2,)
    np.testing.assert_array_equal(s.centroids[2], [500.0, 500.0])
    assert s.counts()[2] == 0
    assert s.counts().sum() == len(x)
    s.run()
    assert s.converged
    assert 2 in s.empty_clusters
    assert np.all(np.isfinite(s.centroids))


# ---------------------------------------------------------- initialisation
def test_kmeans_plus_plus_is_reproducible_and_seed_dependent():
    x = blobs(500, 2, 8, seed=0)
    a = kmeans_plus_plus(x, 8, np.random.default_rng(42))
    b = kmeans_plus_plus(x, 8, np.random.default_rng(42))
    c = kmeans_plus_plus(x, 8, np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # centroids are data points, and distinct on distinct data
    assert all(any(np.array_equal(row, p) for p in x) for row in a)
    assert len({tuple(r) for r in a}) == 8
    np.testing.assert_array_equal(KMeansStepper(x, 8, seed=5).centroids,
                                  KMeansStepper(x, 8, seed=5).centroids)
    assert not np.array_equal(KMeansStepper(x, 8, seed=5).centroids, KMeansStepper(x, 8, seed=6).centroids)


def test_random_init_picks_distinct_points():
    x = np.arange(20, dtype=float).reshape(10, 2)
    s = KMeansStepper(x, 10, init="random", seed=0)
    assert len({tuple(r) for r in s.centroids}) == 10


def test_k_larger_than_m_raises_clearly():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"K=12 is larger than the number of points \(5\)"):
        KMeansStepper(x, 12)
    with pytest.raises(ValueError):
        KMeansStepper(x, 0)


def test_bad_init_rejected():
    x = blobs(50, 2, 2, seed=0)
    with pytest.raises(ValueError, match="shape"):
        KMeansStepper(x, 3, init=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        KMeansStepper(x, 3, init=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="init"):
        KMeansStepper(x, 3, init="furthest")
    with pytest.raises(ValueError):
        KMeansStepper(np.array([[np.nan, 0.0]]), 1)


def test_all_points_identical():
    x = np.tile([1.5, -2.0], (50, 1))
    for init in ("k-means++", "random"):
        s = KMeansStepper(x, 3, init=init, seed=1)
        s.run()
        assert s.converged
        assert s.objective() == 0.0
        assert np.all(np.isfinite(s.centroids))
        assert all(np.isfinite(s.history_values))
    # awkward value whose mean is not exact in binary: J stays ~0, never NaN
    y = np.full((30, 3), 0.1)
    s = KMeansStepper(y, 2)
    s.run()
    assert s.converged and s.objective() == pytest.approx(0.0, abs=1e-28)


def test_float32_input_is_computed_in_float64():
    x = blobs(200, 2, 3, seed=1).astype(np.float32)
    s = KMeansStepper(x, 3)
    assert s.points.dtype == np.float64
    s.step()
    assert s.centroids.dtype == np.float64


# ------------------------------------------------------- undo and the flag
def _snapshot(s: KMeansStepper):
    return (
        s.centroids.copy(),
        s.labels.copy(),
        s.history,
        s.converged,
        s.iteration,
        s.last_changed,
        s.empty_clusters,
        s.last_kind,
        s.objective(),
    )


def _same(a, b) -> bool:
    return (
        np.array_equal(a[0], b[0])
        and np.array_equal(a[1], b[1])
        and a[2:] == b[2:]
    )


def test_undo_restores_every_half_step_exactly():
    x = blobs(400, 2, 5, seed=9)
    init = np.vstack([x[:4], [[99.0, 99.0]]])  # one empty cluster on the way
    s = KMeansStepper(x, 5, init=init)
    assert not s.can_undo and not s.undo()
    snaps = [_snapshot(s)]
    ops = ["assign", "assign", "update", "update", "assign", "update"] + ["assign", "update"] * 15
    for op in ops:
        getattr(s, op)()
        snaps.append(_snapshot(s))
    assert s.converged and s.empty_clusters == (4,)
    held = s.labels  # a view handed to the UI must not change under it
    held_copy = held.copy()
    for want in reversed(snaps[:-1]):
        assert s.undo()
        assert _same(_snapshot(s), want)
    assert not s.can_undo
    assert s.labels.min() == -1 and s.history == []
    np.testing.assert_array_equal(held, held_copy)


def test_convergence_flag():
    x = blobs(300, 2, 3, seed=4)
    s = KMeansStepper(x, 3, seed=0)
    assert not s.converged
    s.assign()
    s.assign()  # no change, but no update yet: centroids are not means
    assert s.last_changed == 0 and not s.converged
    s.update()
    s.run()
    assert s.converged
    j, centroids = s.objective(), s.centroids.copy()
    assert s.step() == 0  # a step at the fixed point changes nothing
    assert s.converged and s.objective() == j
    np.testing.assert_array_equal(s.centroids, centroids)
    s.move_centroid(0, s.centroids[0] + 3.0)
    assert not s.converged and s.history == [] and s.labels.min() == -1


def test_assign_then_assign_after_moves_is_not_convergence():
    x = blobs(300, 2, 3, seed=8)
    s = KMeansStepper(x, 3, init=x[:3])
    s.assign()
    s.update()
    assert s.assign() > 0
    assert not s.converged
    assert s.assign() == 0
    assert not s.converged  # centroids are not the means of these labels
    s.update()
    s.run()
    assert s.converged


def test_click_to_place_editing():
    x = blobs(100, 2, 3, seed=0)
    s = KMeansStepper(x, 3, seed=0)
    s.step()
    j = s.add_centroid([0.0, 0.0])
    assert j == 3 and s.k == 4 and s.centroids.shape == (4, 2)
    assert s.labels.min() == -1 and s.history == [] and not s.can_undo
    s.step()
    assert s.labels.max() <= 3 and s.counts().shape == (4,)
    s.remove_centroid(0)
    assert s.k == 3
    s.set_centroids(x[:7])
    assert s.k == 7
    with pytest.raises(ValueError):
        s.move_centroid(0, [1.0, 2.0, 3.0])
    with pytest.raises(IndexError):
        s.move_centroid(7, [1.0, 2.0])
    tiny = KMeansStepper(x[:2], 2)
    with pytest.raises(ValueError, match="larger than the number of points"):
        tiny.add_centroid([0.0, 0.0])
    one = KMeansStepper(x, 1)
    with pytest.raises(ValueError):
        one.remove_centroid(0)


def test_many_clusters_fall_back_to_argmin():
    x = blobs(2000, 2, 20, seed=3)
    s = KMeansStepper(x, 300, init="random", seed=0)
    s.assign()
    ref = np.argmin(((x[:, None, :] - s.centroids[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(s.labels, ref)


def test_voronoi_labels_nearest_centroid():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(7, 2)) * 5
    gx, gy = np.meshgrid(np.linspace(-10, 10, 120), np.linspace(-10, 10, 90))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    ref = np.argmin(((grid[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(voronoi_labels(grid, c), ref)
    np.testing.assert_array_equal(voronoi_labels(grid, c, chunk=1000), ref)


# ---------------------------------------------------- cluster-vs-digit panel
def test_confusion_purity_nmi_match_sklearn():
    rng = np.random.default_rng(0)
    truth = rng.integers(10, size=2000)
    labels = np.where(rng.random(2000) < 0.7, truth % 8, rng.integers(8, size=2000))
    cm = confusion_matrix(labels, truth, k=8, n_classes=10)
    assert cm.shape == (8, 10) and cm.dtype.kind == "i"
    np.testing.assert_array_equal(cm, contingency_matrix(labels, truth))
    ref_purity = contingency_matrix(labels, truth).max(axis=1).sum() / len(truth)
    assert purity(labels, truth) == pytest.approx(ref_purity)
    assert normalized_mutual_info(labels, truth) == pytest.approx(
        normalized_mutual_info_score(truth, labels), rel=1e-12
    )
    for a, b in [
        (truth, truth),
        ((truth + 3) % 10, truth),
        (np.zeros(50, int), np.zeros(50, int)),
        (np.zeros(50, int), np.arange(50) % 5),
        (np.arange(50), np.arange(50) % 5),
        (rng.integers(3, size=40), rng.integers(4, size=40)),
    ]:
        assert normalized_mutual_info(a, b) == pytest.approx(
            normalized_mutual_info_score(b, a), rel=1e-12, abs=1e-15)


def test_confusion_matrix_counts_missing_clusters_and_skips_unassigned():
    labels = np.array([0, 0, 2, -1, 2])
    truth = np.array([1, 1, 3, 4, 0])
    cm = confusion_matrix(labels, truth, k=4, n_classes=5)
    assert cm.shape == (4, 5)
    assert cm[0, 1] == 2 and cm[2, 3] == 1 and cm[2, 0] == 1 and cm.sum() == 4
    with pytest.raises(ValueError):
        confusion_matrix(labels, truth, k=2, n_classes=5)
    with pytest.raises(ValueError):
        confusion_matrix(labels, truth[:3], k=4)
    assert purity([0, 0, 1, 1], [3, 3, 3, 4]) == pytest.approx(0.75)
