"""The decoder's half of the latent space, for the Latent space tab: no Qt.

Everything here runs on the model thread (it calls the model) and returns
plain numpy in frozen results: the map of the test digits' codes
(`compute_map`), a decoded point of the map (`decode_point`), a grid of
decoded digits over part of the map (`decoder_grid`), the pixel and latent
paths between two digits (`interpolate`), what the model makes of a drawn
digit (`analyse_drawing`) and a code moved along slider axes
(`decode_code`). The numpy geometry (lift, place, neighbours, far-outside
thresholds) is in `latent_map`.

Decoder calls go through `models.predict` (predict_on_batch), never
`Model.predict`, whose per-call set-up costs tens of milliseconds: a hover
over the map asks for one code at a time, dozens of times a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import latent_points, models
from explorer.core.latent_map import LatentMap, grid_centres, make_latent_map
from explorer.core.preprocess import mnist_style
from explorer.core.projection import Projection, flatten_codes
from explorer.core.tasks import TaskState, ensure

__all__ = ["Clusters", "Decoded", "DecoderGrid", "DrawingAnalysis", "Interpolation",
           "analyse_drawing", "compute_map", "decode", "decode_code", "decode_point",
           "decoder_grid", "interpolate", "interpolation_ts"]

NEAREST = 5  # test digits shown beside a drawn one
MIN_STEPS = 10


def decode(model: models.Autoencoder, codes: Any, batch_size: int = 1024) -> np.ndarray:
    """Decoded digits (m, 28, 28) of codes given flat (m, d) or in the code's own shape."""
    shape = models.spec(model.arch_id).code_shape
    c = np.asarray(codes, dtype=np.float32)
    x = c.reshape(len(c), *shape)
    return models.to_images(models.predict(model.decoder, x, batch_size))


# ------------------------------------------------------------------ the map
def compute_map(model: models.Autoencoder, dataset: Any, n: int | None = None,
                state: TaskState | None = None,
                projector: Callable[[np.ndarray, TaskState], Any] | None = None,
                method: str = "pca") -> LatentMap:
    """The first n test digits (None: all) encoded and mapped to 2-D.

    `projector(codes, state)` makes the map (default PCA, `pca_2d`); a
    non-linear one (t-SNE, UMAP through `projection.project`) returns an
    object whose `coords` is the map, and the map's lift is then estimated.
    """
    state = ensure(state)
    points = latent_points.compute_points(model, dataset, "latent", n, state.subrange(0, 0.5))
    shape = models.spec(model.arch_id).code_shape
    if projector is None:
        projection: Any = points.projection  # compute_points already made the PCA
    else:
        projection = projector(points.codes, state.subrange(0.5, 0.95))
    state.check()
    result = make_latent_map(points.codes, projection, points.labels, np.arange(points.n),
                             points.images, model.arch_id, shape, method)
    state.set_progress(1.0)
    return result


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class Decoded:
    """One decoded code: where it came from, the digit, and whether it is far from the data."""

    image: np.ndarray  # (28, 28)
    code: np.ndarray  # in the code's own shape
    xy: np.ndarray | None  # its map position (None: not placed)
    distance: float  # to the nearest test code
    threshold: float  # beyond which it is "far outside the data"
    what: str  # what was decoded, for the caption

    @property
    def far(self) -> bool:
        return bool(self.distance > self.threshold)


def decode_point(model: models.Autoencoder, latent_map: LatentMap, xy: Any,
                 what: str = "") -> Decoded:
    """The code of map point xy (exact for PCA, estimated otherwise), decoded."""
    xy = np.asarray(xy, dtype=np.float64).reshape(2)
    code = latent_map.lift(xy)
    _far, distance = latent_map.far_from_map(code[None])
    image = decode(model, code[None])[0]
    return Decoded(image, code.reshape(latent_map.code_shape), xy, float(distance[0]),
                   latent_map.map_threshold, what or f"map point ({xy[0]:.2f}, {xy[1]:.2f})")


def decode_code(model: models.Autoencoder, latent_map: LatentMap, code: Any,
                what: str = "") -> Decoded:
    """A code off the map's plane (moved by sliders), decoded and placed on the map."""
    flat = flatten_codes(np.asarray(code)[None])
    _far, distance = latent_map.far_code(flat)
    image = decode(model, flat)[0]
    return Decoded(image, flat[0].reshape(latent_map.code_shape), latent_map.place(flat)[0],
                   float(distance[0]), latent_map.code_threshold, what or "a code")


