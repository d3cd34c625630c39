"""What the Reconstructions and Latent-codes tabs show, computed without Qt.

The panels ask the model thread for a `ReconView` (originals, noisy inputs,
reconstructions, per-digit loss and codes of ten test digits) and for the
test split's mean loss and code statistics; everything here is plain numpy
plus the Keras calls of `explorer.core.models`, so it is testable alone.

Noise. The noisy digits are `data.add_noise(originals, factor, seed)`: one
standard-normal field drawn from `default_rng(seed)` for the shown digits,
scaled by the factor and clipped to [0, 1]. For a fixed seed the field is the
same at every factor, so moving the slider scales one fixed pattern (the
picture changes smoothly rather than flickering) and sliding back to a value
gives back exactly the same picture. "Resample" means a new seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core import models
from explorer.core.data import Dataset, add_noise, one_of_each_class
from explorer.core.tasks import TaskState, ensure

# The noise slider: integer steps of 0.05 from 0.00 to 1.00.
NOISE_STEP = 0.05
NOISE_STEPS = 20

SELECTION_MODES = ("first", "random", "classes")

# The tutorial's mean code activations (encoded_imgs.mean()), for comparison.
SEED_MEAN_ACTIVATION = {"simple": 7.30, "sparse": 3.33}


def noise_from_step(step: int) -> float:
    """The slider's integer position as a noise factor (0.35, not 0.35000000000000003)."""
    step = min(max(int(step), 0), NOISE_STEPS)
    return round(step * NOISE_STEP, 2)


def step_from_noise(noise: float) -> int:
    return min(max(int(round(float(noise) / NOISE_STEP)), 0), NOISE_STEPS)


# ----------------------------------------------------------------- selection
def select_digits(dataset: Dataset, mode: str, n: int = 10,
                  seed: int | None = None) -> np.ndarray:
    """Indices into the test split of the digits to show.

    "first": the first n; "random": n distinct ones drawn with `seed` (None:
    fresh randomness); "classes": one of each digit 0..9 in order (the first of
    each, or a random one per class when a seed is given).
    """
    n_test = dataset.n_test
    if mode == "first":
        return np.arange(min(n, n_test), dtype=np.int64)
    if mode == "random":
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(n_test, size=min(n, n_test), replace=False)).astype(np.int64)
    if mode == "classes":
        return one_of_each_class(dataset.y_test, seed=seed)
    raise ValueError(f"unknown selection mode {mode!r}; choose one of {', '.join(SELECTION_MODES)}")


# -------------------------------------------------------------- the view
@dataclass(frozen=True, eq=False)  # eq=False: == on arrays is ambiguous
class ReconView:
    """Everything the Reconstructions tab draws for one request."""

    arch_id: str
    indices: np.ndarray  # (n,) into the test split
    labels: np.ndarray  # (n,)
    originals: np.ndarray  # (n, 28, 28)
    noisy: np.ndarray | None  # (n, 28, 28); None when noise == 0
    reconstructions: np.ndarray  # (n, 28, 28), of the model's input (noisy or not)
    per_digit_loss: np.ndarray  # (n,) against the clean originals
    codes: np.ndarray  # (n, *code_shape), of the model's input
    noise: float
    noise_seed: int

    @property
    def inputs(self) -> np.ndarray:
        """What the model was given."""
        return self.originals if self.noisy is None else self.noisy


def noisy_digits(originals: np.ndarray, noise: float, seed: int) -> np.ndarray | None:
    """The slider's noisy inputs, or None at noise 0 (see the module docstring)."""
    if noise <= 0:
        return None
    return add_noise(originals, noise, seed=seed)


def compute_view(model: models.Autoencoder, dataset: Dataset, indices: np.ndarray,
                 noise: float, noise_seed: int) -> ReconView:
    """Run the model on the chosen digits (on the model thread).

    Every architecture gets the noisy input when noise > 0, not only the
    denoising one: seeing the plain models fail on noise is half the lesson.
    """
    indices = np.asarray(indices, dtype=np.int64)
    originals = np.asarray(dataset.x_test[indices], dtype=np.float32)
    noisy = noisy_digits(originals, noise, noise_seed)
    model_input = originals if noisy is None else noisy
    codes, reconstructions = models.encode_and_reconstruct(model, model_input)
    return ReconView(
        arch_id=model.arch_id, indices=indices,
        labels=np.asarray(dataset.y_test[indices], dtype=np.int64),
        originals=originals, noisy=noisy, reconstructions=reconstructions,
        per_digit_loss=models.per_image_loss(originals, reconstructions),
        codes=codes, noise=float(noise), noise_seed=int(noise_seed))


