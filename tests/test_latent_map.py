"""The latent map's geometry without a model: lift and place, neighbours, far outside, grids, sliders."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import latent_map as lm
from explorer.core.latent_map import CodeIndex, make_latent_map
from explorer.core.projection import pca_2d


def _blobs(n_per: int = 60, d: int = 32, seed: int = 0):
    """Ten gaussian blobs in d dimensions (stand-ins for ten digits' codes), ReLU'd like codes."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(10, d))
    codes = np.concatenate([c + rng.normal(0, 1, size=(n_per, d)) for c in centres])
    labels = np.repeat(np.arange(10), n_per)
    return np.maximum(codes, 0).astype(np.float32), labels


def _map(codes, labels, projection=None, shape=None):
    n = len(codes)
    projection = pca_2d(codes) if projection is None else projection
    return make_latent_map(codes, projection, labels, np.arange(n), np.zeros((n, 28, 28)),
                           "simple", shape or (codes.shape[1],))


@pytest.fixture(scope="module")
def blobs():
    return _blobs()


def test_pca_lift_and_project_are_inverse_on_the_plane(blobs):
    codes, labels = blobs
    m = _map(codes, labels)
    assert m.is_exact and "exactly" in m.how_lifted
    xy = np.random.default_rng(1).normal(0, 5, size=(50, 2))
    lifted = m.lift(xy)
    assert lifted.shape == (50, 32)
    np.testing.assert_allclose(m.place(lifted), xy, atol=1e-4)  # place(lift(xy)) == xy
    # and lift(place(c)) == c for codes on the plane through the mean
    np.testing.assert_allclose(m.lift(m.place(lifted)), lifted, atol=1e-4)
    # a single point keeps its shape: (2,) -> (d,) -> (2,)
    assert m.lift(xy[0]).shape == (32,) and m.place(m.lift(xy[0])).shape == (2,)
    # off the plane, lift(place(c)) is c's orthogonal projection onto the plane
    c = codes[:5]
    back = m.lift(m.place(c))
    residual = c - back
    comps = m.projection.components
    np.testing.assert_allclose(residual @ comps.T, 0, atol=1e-3)


def test_code_index_agrees_with_brute_force(blobs):
    codes, _ = blobs
    index = CodeIndex(codes)
    q = np.random.default_rng(2).normal(1, 3, size=(7, 32))
    rows, dist = index.query(q, 5)
    brute = np.linalg.norm(q[:, None, :] - codes[None].astype(np.float64), axis=2)
    np.testing.assert_array_equal(rows, np.argsort(brute, axis=1, kind="stable")[:, :5])
    np.testing.assert_allclose(dist, np.sort(brute, axis=1)[:, :5], rtol=1e-4, atol=1e-3)
    assert index.query(q, 10_000)[0].shape == (7, len(codes))  # k capped at n
    with pytest.raises(ValueError, match="features"):
        index.query(np.zeros((1, 3)))


def test_far_outside_the_data_is_marked_and_the_data_is_not(blobs):
    codes, labels = blobs
    m = _map(codes, labels)
    far, _ = m.far_from_map(m.lift(m.coords))  # the map's own points: about 1 in 100 at most
    assert far.mean() <= 0.03
    span = np.abs(m.coords).max()
    far, dist = m.far_from_map(m.lift([[10 * span, 0], [0, -10 * span]]))
    assert far.all() and (dist > m.map_threshold).all()
    # codes off the plane: the test codes themselves are near, a code far off is not
    assert m.far_code(codes).__getitem__(0).mean() <= 0.01  # each is its own nearest
    assert m.far_code(codes[:1] + 100.0)[0].all()


def test_a_non_linear_map_estimates_its_codes_from_the_nearest_points(blobs):
    codes, labels = blobs
    # a warped but faithful "embedding": each blob at its own place, in a spiral
    angle = labels * 0.6 + np.random.default_rng(3).normal(0, 0.02, len(labels))
    coords = np.column_stack([angle * np.cos(angle), angle * np.sin(angle)])
    m = _map(codes, labels, projection=coords)
    assert not m.is_exact and "estimated from the 8 nearest" in m.how_lifted
    # lifting a test point's map position gives a code of its own blob
    lifted = m.lift(coords[::37])
    rows, _ = m.nearest(lifted, 1)
    np.testing.assert_array_equal(labels[rows[:, 0]], labels[::37])
    # placing a code lands among its blob on the map
    placed = m.place(codes[::37])
    rows = lm.CodeIndex(coords).query(placed, 1)[0][:, 0]
    np.testing.assert_array_equal(labels[rows], labels[::37])


def test_make_latent_map_refuses_mismatched_coordinates(blobs):
    codes, labels = blobs
    with pytest.raises(ValueError, match="map coordinates"):
        _map(codes, labels, projection=np.zeros((3, 2)))


def test_grid_centres_are_read_from_the_top_row_down():
    c = lm.grid_centres((0.0, 4.0), (0.0, 2.0), 2)
    np.testing.assert_allclose(c, [[1.0, 1.5], [3.0, 1.5], [1.0, 0.5], [3.0, 0.5]])
    with pytest.raises(ValueError):
        lm.grid_centres((0, 1), (0, 1), 0)


def test_spread_indices_pick_one_point_per_occupied_cell_nearest_its_centre():
    coords = np.array([[0.1, 0.1], [0.26, 0.24], [0.9, 0.9], [5.0, 5.0], [0.74, 0.26]])
    got = lm.spread_indices(coords, (0.0, 1.0), (0.0, 1.0), cells=2)
    # cell (0,0) holds points 0 and 1: 1 is nearer its centre (0.25, 0.25); 3 is outside
    assert sorted(got.tolist()) == [1, 2, 4]
    assert lm.spread_indices(coords, (10.0, 11.0), (0.0, 1.0)).size == 0


def test_principal_axes_match_the_leading_eigenvectors(blobs):
    codes, _ = blobs
    axes = lm.principal_axes(codes, m=4)
    x = codes.astype(np.float64) - codes.mean(axis=0)
    w, v = np.linalg.eigh(x.T @ x / (len(x) - 1))
    for j in range(4):
        assert abs(abs(axes.directions[j] @ v[:, -1 - j]) - 1) < 1e-6
        assert axes.scales[j] == pytest.approx(np.sqrt(w[-1 - j]), rel=1e-6)
    assert axes.names[0].startswith("PC1 · ") and axes.kind == "principal"
    # the first two agree with the map's PCA (same signs)
    np.testing.assert_allclose(axes.directions[:2], pca_2d(codes).components, atol=1e-6)


def test_sliders_move_a_code_along_its_axes(blobs):
    codes, _ = blobs
    axes = lm.unit_axes(codes, m=3)
    spread = codes.std(axis=0)
    units = sorted(np.argsort(-spread)[:3])
    assert axes.names == tuple(f"unit {u}" for u in units)
    moved = lm.slider_code(codes[0], axes, [0.0, 2.0, 0.0])
    delta = moved - codes[0]
    assert np.flatnonzero(np.abs(delta) > 1e-6).tolist() == [units[1]]
    assert delta[units[1]] == pytest.approx(2 * spread[units[1]], rel=1e-5)
    pa = lm.principal_axes(codes, m=2)
    moved = lm.slider_code(codes[0], pa, [1.0, -1.0])
    m = _map(codes, np.zeros(len(codes)))
    np.testing.assert_allclose(m.place(moved) - m.place(codes[0]),
                               [pa.scales[0], -pa.scales[1]], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="3 sliders"):
        lm.slider_code(codes[0], axes, [1.0])