# ----------------------------------------------------------------- the grid
@dataclass(frozen=True, eq=False)
class DecoderGrid:
    """n x n decoded digits over a rectangle of the map; row 0 is the TOP row."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    images: np.ndarray  # (n, n, 28, 28)
    far: np.ndarray  # (n, n) bool

    @property
    def n(self) -> int:
        return int(self.images.shape[0])

    def mosaic(self) -> np.ndarray:
        """One (28 n, 28 n) image of the grid, top row first, as it is read."""
        n = self.n
        return self.images.transpose(0, 2, 1, 3).reshape(n * 28, n * 28)


def decoder_grid(model: models.Autoencoder, latent_map: LatentMap,
                 x_range: tuple[float, float], y_range: tuple[float, float], n: int,
                 state: TaskState | None = None) -> DecoderGrid:
    """The classic manifold figure for any model: the decoder at the centres of an
    n x n grid over the rectangle, in one batch."""
    state = ensure(state)
    centres = grid_centres(x_range, y_range, n)
    codes = latent_map.lift(centres)
    state.check()
    far, _ = latent_map.far_from_map(codes)
    images = decode(model, codes).reshape(n, n, 28, 28)
    return DecoderGrid((float(x_range[0]), float(x_range[1])),
                       (float(y_range[0]), float(y_range[1])), images, far.reshape(n, n))


# ------------------------------------------------------------ interpolation
def interpolation_ts(steps: int) -> np.ndarray:
    """steps evenly spaced t in [0, 1], both ends included."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, got {steps}")
    return np.linspace(0.0, 1.0, int(steps))


@dataclass(frozen=True, eq=False)
class Interpolation:
    """Two test digits and the straight lines between them in pixel and in code space."""

    rows: tuple[int, int]  # the two digits' indices into the test split
    labels: tuple[int, int]
    ts: np.ndarray  # (steps,)
    pixel: np.ndarray  # (steps, 28, 28): (1 - t) a + t b, a cross-fade
    latent: np.ndarray  # (steps, 28, 28): decoder((1 - t) code_a + t code_b)
    codes: np.ndarray  # (steps, d)
    path: np.ndarray  # (steps, 2): the codes placed on the map
    distances: np.ndarray  # (steps,): each code's distance to its nearest test code
    threshold: float  # beyond which a code is far outside the data

    @property
    def far(self) -> np.ndarray:
        """(steps,) bool: the codes far from every test code."""
        return self.distances > self.threshold

    def decoded(self, frame: int, code_shape: tuple[int, ...]) -> Decoded:
        """Step `frame` of the latent path as a decoded point."""
        return Decoded(self.latent[frame], self.codes[frame].reshape(code_shape), self.path[frame],
                       float(self.distances[frame]), self.threshold,
                       f"step {frame + 1} of {self.steps}, from {self.labels[0]} to {self.labels[1]}")

    @property
    def steps(self) -> int:
        return int(len(self.ts))


def interpolate(model: models.Autoencoder, dataset: Any, latent_map: LatentMap,
                row_a: int, row_b: int, steps: int = 12) -> Interpolation:
    """Test digits row_a and row_b: the pixel cross-fade and the decoded latent line."""
    n_test = int(dataset.x_test.shape[0])
    for row in (row_a, row_b):
        if not 0 <= int(row) < n_test:
            raise ValueError(f"digit {row} is not in the test split (0..{n_test - 1})")
    ts = interpolation_ts(max(steps, 2))
    ends = np.asarray(dataset.x_test[[int(row_a), int(row_b)]], dtype=np.float32)
    ca, cb = flatten_codes(models.encode(model, ends)).astype(np.float64)
    codes = ((1 - ts)[:, None] * ca[None] + ts[:, None] * cb[None]).astype(np.float32)
    pixel = ((1 - ts)[:, None, None] * ends[0] + ts[:, None, None] * ends[1]).astype(np.float32)
    _far, distances = latent_map.far_code(codes)
    labels = np.asarray(dataset.y_test[[int(row_a), int(row_b)]], dtype=np.int64)
    return Interpolation((int(row_a), int(row_b)), (int(labels[0]), int(labels[1])), ts, pixel,
                         decode(model, codes), codes, latent_map.place(codes), distances,
                         latent_map.code_threshold)