def mean_test_loss(model: models.Autoencoder, dataset: Dataset, noise: float, seed: int,
                   state: TaskState | None = None, batch_size: int = 500) -> float:
    """Mean per-image binary cross-entropy over the whole test split.

    The noise is drawn once for the whole split (as `training.evaluate_loss`
    does), and the forward passes go in batches so that progress can be shown
    and a newer request can cancel this one between batches.
    """
    state = ensure(state)
    x = dataset.x_test
    x_in = x if noise <= 0 else add_noise(x, noise, seed=seed)
    n = len(x)
    if n == 0:
        raise ValueError("the test split is empty")
    losses = []
    for start in range(0, n, batch_size):
        state.check()
        stop = min(start + batch_size, n)
        recon = models.reconstruct(model, x_in[start:stop], batch_size)
        losses.append(models.per_image_loss(x[start:stop], recon))
        state.set_progress(stop / n)
    return float(np.concatenate(losses).mean())


def encode_test_split(model: models.Autoencoder, dataset: Dataset,
                      state: TaskState | None = None,
                      batch_size: int = 500) -> np.ndarray:
    """Codes of every test digit, (n, *code_shape), in cancellable batches."""
    state = ensure(state)
    x = dataset.x_test
    parts = []
    for start in range(0, len(x), batch_size):
        state.check()
        stop = min(start + batch_size, len(x))
        parts.append(models.encode(model, x[start:stop], batch_size))
        state.set_progress(stop / len(x))
    return np.concatenate(parts)


# ------------------------------------------------------------ sparsity
@dataclass(frozen=True, eq=False)
class SparsityStats:
    """The seed's sparsity figure and what lies behind it.

    `counts`/`edges` histogram the non-zero activations only: with ReLU codes
    the exact zeros (given by `zero_fraction`) would dwarf every other bin.
    """

    mean_activation: float  # the seed's encoded_imgs.mean()
    zero_fraction: float  # share of activations exactly 0
    counts: np.ndarray  # (bins,)
    edges: np.ndarray  # (bins + 1,)
    max_activation: float
    n_codes: int
    code_size: int


def sparsity_stats(codes: np.ndarray, bins: int = 40) -> SparsityStats:
    codes = np.asarray(codes)
    if codes.size == 0:
        raise ValueError("no codes to summarise")
    flat = codes.reshape(len(codes), -1)
    values = flat.ravel()
    nonzero = values[values != 0]
    top = float(values.max())
    low = min(0.0, float(values.min()))
    high = top if top > low else low + 1.0
    counts, edges = np.histogram(nonzero, bins=bins, range=(low, high))
    return SparsityStats(
        mean_activation=float(codes.mean(dtype=np.float64)),
        zero_fraction=float(np.count_nonzero(values == 0) / values.size),
        counts=counts.astype(np.int64), edges=edges.astype(np.float64),
        max_activation=top, n_codes=int(len(codes)), code_size=int(flat.shape[1]))


def code_sparsity(model: models.Autoencoder, dataset: Dataset,
                  state: TaskState | None = None,
                  bins: int = 40) -> SparsityStats:
    """Encode the test split and summarise it (on the model thread)."""
    return sparsity_stats(encode_test_split(model, dataset, state), bins=bins)


@dataclass(frozen=True, eq=False)
class SparsityPair:
    """The seed's comparison: the same digits coded by two models, and each
    model's sparsity over the test split."""

    arch_ids: tuple[str, str]
    codes: tuple[np.ndarray, np.ndarray]  # each (n, *code_shape), of the same digits
    stats: tuple[SparsityStats, SparsityStats]
    indices: np.ndarray  # the digits, into the test split
    levels: tuple[float, float]  # one colour scale for both


def sparsity_pair(first: models.Autoencoder, second: models.Autoencoder, dataset: Dataset,
                  indices: np.ndarray, state: TaskState | None = None) -> SparsityPair:
    """Codes of the shown digits by both models, on one scale, and their
    sparsity over the test split (on the model thread)."""
    state = ensure(state)
    indices = np.asarray(indices, dtype=np.int64)
    digits = np.asarray(dataset.x_test[indices], dtype=np.float32)
    codes = tuple(models.encode(m, digits) for m in (first, second))
    stats = tuple(code_sparsity(m, dataset, state.subrange(i / 2, (i + 1) / 2))
                  for i, m in enumerate((first, second)))
    return SparsityPair((first.arch_id, second.arch_id), codes, stats, indices,
                        code_levels(np.concatenate([c.reshape(-1) for c in codes])))


# ------------------------------------------------------------ code pictures
def code_image(code: np.ndarray, arch_id: str, columns: int = 8) -> np.ndarray:
    """One digit's code as a 2-D picture.

    conv, (4, 4, 8): the seed's `code.reshape(4, 32).T`, 32 rows by 4 columns.
    Dense 32-d codes: 4 rows of 8. Other image-shaped codes (denoise's 7x7x32):
    their feature maps tiled `columns` to a row with 1-pixel NaN gaps, so each
    map stays a recognisable 7x7 patch.
    """
    code = np.asarray(code, dtype=np.float32)
    if arch_id == "conv" and code.shape == (4, 4, 8):
        return code.reshape(4, 32).T
    if code.ndim == 1:
        rows = 4 if code.size % 4 == 0 else 1
        return code.reshape(rows, -1)
    if code.ndim == 3:
        return tile_maps(code, columns)
    return code.reshape(code.shape[0], -1)


