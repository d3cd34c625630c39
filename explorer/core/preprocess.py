"""Pictures of digits made to look like MNIST digits.

MNIST's digits were made from scanned black-on-white handwriting: the ink
made light on dark, the digit's bounding box scaled to fit 20x20 pixels with
its aspect ratio kept (anti-aliased, hence the grey edges), and the result
placed in a 28x28 field so that its centre of mass is at the centre.
`mnist_style` does exactly that for any clean grey picture (a drawing, a scan,
the program's drawing canvas), whatever its polarity or size.

A phone photo of a digit on paper is not clean: the light falls unevenly, the
paper is grey rather than white, the sensor adds noise, and a ballpoint
stroke is thin for its size. `clean_photo` flattens the lighting (the paper
is estimated by a grey opening, which erases strokes thinner than its window,
then smoothed), thresholds by Otsu's method, and thickens thin strokes to
MNIST's proportions. `picture_to_digit` decides which a picture needs.

Pure numpy plus Pillow's resampling; no Qt, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageFilter

__all__ = ["FIELD", "BOX", "as_unit_gray", "light_on_dark", "mnist_style", "looks_like_photo",
           "clean_photo", "picture_to_digit", "otsu_threshold"]

FIELD = 28  # MNIST's image side
BOX = 20  # the side of the box its digits were fitted into
WORK_SIDE = 512  # photos are cleaned at most this large: plenty for a 20-pixel digit
_INK = 0.1  # after normalising, a pixel brighter than this is part of the digit's box
# MNIST strokes are about a tenth of the digit's height (2-3 px of 20).
_STROKE_SHARE = 0.1


def as_unit_gray(image: np.ndarray) -> np.ndarray:
    """A 2-D array of any numeric type as float32 in [0, 1].

    Integers are divided by their type's maximum (uint8 by 255, uint16 by
    65,535); floats already in [0, 1] are kept; anything else is stretched
    from its minimum to its maximum.
    """
    a = np.asarray(image)
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"expected a 2-D grey image, got shape {a.shape}")
    if a.dtype == bool:
        return a.astype(np.float32)
    if a.dtype.kind == "u":
        return (a / np.float32(np.iinfo(a.dtype).max)).astype(np.float32)
    if a.dtype.kind not in "if":
        raise ValueError(f"expected numbers, got an array of {a.dtype}")
    a = a.astype(np.float32)
    if not np.isfinite(a).all():
        raise ValueError("the image holds NaN or infinite values")
    lo, hi = float(a.min()), float(a.max())
    if lo >= 0 and hi <= 1:
        return a
    return (a - lo) / np.float32(hi - lo) if hi > lo else np.zeros_like(a)


def _border(img: np.ndarray) -> np.ndarray:
    return np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])


def light_on_dark(img: np.ndarray) -> np.ndarray:
    """The picture with light ink on a dark background, as MNIST is.

    The background is what the border mostly shows: a light border (paper)
    means dark ink, so the picture is inverted.
    """
    return 1 - img if np.median(_border(img)) > 0.5 else img


def _resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Anti-aliased resampling: the exact area average when shrinking, bilinear when growing."""
    if img.shape == (h, w):
        return img.astype(np.float32, copy=True)
    shrinking = h * w < img.size
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    out = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32)).resize((w, h), method)
    return np.clip(np.asarray(out, dtype=np.float32), 0, 1)


def mnist_style(image: np.ndarray) -> np.ndarray:
    """Any 2-D grey picture as a (28, 28) float32 MNIST digit in [0, 1].

    Light ink on black whatever the input's polarity; the background (the
    border's median) taken to 0 and the brightest ink to 1; the ink's
    bounding box scaled so that its longer side is 20 pixels (aspect kept,
    anti-aliased); placed so that its centre of mass is at the field's centre
    (13.5, 13.5), as near as the whole box allows. A picture with no ink
    gives a black field.
    """
    img = light_on_dark(as_unit_gray(image))
    background = float(np.median(_border(img)))
    peak = float(img.max())
    if peak - background <= 1e-6:
        return np.zeros((FIELD, FIELD), np.float32)
    img = np.clip((img - background) / np.float32(peak - background), 0, 1)
    rows = np.flatnonzero((img > _INK).any(axis=1))
    cols = np.flatnonzero((img > _INK).any(axis=0))
    crop = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = BOX / max(crop.shape)
    h = min(BOX, max(1, round(crop.shape[0] * scale)))
    w = min(BOX, max(1, round(crop.shape[1] * scale)))
    small = _resize(crop, h, w)
    return _centred_by_mass(small)


