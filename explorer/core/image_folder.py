"""A folder of digit images as a dataset: for a quick class experiment.

Students draw digits (in any paint program) or photograph them on paper with
a phone, and the lecturer opens the folder: the pre-trained models
reconstruct and cluster their digits. Labels come from sub-folders named 0..9
or from the first character of a file name ("3.png", "3_anna.jpg"; "012.png"
is a number, not a label). A folder without any labels is accepted, every
digit labelled 0, and the dataset's ``source`` says so.

Pillow reads the files (PNG, JPEG, BMP, TIFF, WebP, GIF; 1 to 16 bits,
palettes, transparency) and applies the EXIF orientation a phone records
instead of rotating the pixels. This module stays Qt-free, so the same
loader serves the window, the headless ``train`` command and the tests.

Pictures are made to look like MNIST (explorer.core.preprocess): composited
over white (as a viewer shows a transparent image), photos cleaned of uneven
light and noise, inverted to light ink on black, and, unless already 28x28,
cropped to the ink, fitted into 20x20 and centred by mass in 28x28.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from explorer.core.data import Dataset, DatasetError, load_dataset, split_indices
from explorer.core.preprocess import WORK_SIDE, as_unit_gray, light_on_dark, picture_to_digit

__all__ = ["MAX_SIDE", "IMAGE_SUFFIXES", "decode_image", "read_image", "to_digit",
           "dataset_from_images", "load_image_folder", "load_path", "label_from_path"]

# Pillow decodes a 100-megapixel image in about a second, but no digit needs
# more, and a bigger file is more likely a mistake (or a decompression bomb).
MAX_SIDE = 10_000
_SUFFIX_KIND = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF",
                ".tiff": "TIFF", ".webp": "WebP", ".gif": "GIF"}
IMAGE_SUFFIXES = tuple(_SUFFIX_KIND)
_FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WebP", "GIF")
_FORMAT_LIST = ", ".join(_FORMATS[:-1]) + " or " + _FORMATS[-1]
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"BM", "BMP"),
               (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"))
_LABEL_RE = re.compile(r"^(\d)(?!\d)")  # a leading digit that is not part of a number


# ------------------------------------------------------------------ decoding
def _kind(data: bytes) -> str | None:
    """The image format a file's first bytes announce, if any."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def _open(data: bytes, name: str) -> Image.Image:
    """Open, check and fully decode an image held in memory, or raise DatasetError."""
    kind = _kind(data)
    if kind is None:
        raise DatasetError(f"{name}: not an image file ({_FORMAT_LIST})")
    try:
        with warnings.catch_warnings():
            # Our own MAX_SIDE limit applies; Pillow's bomb warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max(width, height) > MAX_SIDE:
                raise DatasetError(f"{name}: {width}x{height} pixels; images of up to "
                                   f"{MAX_SIDE:,} pixels a side are accepted, scale it down first")
            if kind == "PNG":  # verify() checks every chunk's checksum and the end marker
                Image.open(io.BytesIO(data)).verify()
            if image.format == "JPEG":  # decode a big photo at 1/2, 1/4 or 1/8 size directly
                image.draft(image.mode, (2 * WORK_SIDE, 2 * WORK_SIDE))
            image.load()
            return ImageOps.exif_transpose(image)
    except DatasetError:
        raise
    except Exception as exc:  # Pillow's parsers raise IndexError, KeyError... on bad data
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"{name}: damaged or truncated {kind} file ({reason}); "
                           "save or export it again") from None


def _luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, as most image tools turn colour to grey, computed in float."""
    return rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255


def _gray(image: Image.Image) -> np.ndarray:
    """Any Pillow image as float32 grey in [0, 1], transparency composited over white."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.float32)
    if mode.startswith("I;16"):
        return np.asarray(image).astype(np.float32) / 65535
    if mode == "I":  # 16-bit files often open as 32-bit integers holding 0..65535
        a = np.asarray(image, dtype=np.float64)
        top = 65535.0 if a.max() <= 65535 else max(1.0, float(a.max()))
        return np.clip(a / top, 0, 1).astype(np.float32)
    if mode == "F":
        return as_unit_gray(np.asarray(image, dtype=np.float32))
    if mode == "L":
        return np.asarray(image, dtype=np.float32) / 255
    if mode in ("LA", "La"):
        la = np.asarray(image.convert("LA"), dtype=np.float32) / 255
        return _over_white(la[..., 0], la[..., 1])
    has_alpha = "A" in mode or "transparency" in image.info
    rgba = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    alpha = rgba[..., 3].astype(np.float32) / 255 if has_alpha else None
    return _over_white(_luma(rgba), alpha)


