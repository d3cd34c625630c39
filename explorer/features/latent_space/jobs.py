"""The Latent space tab's model-thread jobs: fn(state, model, dataset) for `Session.submit`.

Each is a frozen dataclass holding exactly what it was asked with, so a test
(tests/scripted_session.py) can read a request and answer it without Keras.
Every one is a view: a newer request with the same key replaces a waiting one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import latent_map, latent_space, models
from explorer.core.data import Dataset
from explorer.core.latent_map import LatentMap, SliderAxes
from explorer.core.latent_space import Clusters
from explorer.core.tasks import TaskState

MAP_KEY = "latent-space-map"
QUALITY_KEY = "latent-space-map-quality"
DECODE_KEY = "latent-space-decode"
GRID_KEY = "latent-space-grid"
INTERPOLATION_KEY = "latent-space-interpolation"
DRAWING_KEY = "latent-space-drawing"
SLIDERS_KEY = "latent-space-sliders"
SLIDER_COUNT = 6


@dataclass(frozen=True)
class Projector:
    """How the map is made: PCA (fn None) or a projection of the codes (t-SNE, UMAP):
    fn(codes (n, d), state) -> an object whose `coords` is the (n, 2) map."""

    name: str = "pca"
    fn: Callable[[np.ndarray, TaskState], Any] | None = None

    @property
    def is_linear(self) -> bool:
        return self.fn is None


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class MapAnswer:
    """A map of the test digits' codes and the slider axes of those codes."""

    latent_map: LatentMap
    principal: SliderAxes
    units: SliderAxes
    weights_note: str  # the weights that made it, as the session described them


@dataclass(frozen=True)
class MapJob:
    n: int
    projector: Projector
    weights_note: str

    def __call__(self, state: TaskState, model: models.Autoencoder, dataset: Dataset) -> MapAnswer:
        m = latent_space.compute_map(model, dataset, self.n, state, self.projector.fn,
                                     self.projector.name)
        return MapAnswer(m, latent_map.principal_axes(m.codes, SLIDER_COUNT),
                         latent_map.unit_axes(m.codes, SLIDER_COUNT), self.weights_note)


@dataclass(frozen=True, eq=False)
class DecodePointJob:
    latent_map: LatentMap
    xy: tuple[float, float]
    what: str = ""

    def __call__(self, state, model, dataset) -> latent_space.Decoded:
        return latent_space.decode_point(model, self.latent_map, self.xy, self.what)


@dataclass(frozen=True, eq=False)
class GridJob:
    latent_map: LatentMap
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    n: int

    def __call__(self, state, model, dataset) -> latent_space.DecoderGrid:
        return latent_space.decoder_grid(model, self.latent_map, self.x_range, self.y_range,
                                         self.n, state)


@dataclass(frozen=True, eq=False)
class InterpolationJob:
    latent_map: LatentMap
    row_a: int
    row_b: int
    steps: int

    def __call__(self, state, model, dataset) -> latent_space.Interpolation:
        return latent_space.interpolate(model, dataset, self.latent_map, self.row_a, self.row_b,
                                        self.steps)


@dataclass(frozen=True, eq=False)
class DrawingJob:
    latent_map: LatentMap
    picture: np.ndarray  # the canvas, as drawn (any size, either polarity)
    clusters: Clusters | None

    def __call__(self, state, model, dataset) -> latent_space.DrawingAnalysis:
        return latent_space.analyse_drawing(model, self.latent_map, self.picture, self.clusters)


@dataclass(frozen=True, eq=False)
class SliderJob:
    """Test digit `row`'s code, moved along the axes by `values` (in units of the spread)."""

    latent_map: LatentMap
    row: int
    axes: SliderAxes
    values: tuple[float, ...]
    what: str

    def __call__(self, state, model, dataset) -> latent_space.Decoded:
        code = models.encode(model, np.asarray(dataset.x_test[[self.row]], dtype=np.float32))
        moved = latent_map.slider_code(code[0], self.axes, self.values)
        return latent_space.decode_code(model, self.latent_map, moved, self.what)
