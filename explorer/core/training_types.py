"""What a training run is given and what it reports (no Keras, no Qt): the
run's settings, the progress of a batch and an epoch, how the run ended, and
the control a caller pauses and stops it with. The trainer is training.py."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Protocol

from explorer.core import models
from explorer.core.tasks import TaskState

__all__ = [
    "BatchProgress",
    "EpochResult",
    "ProgressListener",
    "StopRequested",
    "TrainConfig",
    "TrainControl",
    "TrainResult",
    "TrainingDiverged",
]


@dataclass(frozen=True)
class TrainConfig:
    arch_id: str
    epochs: int
    batch_size: int
    optimizer: str = "adam"
    learning_rate: float | None = None  # None: the optimizer's default (Adadelta: 1.0)
    noise: float | None = None  # None: the architecture's (0.5 for denoise)
    seed: int = 0
    tensorboard_dir: str | None = None

    @classmethod
    def for_arch(cls, arch_id: str, **overrides) -> TrainConfig:
        """The seed tutorial's settings for `arch_id`, with overrides."""
        s = models.spec(arch_id)
        values = dict(arch_id=arch_id, epochs=s.epochs, batch_size=s.batch_size)
        values.update(overrides)
        return cls(**values)

    @property
    def effective_noise(self) -> float:
        return models.spec(self.arch_id).noise if self.noise is None else float(self.noise)

    @property
    def effective_learning_rate(self) -> float:
        if self.learning_rate is None:
            return models.DEFAULT_LEARNING_RATE[self.optimizer]
        return float(self.learning_rate)

    def validate(self) -> None:
        """Raise ValueError with a one-line message for any bad setting."""
        models.spec(self.arch_id)
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if self.optimizer not in models.OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose adam or adadelta")
        lr = self.effective_learning_rate
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        noise = self.effective_noise
        if not (0.0 <= noise <= 1.0):
            raise ValueError(f"noise factor must be between 0 and 1, got {noise}")


@dataclass(frozen=True)
class BatchProgress:
    epoch: int  # 0-based epoch in progress
    batch: int  # 1-based batches done in this epoch
    batches_per_epoch: int
    loss: float  # this batch's own loss (not the epoch's running mean)
    samples_per_s: float
    eta_s: float
    # Seconds trained so far, pauses not counted (the ETA's own clock); NaN
    # when a progress object was made without it.
    elapsed_s: float = math.nan

    @property
    def fractional_epoch(self) -> float:
        return self.epoch + self.batch / self.batches_per_epoch


@dataclass(frozen=True)
class EpochResult:
    epoch: int  # 1-based: epochs completed
    epochs: int
    train_loss: float
    val_loss: float | None
    samples_per_s: float
    eta_s: float
    elapsed_s: float


@dataclass(frozen=True)
class TrainResult:
    status: str  # "finished", "stopped" or "failed"
    epochs_done: int
    history: tuple[EpochResult, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def final(self) -> EpochResult | None:
        return self.history[-1] if self.history else None


class ProgressListener(Protocol):
    def on_batch(self, progress: BatchProgress) -> None: ...
    def on_epoch(self, result: EpochResult) -> None: ...


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class StopRequested(Exception):
    """Raised inside fit to leave it at once (stop_training waits for validation)."""


class TrainControl(TaskState):
    """Stop and pause switches, set from any thread, read between batches.

    A training run's task state (explorer.core.tasks): cancelling it is a
    stop, and its progress is the share of all batches done. `between_batches`
    (if given) is called on the training thread after every batch: the UI
    uses it to serve its own requests for the model (a few reconstructions)
    without ever touching Keras from another thread.
    """

    def __init__(self, between_batches=None, on_progress=None):
        self.stop = threading.Event()
        self.on_progress = on_progress
        self.resume = threading.Event()
        self.resume.set()
        self.between_batches = between_batches

    def request_stop(self) -> None:
        self.stop.set()
        self.resume.set()  # a paused run must wake up to notice

    def pause(self) -> None:
        self.resume.clear()

    def unpause(self) -> None:
        self.resume.set()

    @property
    def paused(self) -> bool:
        return not self.resume.is_set()

    def is_cancelled(self) -> bool:
        return self.stop.is_set()

    def set_progress(self, fraction: float, text: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(fraction, text)
