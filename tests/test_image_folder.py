"""A folder of PNG digits as a dataset: the decoder, the MNIST-style framing, the labels."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from explorer.core import image_folder
from explorer.core.data import DatasetError
from explorer.core.image_folder import (
    dataset_from_images,
    decode_image,
    label_from_path,
    load_image_folder,
    load_path,
    to_digit,
)


# ----------------------------------------------------------- a PNG writer
def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _filter_row(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        out.append((x - pred) & 255)
    return bytes(out)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(rows: list[bytes], width: int, ctype: int, depth: int, filters=(0,),
             palette: bytes | None = None, trns: bytes | None = None,
             interlace: int = 0) -> bytes:
    """Raw scanline bytes to a PNG, filtering row i with filters[i % len(filters)]."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, channels * depth // 8)
    prev = bytes(len(rows[0]))
    raw = bytearray()
    for i, row in enumerate(rows):
        kind = filters[i % len(filters)]
        raw.append(kind)
        raw += _filter_row(kind, row, prev, bpp)
        prev = row
    ihdr = struct.pack(">IIBBBBB", width, len(rows), depth, ctype, 0, 0, interlace)
    body = _chunk(b"IHDR", ihdr)
    if palette is not None:
        body += _chunk(b"PLTE", palette)
    if trns is not None:
        body += _chunk(b"tRNS", trns)
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IDAT", zlib.compress(bytes(raw))) + \
        _chunk(b"IEND", b"")


def gray_png(img: np.ndarray, filters=(0, 1, 2, 3, 4)) -> bytes:
    u8 = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    return make_png([r.tobytes() for r in u8], u8.shape[1], 0, 8, filters)


# --------------------------------------------------------------- decoding
@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_every_row_filter_decodes_exactly(kind):
    rng = np.random.default_rng(kind)
    img = rng.integers(0, 256, (9, 13), dtype=np.uint8)
    data = make_png([r.tobytes() for r in img], 13, 0, 8, (kind,))
    np.testing.assert_array_equal(decode_image(data), img / np.float32(255))


def test_rgb_rgba_gray_alpha_and_16_bit():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    luma = (rgb @ np.array([0.299, 0.587, 0.114])) / 255
    data = make_png([r.tobytes() for r in rgb.reshape(5, -1)], 7, 2, 8, (0, 4, 3))
    np.testing.assert_allclose(decode_image(data), luma, atol=1e-6)

    # Transparent pixels show the white under them, as an image viewer does.
    rgba = np.concatenate([rgb, np.zeros((5, 7, 1), np.uint8)], axis=2)
    rgba[0, 0, 3] = 255
    data = make_png([r.tobytes() for r in rgba.reshape(5, -1)], 7, 6, 8, (1, 4))
    out = decode_image(data)
    assert out[0, 0] == pytest.approx(luma[0, 0], abs=1e-6)
    assert np.allclose(out.ravel()[1:], 1.0)

    ga = np.stack([np.full((3, 4), 0, np.uint8), np.full((3, 4), 128, np.uint8)], axis=2)
    data = make_png([r.tobytes() for r in ga.reshape(3, -1)], 4, 4, 8, (2,))
    np.testing.assert_allclose(decode_image(data), 1 - 128 / 255, atol=1e-6)

    g16 = np.array([[0, 65535, 32768]], dtype=">u2")
    data = make_png([g16.tobytes()], 3, 0, 16, (1,))
    np.testing.assert_allclose(decode_image(data), [[0, 1, 32768 / 65535]], atol=1e-6)


