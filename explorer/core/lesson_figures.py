"""A lesson step's figures: measured live on the current weights, and set beside the tutorial's.

`measure` runs on the model thread (the lesson asks through Session.submit):
the test loss is the mean per-image binary cross-entropy over the dataset's
test split the window uses (the embedded 2,000-digit split by default, not
MNIST's 10,000), at the step's noise; the train loss is the same over its
training split, plus the L1 activity term for the sparse model, as Keras
counts it during training; the mean activation is the tutorial's
encoded_imgs.mean() over the test split. `why_they_differ` says in one
sentence what makes the live value differ from the tutorial's, from what the
weights' metadata says they were trained with. No Qt here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from explorer.core import models, views
from explorer.core.data import Dataset
from explorer.core.lesson_file import Figure
from explorer.core.tasks import TaskState, ensure

SPARSE_L1 = 10e-5  # the sparse model's activity regulariser, as models.py builds it


@dataclass(frozen=True)
class Measured:
    """Live figures of one model: kind -> value, and on what they were measured."""

    model_name: str
    values: dict[str, float]
    n_test: int
    n_train: int
    noise: float


@dataclass(frozen=True)
class WeightsFacts:
    """What the weights were trained with, as their metadata says (None: not known)."""

    trained: bool  # False: fresh, untrained weights
    epochs: int | None = None
    optimizer: str | None = None
    data_source: str = ""

    @classmethod
    def from_metadata(cls, meta) -> WeightsFacts:
        if meta is None:
            return cls(False)
        return cls(meta.epochs > 0, int(meta.epochs), str(meta.optimizer), str(meta.data_source))


def measure(model: models.Autoencoder, dataset: Dataset, kinds: Iterable[str], noise: float = 0.0,
            noise_seed: int = 0, state: TaskState | None = None) -> Measured:
    """The figures `kinds` ("test loss", "train loss", "mean activation") of `model`."""
    state = ensure(state)
    kinds = list(dict.fromkeys(kinds))
    values: dict[str, float] = {}
    for i, kind in enumerate(kinds):
        part = state.subrange(i / len(kinds), (i + 1) / len(kinds))
        if kind == "test loss":
            values[kind] = views.mean_test_loss(model, dataset, noise, noise_seed, part)
        elif kind == "train loss":
            values[kind] = train_loss(model, dataset, part)
        elif kind == "mean activation":
            values[kind] = views.code_sparsity(model, dataset, part).mean_activation
        else:
            raise ValueError(f"no live figure is called {kind!r}")
    return Measured(model.variant.name, values, len(dataset.x_test), len(dataset.x_train),
                    float(noise))


def train_loss(model: models.Autoencoder, dataset: Dataset, state: TaskState | None = None,
               batch_size: int = 500) -> float:
    """The loss Keras reports while training, on the training split: the mean binary
    cross-entropy, plus the L1 activity term of the sparse model (10e-5 × Σ|code|)."""
    state = ensure(state)
    x = dataset.x_train
    if len(x) == 0:
        raise ValueError("the training split is empty")
    total = 0.0
    for start in range(0, len(x), batch_size):
        state.check()
        stop = min(start + batch_size, len(x))
        codes, recon = models.encode_and_reconstruct(model, x[start:stop], batch_size)
        loss = models.per_image_loss(x[start:stop], recon)
        if model.arch_id == "sparse":
            loss = loss + SPARSE_L1 * np.abs(codes.reshape(len(codes), -1)).sum(axis=1)
        total += float(loss.sum())
        state.set_progress(stop / len(x))
    return total / len(x)


def agrees(figure: Figure, live: float) -> bool:
    """Close enough to say "they agree": 0.005 on a loss, 5 % on an activation."""
    if figure.what == "mean activation":
        return abs(live - figure.tutorial) <= 0.05 * abs(figure.tutorial)
    return abs(live - figure.tutorial) <= 0.005


def why_they_differ(figure: Figure, live: float, facts: WeightsFacts, measured: Measured) -> str:
    """One sentence: why the live value is not the tutorial's (or that they agree)."""
    if not facts.trained:
        return ("These weights are fresh and untrained; the tutorial's figure is for a "
                "trained model.")
    reasons = []
    if figure.epochs is not None and facts.epochs is not None and facts.epochs != figure.epochs:
        reasons.append(f"{facts.epochs} epochs, not {figure.epochs}")
    if figure.optimizer and facts.optimizer and facts.optimizer != figure.optimizer:
        reasons.append(f"{_optimizer(facts.optimizer)}, not {_optimizer(figure.optimizer)}")
    if facts.data_source and "60,000" not in facts.data_source:
        reasons.append(f"trained on {_training_digits(facts.data_source)}, not MNIST's 60,000")
    if figure.what != "train loss" and measured.n_test != 10_000:
        reasons.append(f"{measured.n_test:,} test digits, not 10,000")
    if figure.what == "test loss" and measured.noise > 0:
        reasons.append(f"inputs with noise {measured.noise:.2f}")
    if agrees(figure, live):
        return "They agree" + (f", although: {'; '.join(reasons)}." if reasons else ".")
    direction = "Lower" if live < figure.tutorial else "Higher"
    if not reasons:
        return (f"{direction} here with the tutorial's own settings: another random start "
                "and another Keras version are what is left.")
    return f"{direction} here: {'; '.join(reasons)}."


def _training_digits(source: str) -> str:
    """"8,000 digits" from "embedded MNIST sample: 8,000 train / 2,000 test" (else the source)."""
    found = re.search(r"([\d,]+) train", source)
    return f"{found.group(1)} digits" if found else source


def _optimizer(name: str) -> str:
    return {"adam": "Adam", "adadelta": "Adadelta"}.get(name, name)


def estimate_seconds(epochs: int, n_train: int, n_test: int, samples_per_s: float) -> float:
    """How long `epochs` epochs take at `samples_per_s` (each epoch also validates,
    a forward pass about a third of a training step)."""
    if not samples_per_s > 0:
        raise ValueError("the training speed must be positive")
    return epochs * (n_train + n_test / 3) / samples_per_s


def time_training_speed(model: models.Autoencoder, dataset: Dataset, batch_size: int,
                        n: int = 512) -> float:
    """Training samples/s of `model`'s architecture on this machine, from a tiny run.

    A throwaway copy (the same variant, fresh weights: the window's model is never
    touched) is fitted once on a few digits, which traces its training step, and then
    timed on `n` digits. For the estimate shown before a first run only: a real run's
    speed replaces it.
    """
    import time

    x = dataset.x_train[:n] if len(dataset.x_train) else dataset.x_test[:n]
    if len(x) == 0:
        raise ValueError("no digits to time the model on")
    copy = models.build(model.arch_id, model.code_size)
    models.compile_model(copy)
    inputs = models.to_model_input(model.arch_id, x)
    batch_size = max(1, min(int(batch_size), len(x)))
    copy.autoencoder.fit(inputs[:batch_size], inputs[:batch_size], epochs=1,
                         batch_size=batch_size, verbose=0)  # traces: not counted
    start = time.perf_counter()
    copy.autoencoder.fit(inputs, inputs, epochs=1, batch_size=batch_size, verbose=0)
    return len(x) / max(time.perf_counter() - start, 1e-6)
