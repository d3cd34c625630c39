"""A folder of digit images as a dataset: for a quick class experiment.

Students draw digits (in any paint program), save them as PNG files and the
lecturer opens the folder: the pre-trained models reconstruct and cluster
their digits. Labels come from sub-folders named 0..9 or from the first
character of a file name ("3.png", "3_anna.png"; "012.png" is a number, not a
label). A folder without any labels is accepted, every digit labelled 0, and
the dataset's ``source`` says so.

Why a PNG decoder of our own (about a hundred lines, standard library zlib
plus numpy) rather than Qt's QImage in the UI: this module stays Qt-free, so
the same loader serves the window, the headless ``train`` command and the
tests, and a folder of images is one call from a path to a `Dataset`, like
`data.load_dataset`. The price is speed on big images (two of the five PNG
filters run pixel by pixel in Python), so images are limited to
`MAX_SIDE` pixels a side, with a message saying so.

Pictures are made to look like MNIST: composited over white (as a viewer
shows a transparent PNG), inverted when the background is light (MNIST is
white ink on black), and, unless already 28x28, cropped to the ink, fitted
into 20x20 and centred by mass in a 28x28 field, as the MNIST digits were.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from explorer.core.data import Dataset, DatasetError, load_dataset, split_indices

__all__ = ["MAX_SIDE", "decode_png", "to_digit", "dataset_from_images", "load_image_folder",
           "load_path", "label_from_path"]

MAX_SIDE = 1024  # pixels; pure-Python unfiltering of a phone photo would take minutes
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_LABEL_RE = re.compile(r"^(\d)(?!\d)")  # a leading digit that is not part of a number


# ------------------------------------------------------------------ decoding
def decode_png(data: bytes, name: str = "image") -> np.ndarray:
    """A non-interlaced PNG (any colour type, 1 to 16 bits) as float32 gray in [0, 1].

    Colour is turned to luminance; transparency is composited over white.
    Raises DatasetError naming `name` for anything it cannot read.
    """
    if not data.startswith(_SIGNATURE):
        raise DatasetError(f"{name}: not a PNG file")
    chunks = _chunks(data, name)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise DatasetError(f"{name}: damaged PNG (no image header)")
    width, height, depth, ctype, _comp, _filter, interlace = struct.unpack(">IIBBBBB",
                                                                          chunks[0][1])
    if ctype not in _CHANNELS or depth not in _DEPTHS[ctype]:
        raise DatasetError(f"{name}: unsupported PNG (colour type {ctype}, {depth}-bit)")
    if interlace:
        raise DatasetError(f"{name}: interlaced PNG; save it again without interlacing")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise DatasetError(f"{name}: {width}x{height} pixels; images of up to "
                           f"{MAX_SIDE}x{MAX_SIDE} are accepted, scale it down first")
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    try:
        raw = zlib.decompress(idat)
    except zlib.error as exc:
        raise DatasetError(f"{name}: damaged PNG image data ({exc})") from None
    channels = _CHANNELS[ctype]
    bits = channels * depth
    stride = (width * bits + 7) // 8
    if len(raw) < height * (stride + 1):
        raise DatasetError(f"{name}: truncated PNG image data")
    rows = _unfilter(raw, height, stride, max(1, bits // 8), name)
    samples = _samples(rows, width, channels, depth)  # (h, w, channels) float in [0, 1]
    if ctype == 3:
        return _from_palette(samples[..., 0], dict(chunks), depth, name)
    gray, alpha = _gray_alpha(samples, ctype)
    return _over_white(gray, alpha)


def _chunks(data: bytes, name: str) -> list[tuple[bytes, bytes]]:
    out, pos = [], len(_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise DatasetError(f"{name}: truncated PNG file")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise DatasetError(f"{name}: damaged PNG file (checksum of a {kind!r} chunk)")
        out.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            break
    return out


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, name: str) -> np.ndarray:
    """Undo the per-row PNG filters (none, sub, up, average, Paeth)."""
    out = np.zeros((height + 1, stride), dtype=np.uint8)  # row 0: the zero row above
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, np.uint8, stride, start + 1)
        prev = out[y]
        if kind == 0:
            out[y + 1] = line
        elif kind == 1:  # sub: a running sum per byte position, modulo 256
            out[y + 1] = line.reshape(-1, bpp).cumsum(axis=0, dtype=np.uint8).ravel()
        elif kind == 2:
            out[y + 1] = line + prev
        elif kind in (3, 4):
            out[y + 1] = np.frombuffer(_sequential(line.tobytes(), prev.tobytes(), bpp,
                                                   kind), np.uint8)
        else:
            raise DatasetError(f"{name}: damaged PNG (unknown row filter {kind})")
    return out[1:]


def _sequential(line: bytes, up: bytes, bpp: int, kind: int) -> bytearray:
    """Average (3) and Paeth (4) depend on the byte just decoded: one at a time."""
    cur = bytearray(line)
    for i in range(len(cur)):
        a = cur[i - bpp] if i >= bpp else 0
        b = up[i]
        if kind == 3:
            cur[i] = (cur[i] + ((a + b) >> 1)) & 255
            continue
        c = up[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return cur


def _samples(rows: np.ndarray, width: int, channels: int, depth: int) -> np.ndarray:
    """Unfiltered bytes to (h, w, channels) floats in [0, 1] (palette: raw indices)."""
    h = rows.shape[0]
    if depth == 8:
        values, top = rows[:, :width * channels].astype(np.float32), 255.0
    elif depth == 16:
        pairs = rows[:, :width * channels * 2].reshape(h, -1, 2).astype(np.float32)
        values, top = pairs[..., 0] * 256 + pairs[..., 1], 65535.0
    else:  # 1, 2 or 4 bits, one channel: unpack and reassemble the bit groups
        bits = np.unpackbits(rows, axis=1)[:, :width * depth].reshape(h, width, depth)
        weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.float32)
        values, top = bits.astype(np.float32) @ weights, float((1 << depth) - 1)
    values = values.reshape(h, width, channels)
    return values / top


def _gray_alpha(samples: np.ndarray, ctype: int) -> tuple[np.ndarray, np.ndarray | None]:
    if ctype in (0, 4):
        gray = samples[..., 0]
    else:  # ITU-R 601 luma, as most image tools convert to gray
        gray = samples[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    alpha = samples[..., -1] if ctype in (4, 6) else None
    return gray, alpha


def _from_palette(scaled: np.ndarray, chunks: dict[bytes, bytes], depth: int,
                  name: str) -> np.ndarray:
    palette = np.frombuffer(chunks.get(b"PLTE", b""), np.uint8)
    if palette.size == 0 or palette.size % 3:
        raise DatasetError(f"{name}: damaged PNG (palette image without a palette)")
    palette = palette.reshape(-1, 3).astype(np.float32) / 255
    index = np.rint(scaled * ((1 << depth) - 1)).astype(np.int64)
    if index.max() >= len(palette):
        raise DatasetError(f"{name}: damaged PNG (pixel outside the palette)")
    alpha = np.ones(len(palette), np.float32)
    trns = np.frombuffer(chunks.get(b"tRNS", b""), np.uint8)[:len(palette)]
    alpha[:len(trns)] = trns / 255
    gray = palette @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return _over_white(gray[index], alpha[index])


def _over_white(gray: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    out = gray if alpha is None else gray * alpha + (1 - alpha)
    return np.clip(out, 0, 1).astype(np.float32)


# ------------------------------------------------------------ making digits
def to_digit(image: np.ndarray) -> np.ndarray:
    """Any gray picture in [0, 1] as an MNIST-like (28, 28) float32 digit."""
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"expected a 2-D gray image, got shape {img.shape}")
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if border.mean() > 0.5:  # dark ink on a light background: MNIST is the other way
        img = 1 - img
    if img.shape == (28, 28):
        return np.ascontiguousarray(img)
    ink = img > 0.1 * img.max() if img.max() > 0 else np.zeros(img.shape, bool)
    if not ink.any():
        return _area_resize(img, 28, 28)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20 / max(crop.shape)  # MNIST: the digit's box fitted into 20x20
    h = max(1, round(crop.shape[0] * scale))
    w = max(1, round(crop.shape[1] * scale))
    small = _area_resize(crop, h, w)
    total = small.sum()
    cy = (small.sum(axis=1) @ np.arange(h)) / total if total > 0 else (h - 1) / 2
    cx = (small.sum(axis=0) @ np.arange(w)) / total if total > 0 else (w - 1) / 2
    top = int(np.clip(round(13.5 - cy), 0, 28 - h))
    left = int(np.clip(round(13.5 - cx), 0, 28 - w))
    out = np.zeros((28, 28), np.float32)
    out[top:top + h, left:left + w] = small
    return out


def _area_resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Each output pixel the mean of the input area it covers (exact box filter)."""
    return (_area_matrix(h, img.shape[0]) @ img @ _area_matrix(w, img.shape[1]).T
            ).astype(np.float32)


