"""A model is compiled once per optimizer kind; each run still starts from a fresh optimizer."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import models, run_compile, training


def _losses(result) -> list[float]:
    return [e.train_loss for e in result.history]


def test_a_second_run_keeps_the_traced_train_function(tiny):
    model = models.build("simple")
    training.train(model, tiny, training.TrainConfig("simple", 1, 64, seed=0))
    traced = model.autoencoder.train_function
    optimizer = model.autoencoder.optimizer
    training.train(model, tiny, training.TrainConfig("simple", 2, 64, seed=1,
                                                     learning_rate=0.004))
    assert model.autoencoder.train_function is traced  # not traced again
    assert model.autoencoder.optimizer is optimizer
    # Fresh state: the steps of this run only (2 epochs of 4 batches), at its own rate.
    assert int(optimizer.iterations.numpy()) == 8
    assert float(np.asarray(optimizer.learning_rate)) == pytest.approx(0.004)


def test_a_reused_optimizer_trains_exactly_as_a_fresh_one(tiny):
    """Moments put back to zero: the same seeded run from the same weights, loss
    for loss, on a model that trained before and on one compiled afresh."""
    reused = models.build("simple")
    start = reused.autoencoder.get_weights()
    training.train(reused, tiny, training.TrainConfig("simple", 1, 64, seed=3))
    reused.autoencoder.set_weights(start)
    config = training.TrainConfig("simple", 2, 64, seed=5)
    again = training.train(reused, tiny, config)
    fresh = models.build("simple")
    fresh.autoencoder.set_weights(start)
    first = training.train(fresh, tiny, config)
    assert _losses(again) == pytest.approx(_losses(first), rel=1e-5)


def test_another_optimizer_or_a_compile_elsewhere_compiles_afresh(tiny):
    model = models.build("simple")
    run_compile.compile_for_run(model, "adam")
    adam = model.autoencoder.optimizer
    run_compile.compile_for_run(model, "adadelta", 0.5)
    adadelta = model.autoencoder.optimizer
    assert adadelta is not adam and type(adadelta).__name__ == "Adadelta"
    models.compile_model(model, "adadelta")  # e.g. the lesson figures' own compile
    run_compile.compile_for_run(model, "adadelta")
    assert model.autoencoder.optimizer is not adadelta
    assert float(np.asarray(model.autoencoder.optimizer.learning_rate)) == pytest.approx(1.0)


def test_a_bad_learning_rate_is_refused_on_the_reused_path_too(tiny):
    model = models.build("simple")
    run_compile.compile_for_run(model, "adam")
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        run_compile.compile_for_run(model, "adam", -1.0)
