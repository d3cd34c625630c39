"""MNIST's IDX format, and the checks every loaded array of digits passes.

An IDX file is a big-endian header (magic number, dimension sizes) followed
by unsigned bytes, gzipped or not (told apart by content). The checks turn
any array a user's file holds into float32 images in [0, 1] and int64
labels 0..9, or raise DatasetError saying what is wrong and what to do.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from explorer.core import untrusted
from explorer.core.dataset import DatasetError

__all__ = ["read_idx", "idx_from_bytes", "checked_images", "checked_labels", "checked_pair"]

IMAGES, LABELS = 3, 1  # IDX dimension counts, which are also the magic number's last byte

def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DatasetError(f"{path.name}: file not found ({path})") from exc
    except OSError as exc:
        raise DatasetError(f"{path.name}: cannot be read ({exc.strerror or exc}); "
                           "check that it is a readable file") from exc


def idx_from_bytes(raw: bytes, name: str, ndim: int | None = None) -> np.ndarray:
    """Decode an IDX file (gzipped or not) held in memory; see :func:`read_idx`."""
    gzipped = raw[:2] == b"\x1f\x8b"  # sniff the content: names lie more often than bytes
    if gzipped:
        try:
            # Streamed and bounded by the IDX header inside: a gzip bomb, or a
            # header claiming four billion digits, stops before it allocates.
            raw = untrusted.gunzip(raw, _idx_declared_size)
        except untrusted.Refused as exc:
            raise DatasetError(f"{name}: {exc}; download the file again") from None
        except (EOFError, OSError, zlib.error) as exc:
            raise DatasetError(f"{name}: gzip data is truncated or corrupt ({exc}); "
                               "download the file again") from exc
    elif name.endswith(".gz"):
        raise DatasetError(f"{name}: not a gzip file, although its name ends in .gz; if it is "
                           "a raw IDX file, remove .gz from its name, else download it again")
    if len(raw) < 4:
        raise DatasetError(f"{name}: only {len(raw)} bytes, too short for an IDX file; "
                           "download the file again")
    magic, dims_n = int.from_bytes(raw[:4], "big"), raw[3]
    if ndim is not None and magic != 0x800 | ndim:
        kind = "an image" if ndim == IMAGES else "a label" if ndim == LABELS else f"a {ndim}-d"
        other = {IMAGES: "an image", LABELS: "a label"}.get(magic & 0xFF)
        hint = (f"it looks like {other} file under {kind} file's name; check which file is "
                "which (MNIST's images are *-images-idx3-ubyte, its labels "
                "*-labels-idx1-ubyte)" if other and raw[:3] == b"\x00\x00\x08"
                else "it is not an MNIST IDX file; download the file again")
        raise DatasetError(f"{name}: wrong IDX magic number 0x{magic:08X}, "
                           f"expected 0x{0x800 | ndim:08X} for {kind} file: {hint}")
    if raw[:3] != b"\x00\x00\x08" or dims_n == 0:
        raise DatasetError(f"{name}: not an unsigned-byte IDX file (magic number 0x{magic:08X}; "
                           "MNIST uses 0x00000803 for images and 0x00000801 for labels)")
    header = 4 + 4 * dims_n
    if len(raw) < header:
        raise DatasetError(f"{name}: IDX header truncated ({len(raw)} of {header} bytes); "
                           "download the file again")
    dims = struct.unpack(f">{dims_n}I", raw[4:header])
    expected, actual = math.prod(dims), len(raw) - header
    if actual != expected:
        what = "truncated" if actual < expected else "longer than its header says"
        # A gzipped file is decoded no further than one byte past its header's size.
        holds = f"{actual:,}" if actual < expected or not gzipped else "more"
        raise DatasetError(f"{name}: data {what}: the header declares "
                           f"{' x '.join(map(str, dims))} = {expected:,} bytes, the file holds "
                           f"{holds}; download the file again")
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header).reshape(dims)


def _idx_declared_size(head: bytes) -> int | None:
    """The whole file's size as an IDX header declares it (None: need more bytes;
    0: not an unsigned-byte IDX header, so nothing more needs decoding)."""
    if len(head) < 4:
        return None
    if head[:3] != b"\x00\x00\x08" or head[3] == 0:
        return 0
    header = 4 + 4 * head[3]
    if len(head) < header:
        return None
    return header + math.prod(struct.unpack(f">{head[3]}I", head[4:header]))


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> np.ndarray:
    """Read an unsigned-byte IDX file, gzipped or raw (told apart by content).

    With ``ndim`` (3 for images, 1 for labels) the magic number must match it.
    The result is a read-only uint8 view on the decoded bytes (no copy).
    """
    path = Path(path)
    return idx_from_bytes(read_bytes(path), path.name, ndim)


def _check_dtype(a: np.ndarray, name: str, what: str) -> None:
    if a.dtype == object:
        raise DatasetError(f"{name}: {what} have dtype object (Python objects); "
                           "save them as a numeric array")
    if a.dtype.kind not in "uif":
        raise DatasetError(f"{name}: {what} have dtype {a.dtype}; expected integers or floats")


def checked_images(x: np.ndarray, name: str) -> np.ndarray:
    """Validate images and scale them to float32 in [0, 1]."""
    x = np.asarray(x)
    _check_dtype(x, name, "images")
    if x.ndim == 2 and x.shape[1] == 784:  # flattened, as many tutorials save them
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DatasetError(f"{name}: images have shape {x.shape}; expected (n, 28, 28) or (n, 784)")
    if x.shape[0] == 0:
        raise DatasetError(f"{name}: holds no images")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DatasetError(f"{name}: images contain {int((~np.isfinite(x)).sum()):,} NaN or "
                           "infinite pixel values")
    lo, hi = x.min().item(), x.max().item()
    if lo < 0 or hi > 255:
        raise DatasetError(f"{name}: pixel values span {lo:g}..{hi:g}; expected 0..255 "
                           "(or 0..1 for floats already scaled)")
    out = x.astype(np.float32)  # always a copy, never a view on the caller's data
    if x.dtype.kind != "f" or hi > 1.0:  # floats with max <= 1 are taken as already scaled
        out /= np.float32(255)
    return out


def checked_labels(y: np.ndarray, name: str) -> np.ndarray:
    """Validate labels as class numbers 0..9 and return them as int64."""
    y = np.asarray(y)
    _check_dtype(y, name, "labels")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        hint = " (they look one-hot: save np.argmax(y, axis=1))" if y.ndim == 2 and y.shape[1] == 10 else ""
        raise DatasetError(f"{name}: labels have shape {y.shape}; expected (n,) digits 0..9{hint}")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise DatasetError(f"{name}: labels must be whole numbers 0..9 (found NaN, inf or fractions)")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DatasetError(f"{name}: labels span {y.min().item():g}..{y.max().item():g}; "
                           "expected digits 0..9")
    return y.astype(np.int64)


def checked_pair(x: np.ndarray, y: np.ndarray, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = checked_images(x, x_name), checked_labels(y, y_name)
    if len(images) != len(labels):
        raise DatasetError(f"{x_name} holds {len(images):,} images but {y_name} holds "
                           f"{len(labels):,} labels; they must pair one to one")
    return images, labels


