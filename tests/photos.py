"""Synthetic phone photos of handwritten digits: dark ink on unevenly lit, noisy paper.

Made from real MNIST digits, so what the loader recovers can be compared with
the digit that was photographed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def photo_of(digit: np.ndarray, rng: np.random.Generator, size: tuple[int, int] = (480, 360),
             noise: float = 0.03) -> np.ndarray:
    """A (h, w) grey photo in [0, 1] of `digit` (28x28, light on dark) written on paper.

    The digit is enlarged to 45-70 % of the height and put at a random place
    (a paper margin all round); the light falls off across the sheet in a
    random direction with a dim patch; the sensor adds Gaussian noise.
    """
    h, w = size
    side = int(h * rng.uniform(0.45, 0.7))
    big = Image.fromarray(np.asarray(digit, np.float32)).resize((side, side), Image.Resampling.BILINEAR)
    ink = np.zeros((h, w), np.float32)
    top, left = rng.integers(0, h - side), rng.integers(0, w - side)
    ink[top:top + side, left:left + side] = np.clip(np.asarray(big), 0, 1)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    tilt_x, tilt_y = rng.uniform(-0.35, 0.35, 2)
    light = np.clip(0.8 + tilt_x * (xx - 0.5) + tilt_y * (yy - 0.5)
                    - 0.15 * ((xx - 0.3) ** 2 + (yy - 0.6) ** 2), 0.3, 1.0)
    paper, pen = 0.92 * light, 0.15 * light
    photo = paper * (1 - ink) + pen * ink + rng.normal(0, noise, (h, w))
    return np.clip(photo, 0, 1).astype(np.float32)


def jpeg_bytes(gray: np.ndarray, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.round(np.clip(gray, 0, 1) * 255).astype(np.uint8)).save(buf, "JPEG",
                                                                               quality=quality)
    return buf.getvalue()
