"""The Training tab's data, without Qt: the points of each run and the y-range policy.

Plain Python and numpy, so the rules of what the loss plot shows are tested
with no window and no TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from explorer.core import training
from explorer.core.store import Metadata
from explorer.widgets.formatting import plural

# Below the lowest loss the y range leaves a quarter of the losses' span free
# (a falling loss then stays in view for a while); above the highest, 5 %.
ROOM_BELOW = 0.25
ROOM_ABOVE = 0.05
# At an epoch's end the range shrinks only when the losses fill less than this share of it.
REFIT_BELOW = 0.5
MIN_SPAN = 1e-6  # a flat loss still gets a range of its own


@dataclass(eq=False)  # compared (and used as a key) by identity: two runs may hold equal points
class Run:
    """The points of one training run, as they arrived."""

    number: int
    label: str
    config: training.TrainConfig | None  # None: a run begun before the tab existed
    batch_x: list[float] = field(default_factory=list)  # fractional epochs
    batch_y: list[float] = field(default_factory=list)  # each batch's own loss
    epoch_x: list[float] = field(default_factory=list)  # 1, 2, ...
    train_y: list[float] = field(default_factory=list)
    val_y: list[float] = field(default_factory=list)  # NaN where there was no validation

    def add_batch(self, progress: training.BatchProgress) -> None:
        self.batch_x.append(progress.fractional_epoch)
        self.batch_y.append(progress.loss)

    def add_epoch(self, result: training.EpochResult) -> None:
        self.epoch_x.append(float(result.epoch))
        self.train_y.append(result.train_loss)
        self.val_y.append(math.nan if result.val_loss is None else result.val_loss)

    def clear_points(self) -> None:
        for buffer in (self.batch_x, self.batch_y, self.epoch_x, self.train_y, self.val_y):
            buffer.clear()

    def batch_curve(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.batch_x, dtype=float), np.asarray(self.batch_y, dtype=float)

    def train_curve(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.epoch_x, dtype=float), np.asarray(self.train_y, dtype=float)

    def val_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The validation points there are (a run without a split has none)."""
        return _finite_points(self.epoch_x, self.val_y)

    def last_x(self) -> float:
        """How far along x the run's points reach (0 with none)."""
        return max([0.0, *self.batch_x[-1:], *self.epoch_x[-1:]])

    def finite_losses(self) -> np.ndarray:
        values = np.asarray(self.batch_y + self.train_y + self.val_y, dtype=float)
        return values[np.isfinite(values)]


def x_span(runs: Sequence[Run], epochs: int) -> float:
    """The x range a new run of `epochs` is drawn in: the whole run from its
    start (the curve grows across the plot, and the axis is not re-laid-out
    with every batch), wide enough for the earlier runs still shown."""
    return max([float(epochs), *(run.last_x() for run in runs)])


def y_range_to_show(run: Run, view_range: tuple[float, float],
                    refit: bool = False) -> tuple[float, float] | None:
    """A new y range that keeps the run's losses in view, or None to leave it.

    The range grows when a point leaves it, with room below for a falling
    loss, so it does not move batch after batch; at an epoch's end (`refit`)
    it shrinks only if the losses fill under half of it. Every move repaints
    the axis on the GUI thread, which the training thread then waits for.
    """
    if not run.batch_y and not run.train_y:
        return None
    values = run.finite_losses()
    if not values.size:
        return None
    lo, hi = float(values.min()), float(values.max())
    view_lo, view_hi = view_range
    span = max(hi - lo, MIN_SPAN)
    outside = lo < view_lo or hi > view_hi
    too_loose = refit and span < REFIT_BELOW * (view_hi - view_lo)
    if not (outside or too_loose):
        return None
    return max(lo - ROOM_BELOW * span, 0.0), hi + ROOM_ABOVE * span


@dataclass(frozen=True)
class LoadedHistory:
    """The epochs the loaded weights went through, drawn until a run starts."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    train_title: str
    val_title: str

    @classmethod
    def of(cls, meta: Metadata) -> LoadedHistory | None:
        """None when the weights came without a history."""
        if not meta.history:
            return None
        train = [h[0] for h in meta.history]
        val = [math.nan if h[1] is None else h[1] for h in meta.history]
        x = [float(i) for i in range(1, len(train) + 1)]
        val_x, val_y = _finite_points(x, val)
        return cls(np.asarray(x), np.asarray(train, dtype=float), val_x, val_y,
                   f"loaded weights: {meta.arch_id}, {meta.optimizer}, "
                   f"{plural(meta.epochs, 'epoch')}",
                   "loaded weights: validation")


def _finite_points(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = np.isfinite(ys)
    return xs[finite], ys[finite]
