"""Compiling a model for a training run: once per optimizer kind, not per run.

Keras' `compile` throws away the model's traced train and test functions.
Compiled at the start of every run, a model traced its whole training step
again each time, and each run left the last one's functions behind as
garbage. Freeing those is slow (each waits for TensorFlow's runtime), and
the hour-long soak (tests/benchmarks/soak.py) caught the window frozen for
seconds at a time while the garbage collector did it.

So a model compiled for an earlier run with the same optimizer keeps its
functions: its optimizer is put back to the state it had when it was built
(no moments, no steps taken), the run's learning rate is set, and `fit`
finds the train function it traced before. Each run still starts from a
fresh optimizer, as it did when every run compiled. A run with the other
optimizer, or on a model compiled elsewhere, compiles afresh.
"""

from __future__ import annotations

import weakref

from explorer.core import models

__all__ = ["compile_for_run"]


class _Compiled:
    """How `compile_for_run` left a model: its optimizer, of which kind, and
    that optimizer's variables as they were when built."""

    def __init__(self, name: str, optimizer, initial: list):
        self.name = name
        self.optimizer = weakref.ref(optimizer)
        self.initial = initial


# Keyed by the Keras model, so a model dropped takes its entry with it.
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compile_for_run(model: models.Autoencoder, optimizer: str = "adam",
                    learning_rate: float | None = None) -> None:
    """Make `model` ready to train with a fresh `optimizer` at `learning_rate`."""
    lr = models.learning_rate_for(optimizer, learning_rate)
    keras_model = model.autoencoder
    before = _compiled.get(keras_model)
    opt = getattr(keras_model, "optimizer", None)  # a Keras model has none until compiled
    if (before is not None and before.name == optimizer and before.optimizer() is opt
            and len(opt.variables) == len(before.initial)):
        for variable, value in zip(opt.variables, before.initial, strict=True):
            variable.assign(value)
        opt.learning_rate = lr
        return
    models.compile_model(model, optimizer, lr)
    opt = keras_model.optimizer
    # Built now rather than at the first step, so its initial state can be kept.
    opt.build(keras_model.trainable_variables)
    _compiled[keras_model] = _Compiled(optimizer, opt, [v.numpy() for v in opt.variables])