def _over_white(gray: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    out = gray if alpha is None else gray * alpha + (1 - alpha)
    return np.clip(out, 0, 1).astype(np.float32)


def decode_image(data: bytes, name: str = "image") -> np.ndarray:
    """An image file held in memory as float32 grey in [0, 1] (rows x columns).

    Any format and depth Pillow reads; colour becomes luma, transparency is
    composited over white, the EXIF orientation is applied. Photos larger
    than `2 * WORK_SIDE` a side come back at about that size (plenty for a
    20-pixel digit). Raises DatasetError naming `name` for anything it
    cannot read.
    """
    with _open(data, name) as image:
        gray = _gray(image)
    h, w = gray.shape
    if max(h, w) > 2 * WORK_SIDE:
        scale = 2 * WORK_SIDE / max(h, w)
        small = Image.fromarray(gray).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                             Image.Resampling.BOX)
        gray = np.clip(np.asarray(small, dtype=np.float32), 0, 1)
    return gray


def read_image(path: str | os.PathLike[str], name: str | None = None) -> np.ndarray:
    """An image file as float32 grey in [0, 1]; see `decode_image`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{name or path.name}: cannot be read ({exc.strerror or exc})") from None
    return decode_image(data, name or path.name)


# ------------------------------------------------------------ making digits
def to_digit(image: np.ndarray) -> np.ndarray:
    """Any grey picture in [0, 1] as an MNIST-like (28, 28) float32 digit.

    A 28x28 picture is taken as an MNIST digit already and only made light
    on dark; anything else goes through `preprocess.picture_to_digit`.
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"expected a 2-D gray image, got shape {img.shape}")
    if img.shape == (28, 28):
        return np.ascontiguousarray(light_on_dark(img), dtype=np.float32)
    return picture_to_digit(img)


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


def _image_files(folder: Path) -> list[Path]:
    """Images in the folder itself and in its sub-folders named 0..9, in a fixed order."""
    places = [folder] + sorted(p for p in folder.iterdir()
                               if p.is_dir() and len(p.name) == 1 and p.name.isdigit())
    return [f for place in places for f in sorted(place.iterdir())
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]


def load_image_folder(folder: str | os.PathLike[str]) -> Dataset:
    """Every image in `folder` (and its sub-folders 0..9) as a Dataset."""
    folder = Path(os.fspath(folder)).expanduser()
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    files = _image_files(folder)
    if not files:
        raise DatasetError(f"{folder.name or folder}: no images ({_FORMAT_LIST}) in the "
                           f"folder or in sub-folders named 0..9{_unreadable_hint(folder)}")
    images = [read_image(f, f.relative_to(folder).as_posix()) for f in files]
    found = [label_from_path(f, folder) for f in files]
    missing = [f for f, y in zip(files, found, strict=True) if y is None]
    if missing and len(missing) < len(files):
        raise DatasetError(
            f"{folder.name}: {len(missing)} of {len(files)} images have no label "
            f"(e.g. {missing[0].relative_to(folder).as_posix()}); start every file name "
            "with its digit (3_anna.png) or put the images in sub-folders 0..9")
    labels = None if missing else found
    return dataset_from_images(images, labels, f"{len(files):,} {_kinds(files)} images in {folder}")


def _kinds(files: list[Path]) -> str:
    """"PNG", or "JPEG", or "PNG and JPEG": what the dataset's source line calls the images."""
    kinds = sorted({_SUFFIX_KIND.get(f.suffix.lower(), f.suffix[1:].upper()) for f in files})
    return " and ".join(kinds) if len(kinds) <= 2 else ", ".join(kinds[:-1]) + " and " + kinds[-1]


def _unreadable_hint(folder: Path) -> str:
    heic = [p.name for p in folder.iterdir() if p.suffix.lower() in (".heic", ".heif")]
    return (f"; {heic[0]} is HEIC, which is not read: export the photos as JPEG "
            "(on an iPhone: Settings > Camera > Formats > Most Compatible)" if heic else "")


def load_path(path: str | os.PathLike[str]) -> Dataset:
    """Whatever a user may open: a Keras-format .npz, a folder of MNIST IDX files
    (both through `data.load_dataset`) or a folder of digit images."""
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        names = [f.name.lower() for f in p.iterdir()]
        has_idx = any("ubyte" in n for n in names)
        if not has_idx and (any(n.endswith(IMAGE_SUFFIXES) for n in names) or _image_files(p)):
            return load_image_folder(p)
        try:
            return load_dataset(p)
        except DatasetError as exc:
            if has_idx:
                raise
            raise DatasetError(f"{exc}; nor does it hold {_FORMAT_LIST} digit images") from None
    if p.suffix.lower() in IMAGE_SUFFIXES:
        raise DatasetError(f"{p.name}: a single image; open the folder that holds the "
                           f"images ({p.parent}) instead")
    return load_dataset(p)