def tile_maps(code: np.ndarray, columns: int = 8, gap: int = 1) -> np.ndarray:
    """(h, w, c) feature maps as a grid of c h-by-w tiles, NaN between them."""
    h, w, c = code.shape
    columns = max(1, min(columns, c))
    rows = math.ceil(c / columns)
    out = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap),
                  np.nan, dtype=np.float32)
    for k in range(c):
        r, q = divmod(k, columns)
        out[r * (h + gap):r * (h + gap) + h, q * (w + gap):q * (w + gap) + w] = code[:, :, k]
    return out


def code_levels(codes: np.ndarray) -> tuple[float, float]:
    """One colour scale for all shown codes: 0 to their largest finite value.

    A diverged model (too large a learning rate) gives infinite codes; a scale
    to infinity is refused by the colour bar and would show nothing anyway.
    """
    codes = np.asarray(codes, dtype=np.float64)
    finite = codes[np.isfinite(codes)]
    top = float(finite.max()) if finite.size else 0.0
    return 0.0, top if top > 0 else 1.0


# ------------------------------------------------------------ grids
def strip_image(digits: np.ndarray | None, n: int, gap: int = 2,
                fill: float = np.nan) -> np.ndarray:
    """n 28x28 digits side by side with `gap` columns of `fill` between them.

    None (a row still being computed) gives a strip of `fill` only.
    """
    height, width = 28, n * 28 + max(n - 1, 0) * gap
    out = np.full((height, width), fill, dtype=np.float32)
    if digits is None:
        return out
    digits = np.asarray(digits, dtype=np.float32).reshape(-1, 28, 28)
    for i, digit in enumerate(digits[:n]):
        out[:, i * (28 + gap):i * (28 + gap) + 28] = digit
    return out


def grid_image(rows: Sequence[np.ndarray | None], gap: int = 2,
               fill: float = 1.0) -> np.ndarray:
    """The seed's figure as one array: rows of digits (originals over
    reconstructions, with the noisy inputs between them when there is noise),
    `gap` pixels of `fill` (white, as matplotlib's background) between tiles."""
    if not rows:
        raise ValueError("no rows to draw")
    n = max(len(r) for r in rows if r is not None) if any(r is not None for r in rows) else 0
    strips = [strip_image(r, n, gap, fill) for r in rows]
    out = np.full((len(strips) * 28 + (len(strips) - 1) * gap, strips[0].shape[1]),
                  fill, dtype=np.float32)
    for i, strip in enumerate(strips):
        out[i * (28 + gap):i * (28 + gap) + 28] = strip
    return out


def view_rows(view: ReconView) -> list[np.ndarray]:
    """A view's rows in the seed's order: originals, [noisy], reconstructions."""
    rows = [view.originals]
    if view.noisy is not None:
        rows.append(view.noisy)
    rows.append(view.reconstructions)
    return rows


def latent_grid_image(inputs: np.ndarray, code_images: Sequence[np.ndarray],
                      levels: tuple[float, float], gap: int = 4,
                      fill: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Digits over their code pictures, for PNG export.

    Returns (values, code_mask): values in [0, 1] (digits as they are, codes
    mapped through the shared `levels`, `fill` elsewhere and in NaN gaps) and
    a boolean mask of the code pixels, so the UI can colour the codes with the
    screen's colormap and keep the digits grey. Each code picture is enlarged
    by a whole factor to about a digit's width (tall codes to at most three times a
    digit's height) so its cells stay visible.
    """
    n = len(code_images)
    if n == 0:
        raise ValueError("no codes to draw")
    low, high = levels
    span = high - low if high > low else 1.0
    h, w = np.shape(code_images[0])
    scale = max(1, min(28 // max(w, 1), 84 // max(h, 1)))
    ch, cw = h * scale, w * scale
    cell = max(28, cw)
    values = np.full((28 + gap + ch, n * cell + (n - 1) * gap), fill, dtype=np.float32)
    mask = np.zeros(values.shape, dtype=bool)
    for i in range(n):
        x0 = i * (cell + gap)
        dx = x0 + (cell - 28) // 2
        values[:28, dx:dx + 28] = inputs[i]
        picture = np.clip((np.asarray(code_images[i], np.float32) - low) / span, 0, 1)
        big = np.kron(picture, np.ones((scale, scale), np.float32))
        cx = x0 + (cell - cw) // 2
        gaps = np.isnan(big)
        values[28 + gap:, cx:cx + cw] = np.where(gaps, fill, big)
        mask[28 + gap:, cx:cx + cw] = ~gaps
    return values, mask