def _centred_by_mass(small: np.ndarray) -> np.ndarray:
    h, w = small.shape
    total = float(small.sum())
    cy = float(small.sum(axis=1) @ np.arange(h)) / total if total > 0 else (h - 1) / 2
    cx = float(small.sum(axis=0) @ np.arange(w)) / total if total > 0 else (w - 1) / 2
    centre = (FIELD - 1) / 2
    top = int(np.clip(round(centre - cy), 0, FIELD - h))
    left = int(np.clip(round(centre - cx), 0, FIELD - w))
    out = np.zeros((FIELD, FIELD), np.float32)
    out[top:top + h, left:left + w] = small
    return out


# ------------------------------------------------------------------ photos
def looks_like_photo(image: np.ndarray) -> bool:
    """True when the background is not one flat value: a photo, not a drawing or a scan.

    A drawing's background is mostly exactly its paper (or canvas) value,
    even saved as JPEG; a photo's background varies with light and noise.
    """
    img = light_on_dark(as_unit_gray(image))
    background = float(np.median(_border(img)))
    flat = np.abs(img - background) <= 2.5 / 255
    return bool(flat.mean() < 0.5)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the cut that best separates two classes."""
    hist, edges = np.histogram(np.clip(values, 0, 1), bins=bins, range=(0.0, 1.0))
    p = hist.astype(np.float64) / max(1, hist.sum())
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m = np.cumsum(p * centres)
    total = m[-1]
    w1 = 1 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total * w0 - m) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return float(edges[int(np.argmax(between)) + 1])


def _running(img: np.ndarray, k: int, reduce) -> np.ndarray:
    """A k x k running min or max (separable), edges repeated."""
    pad = k // 2
    out = img
    for axis in (0, 1):
        widths = [(0, 0), (0, 0)]
        widths[axis] = (pad, k - 1 - pad)
        out = reduce(sliding_window_view(np.pad(out, widths, mode="edge"), k, axis=axis), axis=-1)
    return out


def _background(img: np.ndarray) -> np.ndarray:
    """The paper's brightness under the ink (of a light-on-dark picture).

    A grey opening (running min, then running max) wider than any stroke
    removes the strokes and keeps the slowly varying paper; it runs at a
    quarter of the size, where it is 16 times cheaper, and comes back up
    smoothed by bilinear resampling.
    """
    h, w = img.shape
    sh, sw = max(8, h // 4), max(8, w // 4)
    small = _resize(img, sh, sw)
    k = max(5, (max(sh, sw) // 6) | 1)
    opened = _running(_running(small, k, np.min), k, np.max)
    smooth = _running(opened, 3, np.mean) if min(sh, sw) > 3 else opened
    return _resize(smooth, h, w)


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary mask: twice its area over its boundary length."""
    area = int(mask.sum())
    if area == 0:
        return 0.0
    inner = mask.copy()
    inner[1:-1, 1:-1] &= (mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:])
    inner[[0, -1], :] = False
    inner[:, [0, -1]] = False
    boundary = max(1, area - int(inner.sum()))
    return 2.0 * area / boundary


def clean_photo(image: np.ndarray) -> np.ndarray:
    """A photo of dark ink on light paper as light ink on a black background, in [0, 1].

    Uneven lighting is flattened, noise removed (a 3x3 median, then Otsu's
    threshold on what is left), the ink stretched to full brightness, and
    strokes thinner than MNIST's (relative to the digit's size) thickened.
    Large photos are worked on at most `WORK_SIDE` pixels a side. Paper with
    no ink gives black.
    """
    img = as_unit_gray(image)
    h, w = img.shape
    if max(h, w) > WORK_SIDE:
        scale = WORK_SIDE / max(h, w)
        img = _resize(img, max(1, round(h * scale)), max(1, round(w * scale)))
    img = light_on_dark(img)
    img = np.asarray(Image.fromarray(img).filter(ImageFilter.MedianFilter(3)), dtype=np.float32)
    flat = np.clip(img - _background(img), 0, 1)
    cut = otsu_threshold(flat)
    ink = flat[flat > cut]
    if ink.size == 0:
        return np.zeros_like(flat)
    level = float(np.percentile(ink, 90))
    floor = cut / 2
    if level - floor < 0.05:  # no contrast worth the name: blank paper
        return np.zeros_like(flat)
    out = np.clip((flat - floor) / np.float32(level - floor), 0, 1)
    return _thickened(out)


def _thickened(img: np.ndarray) -> np.ndarray:
    """Widen strokes to about a tenth of the digit's longer side, MNIST's proportion."""
    mask = img > 0.5
    if not mask.any():
        return img
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    size = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    missing = _STROKE_SHARE * size - _stroke_width(mask)
    if missing < 1.5:
        return img
    k = int(round(missing)) | 1  # odd, so the stroke grows the same on both sides
    return _running(img, k, np.max)


def picture_to_digit(image: np.ndarray) -> np.ndarray:
    """Any picture of one digit as an MNIST digit: cleaned first if it is a photo."""
    img = as_unit_gray(image)
    if looks_like_photo(img):
        img = clean_photo(img)
    return mnist_style(img)
