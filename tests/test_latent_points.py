"""The K-means lab's points: raw pixels and latent codes, with their PCA (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from recording import RecordingTask

from explorer.core import latent_points, models
from explorer.core.latent_points import PointSet, compute_points
from explorer.core.tasks import Cancelled


def test_pixel_source_flattens_the_first_test_digits_and_projects_them(tiny):
    points = compute_points(None, tiny, "pixels", 40)
    assert isinstance(points, PointSet)
    assert points.codes.shape == (40, 784) and points.codes.dtype == np.float32
    assert points.coords.shape == (40, 2) and points.coords.dtype == np.float32
    np.testing.assert_array_equal(points.codes, tiny.x_test[:40].reshape(40, 784))
    np.testing.assert_array_equal(points.labels, tiny.y_test[:40])
    assert points.images.shape == (40, 28, 28)
    assert points.source == "raw pixels" and points.dim == 784 and points.n == 40
    # coords are the PCA of the codes: centred, first axis the widest
    np.testing.assert_allclose(points.coords, points.projection.transform(points.codes), atol=1e-4)
    np.testing.assert_allclose(points.coords.mean(axis=0), 0, atol=1e-4)
    assert points.coords[:, 0].var() >= points.coords[:, 1].var()


def test_max_points_none_takes_the_whole_test_split_and_too_many_is_capped(tiny):
    assert compute_points(None, tiny, "pixels").n == tiny.n_test
    assert compute_points(None, tiny, "pixels", 10 ** 6).n == tiny.n_test


def test_bad_requests_say_what_is_wrong(tiny):
    with pytest.raises(ValueError, match="source"):
        compute_points(None, tiny, "colours", 10)
    with pytest.raises(ValueError, match="model"):
        compute_points(None, tiny, "latent", 10)
    with pytest.raises(ValueError, match="no test digits"):
        compute_points(None, tiny, "pixels", 0)


def test_latent_source_equals_the_encoder_flattened_and_reports_progress(tiny, monkeypatch):
    monkeypatch.setattr(latent_points, "ENCODE_BATCH", 16)  # several batches
    model = models.build("simple")
    state = RecordingTask()
    points = compute_points(model, tiny, "latent", 40, state)
    expected = models.encode(model, tiny.x_test[:40]).reshape(40, -1)
    np.testing.assert_allclose(points.codes, expected, rtol=1e-5, atol=1e-6)
    assert points.codes.shape == (40, 32) and points.dim == 32
    assert points.source == "latent codes of the simple model"
    assert state.checks >= 3  # between the batches: cancellable
    fractions = state.fractions
    assert fractions and fractions[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in fractions)


def test_conv_codes_are_flattened_to_128(tiny):
    model = models.build("conv")
    points = compute_points(model, tiny, "latent", 12, None)
    assert points.codes.shape == (12, 128)
    np.testing.assert_allclose(points.codes,
                               models.encode(model, tiny.x_test[:12]).reshape(12, 128),
                               rtol=1e-5, atol=1e-6)


def test_a_cancelled_job_stops_between_batches(tiny, monkeypatch):
    monkeypatch.setattr(latent_points, "ENCODE_BATCH", 8)

    state = RecordingTask(cancel_at_check=2)
    with pytest.raises(Cancelled):
        compute_points(models.build("simple"), tiny, "latent", 40, state)
    assert state.checks == 2


def test_group_by_label_splits_indices_and_skips_unassigned():
    labels = np.array([2, 0, -1, 2, 1, 0])
    groups = latent_points.group_by_label(labels, 4)
    assert [g.tolist() for g in groups] == [[1, 5], [4], [0, 3], []]


def test_voronoi_grid_row_zero_is_the_bottom_edge():
    grid = latent_points.voronoi_grid([[0.0, -1.0], [0.0, 1.0]], (-1, 1), (-1, 1), (4, 3))
    assert grid.shape == (4, 3) and grid.dtype == np.uint8
    assert (grid[:2] == 0).all() and (grid[2:] == 1).all()


def test_voronoi_grid_agrees_with_the_core_voronoi_labels():
    from explorer.core.kmeans import voronoi_labels

    rng = np.random.default_rng(3)
    centroids = rng.normal(size=(12, 2))
    centroids[5] = centroids[2]  # a duplicate: the tie must go to the lower index
    grid = latent_points.voronoi_grid(centroids, (-3, 2), (-1, 4), (37, 53))
    xs = -3 + (np.arange(53) + 0.5) * (5 / 53)
    ys = -1 + (np.arange(37) + 0.5) * (5 / 37)
    gx, gy = np.meshgrid(xs, ys)
    expected = voronoi_labels(np.column_stack([gx.ravel(), gy.ravel()]), centroids)
    np.testing.assert_array_equal(grid.ravel(), expected)
    assert 5 not in grid


def test_nearest_point_works_in_screen_pixels():
    coords = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert latent_points.nearest_point(coords, (9.0, 0.0), (1.0, 1.0)) == 1
    assert latent_points.nearest_point(coords, (5.0, 4.0), (1.0, 1.0)) == -1  # 6.4 px away
    assert latent_points.nearest_point(coords, (5.0, 4.0), (1.0, 1.0), max_pixels=8) == 0
    assert latent_points.nearest_point(coords, (4.0, 3.0), (10.0, 1.0)) == 0  # zoomed out
    assert latent_points.nearest_point(np.zeros((0, 2)), (0.0, 0.0), (1.0, 1.0)) == -1


def test_padded_bounds_never_collapse():
    x0, x1, y0, y1 = latent_points.padded_bounds(np.zeros((5, 2)))
    assert x1 > x0 and y1 > y0
    x0, x1, y0, y1 = latent_points.padded_bounds([[0, 0], [10, 2]])
    assert x0 < 0 and x1 > 10 and y0 < 0 and y1 > 2
    # One point (or all alike): a box of readable size around it, not millionths.
    assert latent_points.padded_bounds([[3.0, -2.0]]) == (2.0, 4.0, -3.0, -1.0)
    assert latent_points.padded_bounds([[50.0, 0.0]] * 4) == (45.0, 55.0, -5.0, 5.0)


def test_lift_projects_back_to_the_clicked_point(tiny):
    points = compute_points(None, tiny, "pixels", 50)
    full = latent_points.lift(points.projection, [1.5, -0.5])
    assert full.shape == (784,)
    np.testing.assert_allclose(points.projection.transform(full[None])[0], [1.5, -0.5], atol=1e-4)


def test_make_point_set_takes_any_code_shape():
    codes = np.random.default_rng(0).normal(size=(30, 4, 4, 8))
    ps = latent_points.make_point_set(codes, np.arange(30) % 10, np.zeros((30, 28, 28)), "test")
    assert ps.codes.shape == (30, 128) and ps.coords.shape == (30, 2)
    with pytest.raises(ValueError):
        latent_points.make_point_set(codes, np.arange(29), np.zeros((30, 28, 28)), "bad")


def test_a_2d_code_is_its_own_projection():
    """No PCA for a code of two numbers: PCA would rotate and flip the code's own axes."""
    rng = np.random.default_rng(1)
    codes = (rng.normal(size=(60, 2)) * [3.0, 0.5] + [4.0, -2.0]).astype(np.float32)
    # Correlated on purpose: PCA's first axis would be the diagonal.
    codes[:, 1] += codes[:, 0]
    task = RecordingTask()
    ps = latent_points.make_point_set(codes, np.arange(60) % 10, np.zeros((60, 28, 28)), "2-d",
                                      task)
    assert not ps.projected and ps.dim == 2
    np.testing.assert_array_equal(ps.coords, codes)
    np.testing.assert_array_equal(ps.projection.transform(codes[:5]), codes[:5])
    np.testing.assert_array_equal(latent_points.lift(ps.projection, [1.5, -0.5]), [1.5, -0.5])
    ratio = ps.projection.explained_variance_ratio
    assert ratio.sum() == pytest.approx(1.0) and ratio[0] == pytest.approx(
        codes[:, 0].var() / codes.var(axis=0).sum(), rel=1e-5)
    assert task.fractions[-1] == 1.0
    assert latent_points.make_point_set(codes[:, :1].repeat(3, axis=1), np.arange(60) % 10,
                                        np.zeros((60, 28, 28)), "3-d").projected
    with pytest.raises(ValueError, match="2-d points"):
        latent_points.identity_projection(np.zeros((4, 3)))


def test_the_k_means_status_line_says_a_2d_code_is_not_projected():
    from explorer.features.kmeans.points_feed import describe

    two = latent_points.make_point_set(np.eye(2).repeat(5, axis=0), np.zeros(10),
                                       np.zeros((10, 28, 28)), "latent codes of the simple-2 model")
    assert "no projection" in describe(two) and "PCA" not in describe(two)
    eight = latent_points.make_point_set(np.eye(8).repeat(2, axis=0), np.zeros(16),
                                         np.zeros((16, 28, 28)), "latent codes")
    assert "PCA axes" in describe(eight)
