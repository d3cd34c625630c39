"""explorer.core.views: what the Reconstructions and Latent-codes tabs show."""

from __future__ import annotations

import numpy as np
import pytest
from recording import RecordingTask

from explorer.core import models, views
from explorer.core.data import add_noise
from explorer.core.tasks import Cancelled


@pytest.fixture(scope="module")
def conv():
    return models.build("conv")


# ------------------------------------------------------------------ noise
def test_slider_steps_are_exact_factors():
    assert [views.noise_from_step(s) for s in (0, 7, 20)] == [0.0, 0.35, 1.0]
    assert views.noise_from_step(25) == 1.0 and views.noise_from_step(-1) == 0.0
    assert all(views.step_from_noise(views.noise_from_step(s)) == s for s in range(21))


def test_same_slider_value_and_seed_give_identical_noise(tiny):
    x = tiny.x_test[:10]
    a = views.noisy_digits(x, views.noise_from_step(7), seed=3)
    views.noisy_digits(x, 0.9, seed=3)  # another position in between
    b = views.noisy_digits(x, views.noise_from_step(7), seed=3)
    np.testing.assert_array_equal(a, b)
    # The documented contract: exactly data.add_noise with that seed.
    np.testing.assert_array_equal(a, add_noise(x, 0.35, seed=3))
    assert not np.array_equal(a, views.noisy_digits(x, 0.35, seed=4))
    assert a.min() >= 0 and a.max() <= 1 and a.dtype == np.float32


def test_one_seed_scales_one_noise_field(tiny):
    """Moving the slider scales a fixed pattern: unclipped pixels move linearly."""
    x = tiny.x_test[:10]
    lo, hi = views.noisy_digits(x, 0.1, 0), views.noisy_digits(x, 0.2, 0)
    inside = (lo > 0) & (lo < 1) & (hi > 0) & (hi < 1)
    np.testing.assert_allclose((hi - x)[inside], 2 * (lo - x)[inside], atol=1e-5)


def test_no_noise_gives_none():
    assert views.noisy_digits(np.zeros((2, 28, 28), np.float32), 0.0, 0) is None


# -------------------------------------------------------------- selection
def test_selections(tiny):
    np.testing.assert_array_equal(views.select_digits(tiny, "first"), np.arange(10))
    a = views.select_digits(tiny, "random", seed=1)
    assert len(set(a.tolist())) == 10 and a.max() < tiny.n_test
    np.testing.assert_array_equal(a, views.select_digits(tiny, "random", seed=1))
    assert not np.array_equal(a, views.select_digits(tiny, "random", seed=2))
    classes = views.select_digits(tiny, "classes")
    assert tiny.y_test[classes].tolist() == list(range(10))
    with pytest.raises(ValueError, match="mode"):
        views.select_digits(tiny, "best")


# ----------------------------------------------------------------- views
def test_view_without_noise_reconstructs_the_originals(conv, tiny):
    idx = np.array([3, 1, 4])
    v = views.compute_view(conv, tiny, idx, 0.0, noise_seed=0)
    assert v.noisy is None and v.noise == 0.0 and v.arch_id == "conv"
    np.testing.assert_array_equal(v.originals, tiny.x_test[idx])
    np.testing.assert_array_equal(v.labels, tiny.y_test[idx])
    np.testing.assert_allclose(v.reconstructions, models.reconstruct(conv, tiny.x_test[idx]),
                               atol=1e-6)
    np.testing.assert_allclose(v.codes, models.encode(conv, tiny.x_test[idx]), atol=1e-6)
    np.testing.assert_allclose(
        v.per_digit_loss, models.per_image_loss(tiny.x_test[idx], v.reconstructions))
    assert v.codes.shape == (3, 4, 4, 8)


def test_noisy_view_feeds_the_noisy_digits_and_scores_against_clean(conv, tiny):
    idx = np.arange(5)
    v = views.compute_view(conv, tiny, idx, 0.5, noise_seed=7)
    np.testing.assert_array_equal(v.noisy, add_noise(tiny.x_test[idx], 0.5, seed=7))
    assert v.noisy.min() >= 0 and v.noisy.max() <= 1
    np.testing.assert_allclose(v.reconstructions, models.reconstruct(conv, v.noisy), atol=1e-6)
    np.testing.assert_allclose(v.codes, models.encode(conv, v.noisy), atol=1e-6)
    np.testing.assert_allclose(v.per_digit_loss,
                               models.per_image_loss(tiny.x_test[idx], v.reconstructions))
    assert v.inputs is v.noisy


def test_mean_test_loss_reports_progress_and_matches_per_image_loss(conv, tiny):
    state = RecordingTask()
    got = views.mean_test_loss(conv, tiny, 0.3, seed=2, state=state, batch_size=20)
    x = tiny.x_test
    want = models.per_image_loss(x, models.reconstruct(conv, add_noise(x, 0.3, seed=2))).mean()
    assert got == pytest.approx(want, rel=1e-5)
    fractions = state.fractions
    assert len(fractions) == 4 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert state.checks == 4


