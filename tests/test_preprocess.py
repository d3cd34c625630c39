"""MNIST-style preprocessing: polarity, the 20x20 fit, centring by mass, and photo cleaning."""

from __future__ import annotations

import numpy as np
import pytest
from photos import photo_of
from PIL import Image

from explorer.core import preprocess
from explorer.core.preprocess import clean_photo, looks_like_photo, mnist_style, otsu_threshold


def _centre_of_mass(img: np.ndarray) -> np.ndarray:
    return np.average(np.indices(img.shape).reshape(2, -1), axis=1, weights=img.ravel())


def _box(img: np.ndarray, level: float = 0.1) -> tuple[int, int]:
    rows, cols = np.nonzero(img > level)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def _enlarged(digit: np.ndarray, side: int) -> np.ndarray:
    return np.asarray(Image.fromarray(np.asarray(digit, np.float32)).resize(
        (side, side), Image.Resampling.BILINEAR)).clip(0, 1)


def test_an_off_centre_oversized_digit_is_fitted_and_centred(tiny):
    canvas = np.ones((600, 500), np.float32)  # dark ink on white, as drawn on paper
    digit = _enlarged(tiny.x_test[0], 420)
    canvas[10:430, 60:480] = 1 - digit  # near the top edge, far bigger than 20x20
    out = mnist_style(canvas)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert np.abs(_centre_of_mass(out) - 13.5).max() <= 1.0
    assert abs(max(_box(out)) - 20) <= 1
    # it is still the same digit: close to MNIST's own framing of it
    reference = mnist_style(tiny.x_test[0])
    assert np.corrcoef(out.ravel(), reference.ravel())[0, 1] > 0.9


def test_polarity_and_number_type_do_not_matter(tiny):
    drawing = _enlarged(tiny.x_test[1], 200)
    light_on_dark = mnist_style(drawing)
    np.testing.assert_allclose(mnist_style(1 - drawing), light_on_dark, atol=1e-5)
    as_u8 = np.round(drawing * 255).astype(np.uint8)
    as_u16 = np.round(drawing * 65535).astype(np.uint16)
    np.testing.assert_allclose(mnist_style(as_u8), light_on_dark, atol=0.02)
    np.testing.assert_allclose(mnist_style(as_u16), light_on_dark, atol=1e-3)


def test_the_aspect_ratio_is_kept():
    bar = np.zeros((300, 400), np.float32)
    bar[100:140, 20:380] = 1.0  # 40 x 360: a dash
    out = mnist_style(bar)
    height, width = _box(out, 0.5)
    assert width == 20 and height in (2, 3)  # 360 -> 20, so 40 -> 2.2
    small = np.zeros((40, 40), np.float32)
    small[15:25, 18:22] = 1.0  # a 10 x 4 mark is enlarged, bilinearly
    height, width = _box(mnist_style(small), 0.5)
    assert height == 20 and width in (7, 8, 9)


def test_blank_pictures_give_a_black_field():
    assert not mnist_style(np.zeros((50, 60))).any()
    assert not mnist_style(np.ones((50, 60))).any()


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="2-D"):
        mnist_style(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        mnist_style(np.full((8, 8), np.nan))


def test_otsu_separates_two_populations():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.2, 0.03, 5000), rng.normal(0.7, 0.05, 1000)])
    assert 0.3 < otsu_threshold(values) < 0.6


def test_a_photo_is_recognised_and_cleaned(tiny):
    rng = np.random.default_rng(5)
    digit = tiny.x_test[2]
    photo = photo_of(digit, rng)
    assert looks_like_photo(photo)
    assert not looks_like_photo(1 - _enlarged(digit, 300))  # a clean drawing is not one
    cleaned = clean_photo(photo)
    ink = cleaned > 0.5
    # the paper, however lit, is black; the strokes bright
    assert np.median(cleaned[~ink]) == 0.0
    assert cleaned[ink].mean() > 0.8
    out = preprocess.picture_to_digit(photo)
    reference = mnist_style(digit)
    assert np.corrcoef(out.ravel(), reference.ravel())[0, 1] > 0.8


def test_thin_pen_strokes_are_thickened_to_mnist_proportions():
    page = np.ones((400, 400), np.float32)
    page[60:340, 198:202] = 0.1  # a "1" written with a fine pen: 4 px wide, 280 tall
    rng = np.random.default_rng(1)
    photo = np.clip(page * np.linspace(0.7, 1.0, 400)[None, :] + rng.normal(0, 0.02, page.shape),
                    0, 1).astype(np.float32)
    out = preprocess.picture_to_digit(photo)
    height, width = _box(out, 0.5)
    assert height in (19, 20, 21) and width >= 2  # not a faint hairline


def test_paper_with_no_ink_is_blank():
    rng = np.random.default_rng(2)
    paper = np.clip(0.85 + rng.normal(0, 0.02, (200, 150)), 0, 1).astype(np.float32)
    assert clean_photo(paper).max() <= 0.5
