"""PCA to 2-D for the latent-code scatter, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from recording import RecordingTask

from explorer.core import projection
from explorer.core.projection import Projection, flatten_codes, pca_2d
from explorer.core.tasks import Cancelled, Task

sklearn = pytest.importorskip("sklearn")
from sklearn.decomposition import PCA  # noqa: E402


def correlated(n: int, d: int, seed: int) -> np.ndarray:
    """Data with a clear spectrum (distinct leading variances), off-centre."""
    rng = np.random.default_rng(seed)
    scales = np.geomspace(5.0, 0.1, d)
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (rng.normal(size=(n, d)) * scales) @ basis.T + rng.uniform(-3, 3, size=d)


def assert_matches_sklearn(x: np.ndarray, p: Projection) -> None:
    ref = PCA(n_components=2, svd_solver="full").fit(x)
    ref_coords = ref.transform(x)
    for i in range(2):
        sign = np.sign(np.dot(ref.components_[i], p.components[i]))
        assert sign != 0
        np.testing.assert_allclose(p.components[i], sign * ref.components_[i], atol=1e-8)
        np.testing.assert_allclose(p.coords[:, i], sign * ref_coords[:, i], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(p.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-9)
    np.testing.assert_allclose(p.mean, ref.mean_, atol=1e-12)


@pytest.mark.parametrize("n, d", [(500, 2), (1000, 32), (800, 128), (60, 200)])  # last: d > n (Gram route)
def test_matches_sklearn_pca_up_to_sign(n, d):
    x = correlated(n, d, seed=d)
    p = pca_2d(x)
    assert p.coords.shape == (n, 2) and p.coords.dtype == np.float32
    assert p.components.shape == (2, d) and p.mean.shape == (d,)
    assert p.explained_variance_ratio.shape == (2,)
    np.testing.assert_allclose(p.components @ p.components.T, np.eye(2), atol=1e-10)
    assert_matches_sklearn(x, p)


def test_randomized_route_matches_exact(monkeypatch):
    x = correlated(300, 120, seed=1)
    exact = pca_2d(x)
    monkeypatch.setattr(projection, "_EXACT_LIMIT", 50)
    fast = pca_2d(x)
    np.testing.assert_allclose(fast.components, exact.components, atol=1e-8)
    np.testing.assert_allclose(fast.explained_variance_ratio, exact.explained_variance_ratio, rtol=1e-9)
    np.testing.assert_array_equal(pca_2d(x).coords, fast.coords)  # seeded: repeatable


def test_the_route_can_be_chosen_and_gives_the_same_axes():
    x = correlated(300, 400, seed=2)  # small enough for the exact route by default
    exact = pca_2d(x, randomized=False)
    fast = pca_2d(x, randomized=True)
    # 400 directions of slowly falling variance: the iteration's stopping rule
    # (axes moving < 1e-9 per pass) leaves them within 1e-7
    np.testing.assert_allclose(fast.components, exact.components, atol=1e-7)
    np.testing.assert_allclose(fast.explained_variance_ratio, exact.explained_variance_ratio,
                               rtol=1e-9)
    np.testing.assert_array_equal(pca_2d(x).coords, exact.coords)


def test_sign_is_deterministic():
    x = correlated(400, 16, seed=3)
    p = pca_2d(x)
    for row in p.components:
        assert row[np.argmax(np.abs(row))] > 0
    q = pca_2d(x[::-1].copy())  # same data, another order: same axes
    np.testing.assert_allclose(q.components, p.components, atol=1e-10)


def test_transform_of_training_points_equals_coords():
    x = correlated(700, 24, seed=5)
    p = pca_2d(x)
    np.testing.assert_array_equal(p.transform(x), p.coords)
    with pytest.raises(ValueError):
        p.transform(np.zeros((3, 23)))
    with pytest.raises(ValueError):
        p.coords[0, 0] = 1.0  # read-only result


def test_constant_data_gives_zero_coords_without_nan():
    for value in (0.0, 0.1, 7.25):
        x = np.full((50, 6), value)
        p = pca_2d(x)
        assert np.all(p.coords == 0.0)
        assert np.all(p.explained_variance_ratio == 0.0)
        assert np.all(np.isfinite(p.components))
    single = pca_2d(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(single.coords, [[0.0, 0.0]])


def test_constant_columns_do_not_leak_noise():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=200), np.full(200, 0.1), rng.normal(size=200) * 3])
    p = pca_2d(x)
    np.testing.assert_array_equal(p.components[:, 1], [0.0, 0.0])
    assert_matches_sklearn(x, p)


def test_one_dimensional_data_pads_with_zeros():
    x = np.random.default_rng(1).normal(size=(100, 1)) * 2 + 5
    p = pca_2d(x)
    assert p.coords.shape == (100, 2)
    assert np.all(p.coords[:, 1] == 0.0)
    np.testing.assert_allclose(p.coords[:, 0], (x[:, 0] - x.mean()).astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal(p.explained_variance_ratio, [1.0, 0.0])
    p1 = pca_2d(x[:, 0])  # a flat vector is n 1-d points
    np.testing.assert_array_equal(p1.coords, p.coords)


def test_codes_of_any_shape_are_flattened():
    codes = np.random.default_rng(2).random((64, 4, 4, 8)).astype(np.float32)
    flat = flatten_codes(codes)
    assert flat.shape == (64, 128) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat[3], codes[3].ravel())
    assert flatten_codes(np.arange(5)).shape == (5, 1)
    with pytest.raises(ValueError):
        flatten_codes(np.float32(1.0))
    p = pca_2d(codes)
    np.testing.assert_array_equal(p.coords, pca_2d(flat).coords)


def test_a_task_state_is_told_progress():
    x = correlated(200, 10, seed=0)
    state = RecordingTask()
    p = pca_2d(x, state)
    np.testing.assert_array_equal(p.coords, pca_2d(x).coords)
    fractions = state.fractions
    assert fractions and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)


def test_cancelled_state_cancels():
    state = Task()
    state.cancel()
    with pytest.raises(Cancelled):
        pca_2d(correlated(100, 5, seed=0), state)
    assert pca_2d(correlated(100, 5, seed=0), Task()).coords.shape == (100, 2)


def test_bad_input_rejected():
    with pytest.raises(ValueError):
        pca_2d(np.zeros((0, 3)))
    with pytest.raises(ValueError):
        pca_2d(np.array([[np.nan, 1.0], [0.0, 1.0]]))
