"""Training runs leave nothing behind: the cause of the window's 5 MB per run.

The resident-set figures are in tests/benchmarks/bench_memory_growth.py;
here the mechanism is checked directly: each run's traced training step
used to stay registered in TensorFlow's gradient registry for good.
"""

from __future__ import annotations

import gc

from explorer.core import leaks, models, training


def _traced_train_steps() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects()
               if type(o).__name__ == "FuncGraph" and getattr(o, "name", "") == "one_step_on_data")


def test_runs_register_no_gradients_and_free_their_traced_steps(tiny):
    model = models.build("simple")
    config = training.TrainConfig.for_arch("simple", epochs=1, batch_size=100)
    training.train(model, tiny, config)
    registered = leaks.custom_gradient_count()
    after_one = _traced_train_steps()
    for _ in range(3):
        training.train(model, tiny, config)
    assert leaks.custom_gradient_count() == registered
    # The last run's graphs are alive (the model's train function); earlier ones are gone.
    assert _traced_train_steps() <= after_one


def test_gradients_registered_inside_the_block_are_forgotten_even_when_it_raises():
    models.import_keras()
    import tensorflow as tf

    @tf.custom_gradient
    def identity(x):
        return x, lambda dy: dy

    @tf.function
    def traced(x):
        return identity(x)

    before = leaks.custom_gradient_count()
    inside = None
    try:
        with leaks.forget_traced_gradients():
            traced(tf.constant(1.0))  # tracing registers "CustomGradient-N" in graph mode
            inside = leaks.custom_gradient_count()
            raise KeyError("a fit that failed")
    except KeyError:
        pass
    assert inside == before + 1
    assert leaks.custom_gradient_count() == before