def test_one_bit_and_palette_images():
    bits = np.array([[1, 0, 1, 1, 0, 0, 0, 1, 1, 0]], dtype=np.uint8)
    data = make_png([np.packbits(bits).tobytes()], 10, 0, 1)
    np.testing.assert_array_equal(decode_image(data), bits.astype(np.float32))

    palette = bytes([0, 0, 0, 255, 255, 255, 255, 0, 0])
    index = np.array([[0, 1, 2, 1]], dtype=np.uint8)  # 2 bits per pixel
    packed = bytes([(index[0, 0] << 6) | (index[0, 1] << 4) | (index[0, 2] << 2) | index[0, 3]])
    out = decode_image(make_png([packed], 4, 3, 2, palette=palette, trns=bytes([255, 0])))
    # entry 1 is fully transparent: white; entry 2 is red: its luma
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.299, 1.0]], atol=1e-6)


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"GIF89a" + d[6:], "damaged"),  # a GIF header on PNG data
    (lambda d: b"notes: " + d, "not an image"),
    (lambda d: d[:-20], "truncated"),
    (lambda d: d[:40] + bytes([d[40] ^ 0xFF]) + d[41:], "damaged"),
])
def test_damaged_files_raise_dataset_errors_naming_the_file(damage, message):
    data = gray_png(np.zeros((4, 4)))
    with pytest.raises(DatasetError, match=message) as info:
        decode_image(damage(data), "digit.png")
    assert "digit.png" in str(info.value)


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
          (0, 1, 1, 2))  # (x0, y0, dx, dy) of the seven interlacing passes


def interlaced_gray_png(img: np.ndarray) -> bytes:
    """An 8-bit grey PNG in Adam7 order: each pass a small image of its own, unfiltered."""
    raw = bytearray()
    for x0, y0, dx, dy in _ADAM7:
        sub = img[y0::dy, x0::dx]
        if sub.size:
            for row in sub:
                raw += b"\x00" + row.tobytes()
    h, w = img.shape
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))


def test_interlaced_images_decode_and_huge_ones_are_refused_with_a_reason():
    # The old decoder refused interlaced PNGs; Pillow reads them.
    img = np.random.default_rng(3).integers(0, 256, (11, 13), dtype=np.uint8)
    np.testing.assert_array_equal(decode_image(interlaced_gray_png(img)), img / np.float32(255))
    side = image_folder.MAX_SIDE + 1
    ihdr = struct.pack(">IIBBBBB", side, 2, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b"")
    with pytest.raises(DatasetError, match="scale it down"):
        decode_image(data)


# ---------------------------------------------------------- making digits
def test_a_28x28_digit_passes_through_and_a_light_one_is_inverted(tiny):
    digit = np.asarray(tiny.x_test[0])
    np.testing.assert_array_equal(to_digit(digit), digit)
    np.testing.assert_allclose(to_digit(1 - digit), digit, atol=1e-6)


def test_a_large_drawing_is_framed_as_mnist_does():
    canvas = np.ones((280, 200), np.float32)  # black ink on white paper
    canvas[40:240, 90:110] = 0.0  # a tall stroke: a "1"
    digit = to_digit(canvas)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    rows, cols = np.nonzero(digit > 0.5)
    assert rows.max() - rows.min() + 1 == 20  # the long side fitted to 20 pixels
    centre = np.average(np.indices(digit.shape).reshape(2, -1), axis=1, weights=digit.ravel())
    assert np.allclose(centre, 13.5, atol=0.75)  # centred by mass
    assert digit[0].max() == 0 and digit[:, 0].max() == 0  # a black border


def test_dataset_from_images_splits_and_labels(tiny):
    images = [np.asarray(x) for x in tiny.x_test[:20]]
    ds = dataset_from_images(images, list(tiny.y_test[:20]), "class drawings")
    assert (ds.n_train, ds.n_test) == (16, 4)
    assert "class drawings: 16 train / 4 test" == ds.source
    allx = np.concatenate([ds.x_train, ds.x_test])
    ally = np.concatenate([ds.y_train, ds.y_test])
    for x, y in zip(allx, ally, strict=True):  # each image still with its own label
        i = next(i for i, im in enumerate(images) if np.array_equal(im, x))
        assert y == tiny.y_test[i]
    assert not ds.x_train.flags.writeable
    unlabelled = dataset_from_images(images, None, "drawings")
    assert "unlabelled" in unlabelled.source and not unlabelled.y_test.any()
    with pytest.raises(DatasetError, match="at least 2"):
        dataset_from_images(images[:1], [3], "one")
    with pytest.raises(DatasetError, match="label"):
        dataset_from_images(images[:3], [1, 2, 12], "bad labels")


