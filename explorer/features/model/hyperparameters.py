"""The settings of the next training run, as the model dock's boxes hold them.

Each architecture brings the seed tutorial's epochs, batch size and noise;
each optimizer its own learning rate. `normalized` clamps and rounds a set
typed by hand (or read from saved settings) the way the boxes would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from explorer.core import models

# What the dock's boxes accept (the panel sets its widgets from these).
EPOCHS_RANGE = (1, 1000)
BATCH_SIZE_RANGE = (1, 8192)
# Up to 1e38 on purpose: a lecturer types an absurd rate to show a run
# diverging (smaller "absurd" rates such as 1e9 only make the loss huge, not NaN).
LEARNING_RATE_RANGE = (1e-5, 1e38)
LEARNING_RATE_DECIMALS = 5
NOISE_RANGE = (0.0, 1.0)
NOISE_DECIMALS = 2


def _clamp(value, bounds):
    lo, hi = bounds
    return min(max(value, lo), hi)


@dataclass(frozen=True)
class Hyperparameters:
    """The settings of the next run, as the dock's boxes show them."""

    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    noise: float

    @classmethod
    def preset(cls, arch_id: str, optimizer: str = "adam") -> Hyperparameters:
        """The seed tutorial's settings for `arch_id`, the optimizer's own learning rate."""
        spec = models.spec(arch_id)
        return cls(spec.epochs, spec.batch_size, optimizer,
                   models.DEFAULT_LEARNING_RATE[optimizer], spec.noise)

    def with_arch_preset(self, arch_id: str) -> Hyperparameters:
        """Another architecture's epochs, batch size and noise; the optimizer stays."""
        spec = models.spec(arch_id)
        return replace(self, epochs=spec.epochs, batch_size=spec.batch_size, noise=spec.noise)

    def with_optimizer(self, optimizer: str) -> Hyperparameters:
        """Choosing another optimizer brings its own learning rate (Adadelta: 1.0)."""
        if optimizer == self.optimizer:
            return self
        return replace(self, optimizer=optimizer,
                       learning_rate=models.DEFAULT_LEARNING_RATE[optimizer])

    def normalized(self) -> Hyperparameters:
        """Clamped to the boxes' ranges and rounded to their decimals, as a box would hold them.

        Raises ValueError for an unknown optimizer or a value that is no number.
        """
        if self.optimizer not in models.OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose adam or adadelta")
        learning_rate, noise = float(self.learning_rate), float(self.noise)
        if not (math.isfinite(learning_rate) and math.isfinite(noise)):
            raise ValueError("the learning rate and the noise factor must be numbers")
        return Hyperparameters(
            _clamp(int(self.epochs), EPOCHS_RANGE),
            _clamp(int(self.batch_size), BATCH_SIZE_RANGE),
            self.optimizer,
            _clamp(round(learning_rate, LEARNING_RATE_DECIMALS), LEARNING_RATE_RANGE),
            _clamp(round(noise, NOISE_DECIMALS), NOISE_RANGE))
