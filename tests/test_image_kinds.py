"""Every kind of image a class brings, read through Pillow; and a folder of phone photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from photos import jpeg_bytes, photo_of
from PIL import Image

from explorer.core import image_folder
from explorer.core.data import DatasetError
from explorer.core.image_folder import decode_image, load_image_folder, load_path
from explorer.core.preprocess import mnist_style

LUMA = np.array([0.299, 0.587, 0.114])


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


@pytest.fixture(scope="module")
def rgb() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (9, 14, 3), dtype=np.uint8)


@pytest.mark.parametrize("fmt, options", [
    ("PNG", {}), ("BMP", {}), ("TIFF", {}), ("TIFF", {"compression": "tiff_lzw"}),
    ("WEBP", {"lossless": True}),
])
def test_lossless_colour_formats_decode_to_exact_luma(rgb, fmt, options):
    out = decode_image(_saved(Image.fromarray(rgb), fmt, **options), f"x.{fmt.lower()}")
    assert out.dtype == np.float32 and out.shape == (9, 14)
    np.testing.assert_allclose(out, rgb @ LUMA / 255, atol=1e-5)


def test_jpeg_decodes_close_to_the_original():
    smooth = np.add.outer(np.linspace(0, 200, 40), np.linspace(0, 55, 30)).astype(np.uint8)
    out = decode_image(_saved(Image.fromarray(smooth), "JPEG", quality=95), "photo.jpg")
    assert out.shape == (40, 30)
    assert np.abs(out - smooth / 255).mean() < 0.01


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_grey_keeps_its_precision(fmt):
    values = np.array([[0, 1, 257, 32768, 65534, 65535]], dtype=np.uint16)
    out = decode_image(_saved(Image.fromarray(values), fmt), f"deep.{fmt.lower()}")
    np.testing.assert_allclose(out, values / 65535, atol=1e-7)
    assert out[0, 1] > 0  # 1/65535 is not rounded away to 0, as an 8-bit path would


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "BMP"])
def test_palette_images_with_and_without_transparency(fmt):
    index = np.array([[0, 1, 2, 1, 0]], dtype=np.uint8)
    image = Image.fromarray(index, mode="P")
    image.putpalette([0, 0, 0, 255, 255, 255, 255, 0, 0] + [0] * (256 * 3 - 9))
    expected = np.array([[0.0, 1.0, 0.299, 1.0, 0.0]])
    np.testing.assert_allclose(decode_image(_saved(image, fmt), f"p.{fmt.lower()}"), expected,
                               atol=2e-3)
    if fmt != "BMP":  # BMP has no transparency
        image.info["transparency"] = 0  # black made see-through: white paper shows
        out = decode_image(_saved(image, fmt, transparency=0), f"t.{fmt.lower()}")
        np.testing.assert_allclose(out, [[1.0, 1.0, 0.299, 1.0, 1.0]], atol=2e-3)


def test_alpha_is_composited_over_white():
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[..., 3] = [[255, 128, 0], [0, 255, 64]]  # black ink, more or less opaque
    out = decode_image(_saved(Image.fromarray(rgba, mode="RGBA"), "PNG"), "a.png")
    np.testing.assert_allclose(out, 1 - rgba[..., 3] / 255, atol=1e-6)
    la = np.stack([np.zeros((2, 2), np.uint8), np.full((2, 2), 51, np.uint8)], axis=-1)
    out = decode_image(_saved(Image.fromarray(la, mode="LA"), "PNG"), "la.png")
    np.testing.assert_allclose(out, 0.8, atol=1e-6)


@pytest.mark.parametrize("orientation, turn", [(1, 0), (3, 2), (6, -1), (8, 1)])
def test_the_exif_orientation_of_a_phone_photo_is_applied(orientation, turn):
    pixels = np.zeros((4, 6), np.uint8)
    pixels[0, :2] = 255  # a mark at the top left of the sensor
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = decode_image(_saved(Image.fromarray(pixels), "PNG", exif=exif), "phone.png")
    np.testing.assert_array_equal(out, np.rot90(pixels, k=turn) / np.float32(255))
    # the same from a JPEG, as phones write it (lossy: compared by where the mark is)
    big = np.kron(pixels, np.ones((16, 16), np.uint8))
    out = decode_image(_saved(Image.fromarray(big), "JPEG", quality=95, exif=exif), "p.jpg")
    np.testing.assert_array_equal(out > 0.5, np.rot90(big, k=turn) > 127)


def test_big_photos_come_back_small_enough_to_process():
    photo = np.full((3000, 4000), 200, np.uint8)
    out = decode_image(_saved(Image.fromarray(photo), "JPEG", quality=80), "big.jpg")
    assert max(out.shape) <= 2 * image_folder.WORK_SIDE
    assert out.shape[1] / out.shape[0] == pytest.approx(4 / 3, rel=0.01)


def test_a_heic_folder_says_how_to_export_instead(tmp_path):
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with pytest.raises(DatasetError, match="export the photos as JPEG"):
        load_image_folder(tmp_path)


def test_a_folder_of_mixed_formats_loads(tmp_path, tiny):
    formats = [("PNG", ".png"), ("JPEG", ".jpg"), ("BMP", ".bmp"), ("TIFF", ".tif"),
               ("WEBP", ".webp"), ("GIF", ".gif")]
    for i, (fmt, suffix) in enumerate(formats):
        digit = np.round(np.asarray(tiny.x_test[i]) * 255).astype(np.uint8)
        options = {"quality": 95} if fmt == "JPEG" else {}
        (tmp_path / f"{int(tiny.y_test[i])}_{i}{suffix}").write_bytes(
            _saved(Image.fromarray(digit), fmt, **options))
    ds = load_path(tmp_path)
    assert ds.n_train + ds.n_test == len(formats)
    for kind in ("PNG", "JPEG", "BMP", "TIFF", "WebP", "GIF"):
        assert kind in ds.source


def test_a_folder_of_phone_photos_is_reconstructed_by_the_shipped_simple_model(tmp_path, embedded):
    """Dark ink on unevenly lit, noisy paper, saved as JPEG: the loader hands the models
    digits close to MNIST's, which the shipped simple model reconstructs well."""
    from explorer.core import models, store, training

    rng = np.random.default_rng(11)
    n = 30
    originals = embedded.x_test[:n]
    names = [f"{int(embedded.y_test[i])}_photo{i:02d}.jpg" for i in range(n)]
    for name, digit in zip(names, originals, strict=True):
        (tmp_path / name).write_bytes(jpeg_bytes(photo_of(digit, rng)))
    ds = load_image_folder(tmp_path)
    assert ds.n_train + ds.n_test == n and "30 JPEG images" in ds.source
    loaded = np.concatenate([ds.x_train, ds.x_test])
    labels = np.concatenate([ds.y_train, ds.y_test])
    # each photo came back as the digit photographed: files are read in name
    # order, then split by the fixed permutation
    by_name = np.argsort(names)[np.concatenate(image_folder.split_indices(n))]
    np.testing.assert_array_equal(labels, embedded.y_test[by_name])
    framed = np.stack([mnist_style(d) for d in originals[by_name]])
    similarity = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(loaded, framed, strict=True)]
    assert np.median(similarity) > 0.85
    model = models.build("simple")
    store.load_weights(model, store.shipped_weights("simple"))
    loss = training.evaluate_loss(model, loaded)
    assert loss < 0.2, f"binary cross-entropy {loss:.3f} on the photographed digits"