def _area_matrix(n_out: int, n_in: int) -> np.ndarray:
    edges = np.arange(n_out + 1) * (n_in / n_out)
    starts = np.arange(n_in)
    overlap = (np.minimum(edges[1:, None], starts[None, :] + 1)
               - np.maximum(edges[:-1, None], starts[None, :]))
    weights = np.clip(overlap, 0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def dataset_from_images(images: Sequence[np.ndarray], labels: Sequence[int] | None,
                        source: str) -> Dataset:
    """Gray pictures (any size, [0, 1]) and digit labels (None: unlabelled) as a
    Dataset split 80/20 by the same seeded rule as the embedded sample."""
    if len(images) < 2:
        raise DatasetError(f"{source}: {len(images)} image(s); at least 2 are needed, "
                           "one to train on and one to test")
    note = ""
    if labels is None:
        labels, note = [0] * len(images), " (unlabelled: every digit labelled 0)"
    y = np.asarray(labels, dtype=np.int64)
    if y.shape != (len(images),) or (y.min() < 0 or y.max() > 9):
        raise DatasetError(f"{source}: expected one label 0..9 per image")
    x = np.stack([to_digit(img) for img in images])
    if not np.isfinite(x).all():
        raise DatasetError(f"{source}: images contain NaN or infinite values")
    tr, te = split_indices(len(x))
    ds = Dataset(x[tr], y[tr], x[te], y[te],
                 source=f"{source}: {len(tr):,} train / {len(te):,} test{note}")
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        a.flags.writeable = False  # as data.py's loaders: datasets are shared
    return ds


# ------------------------------------------------------------------ folders
def label_from_path(path: Path, root: Path) -> int | None:
    """The digit a file stands for: its sub-folder 0..9, else its name's first digit."""
    parent = path.parent.name
    if path.parent != root and len(parent) == 1 and parent.isdigit():
        return int(parent)
    match = _LABEL_RE.match(path.name)
    return int(match.group(1)) if match else None


def _png_files(folder: Path) -> list[Path]:
    """PNGs in the folder itself and in its sub-folders named 0..9, in a fixed order."""
    places = [folder] + sorted(p for p in folder.iterdir()
                               if p.is_dir() and len(p.name) == 1 and p.name.isdigit())
    return [f for place in places for f in sorted(place.iterdir())
            if f.is_file() and f.suffix.lower() == ".png"]


def load_image_folder(folder: str | os.PathLike[str]) -> Dataset:
    """Every PNG in `folder` (and its sub-folders 0..9) as a Dataset."""
    folder = Path(os.fspath(folder)).expanduser()
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    files = _png_files(folder)
    if not files:
        raise DatasetError(f"{folder.name or folder}: no PNG images in the folder or in "
                           "sub-folders named 0..9")
    images = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise DatasetError(f"{f.name}: cannot be read ({exc.strerror or exc})") from None
        images.append(decode_png(data, f.relative_to(folder).as_posix()))
    found = [label_from_path(f, folder) for f in files]
    missing = [f for f, y in zip(files, found, strict=True) if y is None]
    if missing and len(missing) < len(files):
        raise DatasetError(
            f"{folder.name}: {len(missing)} of {len(files)} images have no label "
            f"(e.g. {missing[0].relative_to(folder).as_posix()}); start every file name "
            "with its digit (3_anna.png) or put the images in sub-folders 0..9")
    labels = None if missing else found
    return dataset_from_images(images, labels, f"{len(files):,} PNG images in {folder}")


def load_path(path: str | os.PathLike[str]) -> Dataset:
    """Whatever a user may open: a Keras-format .npz, a folder of MNIST IDX files
    (both through `data.load_dataset`) or a folder of PNG digit images."""
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        names = [f.name.lower() for f in p.iterdir()]
        has_idx = any("ubyte" in n for n in names)
        if not has_idx and (any(n.endswith(".png") for n in names) or _png_files(p)):
            return load_image_folder(p)
        try:
            return load_dataset(p)
        except DatasetError as exc:
            if has_idx:
                raise
            raise DatasetError(f"{exc}; nor does it hold PNG digit images") from None
    if p.suffix.lower() == ".png":
        raise DatasetError(f"{p.name}: a single image; open the folder that holds the "
                           f"images ({p.parent}) instead")
    return load_dataset(p)