def test_mean_test_loss_stops_when_cancelled(conv, tiny):
    state = RecordingTask(cancel_at_check=2)
    with pytest.raises(Cancelled):
        views.mean_test_loss(conv, tiny, 0.0, seed=0, state=state, batch_size=20)
    assert len(state.fractions) == 1


# -------------------------------------------------------------- code images
def test_conv_code_image_is_the_seeds_picture():
    code = np.random.default_rng(0).random((4, 4, 8)).astype(np.float32)
    img = views.code_image(code, "conv")
    assert img.shape == (32, 4)
    np.testing.assert_array_equal(img, code.reshape(4, 32).T)


def test_dense_code_image_is_four_by_eight():
    code = np.arange(32, dtype=np.float32)
    for arch in ("simple", "sparse", "deep"):
        img = views.code_image(code, arch)
        assert img.shape == (4, 8)
        np.testing.assert_array_equal(img.ravel(), code)


def test_denoise_code_image_tiles_all_32_maps():
    code = np.random.default_rng(1).random((7, 7, 32)).astype(np.float32)
    img = views.code_image(code, "denoise")
    assert img.shape == (4 * 7 + 3, 8 * 7 + 7)
    for k in range(32):
        r, c = divmod(k, 8)
        np.testing.assert_array_equal(img[r * 8:r * 8 + 7, c * 8:c * 8 + 7], code[:, :, k])
    assert np.isnan(img).sum() == img.size - code.size  # only the gaps are blank


def test_code_levels_share_one_scale():
    assert views.code_levels(np.array([[0.0, 2.5], [1.0, 0.5]])) == (0.0, 2.5)
    assert views.code_levels(np.zeros((2, 3))) == (0.0, 1.0)  # never an empty range
    # a diverged model: the scale spans the finite codes, never reaches inf
    assert views.code_levels(np.array([[np.inf, 2.0], [np.nan, 0.5]])) == (0.0, 2.0)
    assert views.code_levels(np.full((2, 2), np.inf)) == (0.0, 1.0)


# ------------------------------------------------------------------ sparsity
def test_sparsity_stats():
    codes = np.array([[0.0, 1.0, 3.0, 0.0], [2.0, 0.0, 0.0, 6.0]], np.float32)
    s = views.sparsity_stats(codes, bins=6)
    assert s.mean_activation == pytest.approx(codes.mean())
    assert s.zero_fraction == 0.5
    assert s.counts.sum() == 4  # the non-zero values only
    assert s.edges[0] == 0 and s.edges[-1] == 6 and len(s.edges) == 7
    assert (s.n_codes, s.code_size, s.max_activation) == (2, 4, 6.0)


def test_code_sparsity_encodes_the_whole_test_split(conv, tiny):
    state = RecordingTask()
    s = views.code_sparsity(conv, tiny, state)
    codes = models.encode(conv, tiny.x_test)
    assert s.mean_activation == pytest.approx(float(codes.mean()), rel=1e-5)
    assert s.n_codes == tiny.n_test and s.code_size == 128
    assert state.fractions[-1] == 1.0


# ---------------------------------------------------------------------- grids
def test_grid_image_shapes_follow_the_seeds_figure():
    rows = [np.zeros((10, 28, 28), np.float32), np.ones((10, 28, 28), np.float32)]
    two = views.grid_image(rows, gap=2)
    assert two.shape == (2 * 28 + 2, 10 * 28 + 9 * 2)
    three = views.grid_image(rows + [np.full((10, 28, 28), 0.5, np.float32)], gap=2)
    assert three.shape == (3 * 28 + 2 * 2, 10 * 28 + 9 * 2)
    np.testing.assert_array_equal(three[:28, :28], 0)  # first original
    np.testing.assert_array_equal(three[30:58, 30:58], 1)  # second digit, second row
    assert (three[:, 28:30] == 1).all()  # white gaps, as matplotlib's background


def test_strip_with_no_digits_is_blank():
    strip = views.strip_image(None, 3, gap=2)
    assert strip.shape == (28, 88) and np.isnan(strip).all()


def test_latent_grid_image_places_digits_over_codes():
    inputs = np.zeros((10, 28, 28), np.float32)
    pictures = [np.full((32, 4), i, np.float32) for i in range(10)]
    values, mask = views.latent_grid_image(inputs, pictures, (0.0, 9.0), gap=4)
    # conv codes are enlarged twice (32 rows -> 64 <= 84) and sit under the digits
    assert values.shape == (28 + 4 + 64, 10 * 28 + 9 * 4)
    assert mask.sum() == 10 * 64 * 8
    assert values[40, 12 + 32 * 9] == pytest.approx(1.0)  # the last code at the top level
    assert not mask[:28].any()
