"""The decoder's side of the latent space with real Keras models: decode, grid, paths, drawings."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import kmeans, latent_space, models, store
from explorer.core.latent_space import Clusters
from explorer.core.projection import pca_2d
from explorer.core.tasks import Task


@pytest.fixture(scope="module")
def simple():
    """The shipped simple model: a trained decoder makes the checks mean something."""
    model = models.build("simple")
    store.load_weights(model, store.shipped_weights("simple"))
    return model


@pytest.fixture(scope="module")
def simple_map(simple, embedded):
    return latent_space.compute_map(simple, embedded, 1000, Task())


def vertical_stroke(side: int = 200) -> np.ndarray:
    """Black ink on white paper, as the canvas draws it: one upright stroke."""
    picture = np.ones((side, side), np.float32)
    picture[side // 6:side - side // 6, side // 2 - 6:side // 2 + 6] = 0.0
    return picture


def test_the_map_is_the_pca_of_the_encoded_test_digits(simple, simple_map, embedded):
    m = simple_map
    assert m.n == 1000 and m.dim == 32 and m.code_shape == (32,) and m.arch_id == "simple"
    codes = models.encode(simple, embedded.x_test[:1000])
    np.testing.assert_allclose(m.codes, codes, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.coords, pca_2d(codes).coords, atol=1e-4)
    np.testing.assert_array_equal(m.labels, embedded.y_test[:1000])
    assert m.is_exact and np.isfinite(m.map_threshold) and np.isfinite(m.code_threshold)


def test_decoding_a_map_point_is_the_decoder_on_its_lifted_code(simple, simple_map):
    xy = simple_map.coords[3]
    got = latent_space.decode_point(simple, simple_map, xy)
    code = simple_map.lift(xy)
    direct = np.asarray(simple.decoder(code[None]), np.float32).reshape(28, 28)
    np.testing.assert_allclose(got.image, direct, atol=1e-5)
    np.testing.assert_allclose(got.xy, xy)
    assert got.image.shape == (28, 28) and not got.far
    far_away = latent_space.decode_point(simple, simple_map, simple_map.coords.max(axis=0) * 8)
    assert far_away.far and far_away.distance > far_away.threshold


def test_the_decoder_grid_is_read_from_the_top_left(simple, simple_map):
    grid = latent_space.decoder_grid(simple, simple_map, (-4.0, 4.0), (-2.0, 6.0), 3)
    assert grid.images.shape == (3, 3, 28, 28) and grid.far.shape == (3, 3)
    top_left = latent_space.decode_point(simple, simple_map, (-4 + 8 / 6, 6 - 8 / 6))
    np.testing.assert_allclose(grid.images[0, 0], top_left.image, atol=1e-5)
    mosaic = grid.mosaic()
    assert mosaic.shape == (84, 84)
    np.testing.assert_array_equal(mosaic[28:56, 56:84], grid.images[1, 2])


def test_interpolation_runs_from_one_digit_to_the_other_in_both_spaces(simple, simple_map, embedded):
    a, b = 0, 1
    path = latent_space.interpolate(simple, embedded, simple_map, a, b, steps=12)
    assert path.steps == 12 and path.pixel.shape == path.latent.shape == (12, 28, 28)
    np.testing.assert_allclose(path.pixel[0], embedded.x_test[a], atol=1e-6)
    np.testing.assert_allclose(path.pixel[-1], embedded.x_test[b], atol=1e-6)
    recon = models.reconstruct(simple, embedded.x_test[[a, b]])
    np.testing.assert_allclose(path.latent[[0, -1]], recon, atol=1e-5)  # the ends: reconstructions
    np.testing.assert_allclose(path.path, simple_map.place(path.codes), atol=1e-5)
    # on a PCA map the latent line is a straight line on the map too
    direction = path.path[-1] - path.path[0]
    offsets = path.path - path.path[0]
    cross = offsets[:, 0] * direction[1] - offsets[:, 1] * direction[0]
    assert np.abs(cross).max() < 1e-3 * (np.linalg.norm(direction) ** 2 + 1)
    assert path.labels == (int(embedded.y_test[a]), int(embedded.y_test[b]))
    with pytest.raises(ValueError, match="not in the test split"):
        latent_space.interpolate(simple, embedded, simple_map, 0, 10**6)


def test_a_drawn_vertical_stroke_has_mostly_ones_among_its_nearest_test_digits(simple, simple_map):
    drawing = latent_space.analyse_drawing(simple, simple_map, vertical_stroke())
    assert drawing.digit.shape == drawing.reconstruction.shape == (28, 28)
    assert drawing.neighbours.shape == (5,) and np.all(np.diff(drawing.distances) >= 0)
    assert np.count_nonzero(drawing.neighbour_labels == 1) >= 3, drawing.neighbour_labels
    np.testing.assert_array_equal(drawing.neighbour_images, simple_map.images[drawing.neighbours])
    np.testing.assert_allclose(drawing.xy, simple_map.place(drawing.code), atol=1e-5)
    assert drawing.cluster is None and not drawing.is_blank


def test_a_drawing_falls_into_the_cluster_the_lab_would_assign_it_to(simple, simple_map):
    codes = simple_map.codes
    st = kmeans.KMeansStepper(codes, 10, seed=0)
    st.step()
    full = Clusters(np.array(st.centroids), None, "latent", "simple")
    drawing = latent_space.analyse_drawing(simple, simple_map, vertical_stroke(), full)
    expected = np.argmin(((st.centroids - drawing.code[None]) ** 2).sum(axis=1))
    assert drawing.cluster == expected
    # clustered on a 2-D plane: assigned through that plane's projection
    plane = pca_2d(codes)
    st2 = kmeans.KMeansStepper(plane.coords, 4, seed=1)
    st2.step()
    flat = Clusters(np.array(st2.centroids), plane, "latent", "simple")
    assert flat.full_centroids().shape == (4, 32)
    np.testing.assert_allclose(plane.transform(flat.full_centroids()), st2.centroids, atol=1e-4)
    got = latent_space.analyse_drawing(simple, simple_map, vertical_stroke(), flat)
    xy = plane.transform(got.code[None])[0]
    assert got.cluster == int(np.argmin(((st2.centroids - xy) ** 2).sum(axis=1)))
    # centroids of another model's codes do not fit
    assert not Clusters(np.array(st.centroids), None, "latent", "sparse").fits("simple", 32)
    assert Clusters(np.zeros((3, 784)), None, "pixels", "").fits("conv", 128)


def test_conv_codes_decode_from_flat_or_shaped(embedded):
    model = models.build("conv")
    codes = models.encode(model, embedded.x_test[:4])
    assert codes.shape == (4, 4, 4, 8)
    np.testing.assert_allclose(latent_space.decode(model, codes.reshape(4, -1)),
                               latent_space.decode(model, codes), atol=1e-6)
    np.testing.assert_allclose(latent_space.decode(model, codes),
                               models.reconstruct(model, embedded.x_test[:4]), atol=1e-5)