# ------------------------------------------------------------ K-means clusters
@dataclass(frozen=True, eq=False)
class Clusters:
    """The K-means lab's latest centroids, as another tab can use them.

    centroids (k, m) in the space the lab clusters: the codes themselves
    (plane None), or the 2-D map of the lab's own PCA (plane: that
    projection, through which a code is assigned). source "latent" (codes
    of arch_id) or "pixels" (the 784 pixels). colours: one RGB per cluster.
    """

    centroids: np.ndarray
    plane: Projection | None
    source: str
    arch_id: str
    colours: tuple[tuple[int, int, int], ...] = ()

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    def full_centroids(self) -> np.ndarray:
        """The centroids in the full space (k, d): lifted onto the lab's plane in 2-D."""
        if self.plane is None:
            return np.asarray(self.centroids, np.float32)
        return latent_points.lift(self.plane, self.centroids).astype(np.float32)

    def fits(self, arch_id: str, dim: int) -> bool:
        """Whether codes of this model (dim numbers each) can be assigned to these clusters."""
        full = self.plane.mean.shape[0] if self.plane is not None else self.centroids.shape[1]
        wanted = 784 if self.source == "pixels" else dim
        return self.k > 0 and full == wanted and (self.source == "pixels" or arch_id == self.arch_id)

    def assign(self, points: Any) -> np.ndarray:
        """The nearest centroid of each point (m, d), as the lab's assignment step does."""
        x = flatten_codes(points)
        if self.plane is not None:
            x = self.plane.transform(x)
        c = np.asarray(self.centroids, np.float64)
        d2 = ((x[:, None, :].astype(np.float64) - c[None]) ** 2).sum(axis=2)
        return np.argmin(d2, axis=1)


# ---------------------------------------------------------------- drawing
@dataclass(frozen=True, eq=False)
class DrawingAnalysis:
    """What the model makes of a drawn digit."""

    digit: np.ndarray  # (28, 28): the drawing as MNIST would have it (mnist_style)
    code: np.ndarray  # in the code's own shape
    reconstruction: np.ndarray  # (28, 28)
    xy: np.ndarray  # (2,) its place on the map
    neighbours: np.ndarray  # (k,) rows of the map: the nearest test codes, nearest first
    distances: np.ndarray  # (k,)
    neighbour_labels: np.ndarray  # (k,)
    neighbour_images: np.ndarray  # (k, 28, 28)
    threshold: float  # the map's code threshold: beyond it a code is far outside the data
    cluster: int | None  # the K-means cluster it falls into (None: no fitting centroids)

    @property
    def far(self) -> bool:
        """Farther from every test code than 99 in 100 test codes are from theirs."""
        return bool(self.distances[0] > self.threshold)

    @property
    def is_blank(self) -> bool:
        return not bool(self.digit.any())

    def decoded(self) -> Decoded:
        """The drawing's code decoded (its reconstruction), as a decoded point."""
        return Decoded(self.reconstruction, self.code, self.xy, float(self.distances[0]),
                       self.threshold, "the drawn digit's code")


def analyse_drawing(model: models.Autoencoder, latent_map: LatentMap, picture: Any,
                    clusters: Clusters | None = None, k: int = NEAREST) -> DrawingAnalysis:
    """A drawing (any 2-D grey array, either polarity) as MNIST would have it, then its
    code, reconstruction, place on the map, nearest test digits and cluster."""
    digit = mnist_style(np.asarray(picture))
    codes, recon = models.encode_and_reconstruct(model, digit[None])
    flat = flatten_codes(codes)
    rows, dist = latent_map.nearest(flat, k)
    cluster = None
    if clusters is not None and clusters.fits(model.arch_id, latent_map.dim):
        cluster = int(clusters.assign(digit.reshape(1, -1) if clusters.source == "pixels"
                                      else flat)[0])
    rows = rows[0]
    return DrawingAnalysis(digit, codes[0], recon[0], latent_map.place(flat)[0], rows, dist[0],
                           latent_map.labels[rows], latent_map.images[rows],
                           latent_map.code_threshold, cluster)
