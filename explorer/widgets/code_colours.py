"""The one colour scale of latent codes (viridis), on screen and in exported pictures."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

CODE_COLOURS = pg.colormap.get("viridis")


def code_lut() -> np.ndarray:
    """CODE_COLOURS as 256 RGB rows (uint8), for colouring a picture."""
    return CODE_COLOURS.getLookupTable(nPts=256, alpha=False, mode="byte")


def coloured_code(picture: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """A code picture (2-D, NaN in the gaps) as RGB uint8 on the shared scale;
    the gaps are white."""
    low, high = levels
    span = high - low if high > low else 1.0
    values = np.clip((np.asarray(picture, np.float64) - low) / span, 0.0, 1.0)
    index = np.nan_to_num(values * 255, nan=0).astype(np.uint8)
    rgb = code_lut()[index]
    rgb[np.isnan(picture)] = 255
    return np.ascontiguousarray(rgb)