# ---------------------------------------------------------------- folders
def test_labels_from_sub_folders_and_file_names(tmp_path):
    assert label_from_path(tmp_path / "7" / "anything.png", tmp_path) == 7
    assert label_from_path(tmp_path / "3_anna.png", tmp_path) == 3
    assert label_from_path(tmp_path / "4.png", tmp_path) == 4
    assert label_from_path(tmp_path / "012.png", tmp_path) is None  # a number, not a label
    assert label_from_path(tmp_path / "img_3.png", tmp_path) is None


def test_load_image_folder_reads_sub_folders_and_names(tmp_path, tiny):
    for i in range(6):
        label = int(tiny.y_test[i])
        folder = tmp_path / str(label)
        folder.mkdir(exist_ok=True)
        (folder / f"s{i}.png").write_bytes(gray_png(tiny.x_test[i]))
        (tmp_path / f"{label}_n{i}.png").write_bytes(gray_png(1 - tiny.x_test[i]))
    (tmp_path / "notes.txt").write_text("ignored")
    ds = load_image_folder(tmp_path)
    assert ds.n_train + ds.n_test == 12
    assert str(tmp_path) in ds.source and "12 PNG images" in ds.source
    allx = np.concatenate([ds.x_train, ds.x_test])
    ally = np.concatenate([ds.y_train, ds.y_test])
    for i in range(6):  # each digit twice: once as is, once inverted back
        hits = [k for k, x in enumerate(allx) if np.abs(x - tiny.x_test[i]).max() <= 0.5 / 255]
        assert len(hits) == 2 and all(ally[k] == tiny.y_test[i] for k in hits)


def test_an_unlabelled_folder_is_labelled_zero_and_a_mixed_one_is_refused(tmp_path, tiny):
    for i in range(3):
        (tmp_path / f"drawing_{i}.png").write_bytes(gray_png(tiny.x_test[i]))
    ds = load_image_folder(tmp_path)
    assert "unlabelled" in ds.source
    (tmp_path / "5_x.png").write_bytes(gray_png(tiny.x_test[3]))
    with pytest.raises(DatasetError, match="3 of 4 images have no label"):
        load_image_folder(tmp_path)


def test_load_path_routes_npz_idx_and_png_folders(tmp_path, tiny):
    npz = tmp_path / "mine.npz"
    np.savez(npz, x_train=np.asarray(tiny.x_train[:5]) * 255, y_train=tiny.y_train[:5],
             x_test=np.asarray(tiny.x_test[:3]) * 255, y_test=tiny.y_test[:3])
    assert load_path(npz).n_test == 3
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    for i in range(4):
        (pngs / f"{int(tiny.y_test[i])}_{i}.png").write_bytes(gray_png(tiny.x_test[i]))
    assert "PNG images" in load_path(pngs).source
    with pytest.raises(DatasetError, match="open the folder"):
        load_path(pngs / f"{int(tiny.y_test[0])}_0.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="nor does it hold PNG"):
        load_path(empty)
    (pngs / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnonsense")
    with pytest.raises(DatasetError, match="broken.png"):
        load_path(pngs)


def test_assignments_csv_round_trip(tmp_path):
    import csv

    from explorer.core.exporting import write_assignments_csv

    coords = np.array([[0.5, -1.25], [3.0, 4.0], [1e-9, 2.5]])
    path = write_assignments_csv(tmp_path / "a.csv", np.arange(3), np.array([7, 2, 1]),
                                 coords, np.array([1, 0, 1]))
    rows = list(csv.DictReader(path.open(newline="")))
    assert [r["index"] for r in rows] == ["0", "1", "2"]
    assert [r["digit"] for r in rows] == ["7", "2", "1"]
    assert [r["cluster"] for r in rows] == ["1", "0", "1"]
    np.testing.assert_array_equal([[float(r["x"]), float(r["y"])] for r in rows], coords)
    write_assignments_csv(path, np.arange(3), np.array([7, 2, 1]), coords, None)
    assert [r["cluster"] for r in csv.DictReader(path.open(newline=""))] == ["", "", ""]
    with pytest.raises(ValueError):
        write_assignments_csv(path, np.arange(3), np.array([7, 2]), coords, None)
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]  # no temporary left behind
