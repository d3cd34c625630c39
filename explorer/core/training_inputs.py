"""What `model.fit` is fed: a lean tf.data pipeline over arrays held once.

Kept apart from the trainer (training.py): it is the part that decides the
memory of a run (188 MB of full MNIST held once, as bytes, not four times as
floats) and the speed of its input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from explorer.core import models
from explorer.core.data import Dataset, add_noise

if TYPE_CHECKING:  # pragma: no cover
    from explorer.core.training import TrainConfig

# Validation has no gradients to keep, so it can take bigger batches: fewer
# steps, the same mean loss.
VALIDATION_BATCH = 1024


def fit_inputs(keras, x_in, x_target, val_in, val_target, batch_size: int, seed: int) -> dict:
    """Arguments for `fit`: a lean tf.data pipeline on TensorFlow, arrays elsewhere.

    Given numpy arrays, Keras copies inputs and targets into tensors
    separately: for an autoencoder that is the same 188 MB of full MNIST
    twice, plus the validation set twice. Here each array becomes one tensor
    (the target *is* the input unless the inputs are noisy), batches are
    gathered from it by shuffled index and prefetched while the previous
    batch trains.
    """
    if keras.backend.backend() != "tensorflow":
        return dict(x=x_in, y=x_target, batch_size=batch_size, shuffle=True,
                    validation_data=None if val_in is None else (val_in, val_target))
    import tensorflow as tf

    def tensor_and_decoder(x):
        # MNIST pixels are k/255: kept as bytes they take a quarter of the
        # memory, and each batch is turned back into the very same floats.
        as_bytes = exact_bytes(x)
        if as_bytes is None:
            return tf.constant(x), (lambda t: t)
        return tf.constant(as_bytes), (lambda t: tf.cast(t, tf.float32) / 255.0)

    def pipeline(x, y, batch, shuffle):
        xs, decode_x = tensor_and_decoder(x)
        ys, decode_y = (xs, decode_x) if y is x else tensor_and_decoder(y)
        index = tf.data.Dataset.range(len(x))
        if shuffle:
            index = index.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

        def gather(i):
            bx = decode_x(tf.gather(xs, i))
            return bx, (bx if ys is xs else decode_y(tf.gather(ys, i)))

        return (index.batch(batch)
                .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
                .prefetch(tf.data.AUTOTUNE))

    val = None
    if val_in is not None:
        val = pipeline(val_in, val_target, max(batch_size, VALIDATION_BATCH), False)
    # shuffle=False: the pipeline shuffles itself; fit's default True only
    # prints a UserWarning on every run (the terminal of a live demo).
    return dict(x=pipeline(x_in, x_target, batch_size, True), validation_data=val,
                shuffle=False)


def exact_bytes(x: np.ndarray, chunk: int = 4096) -> np.ndarray | None:
    """x as uint8 when every value is exactly k/255 (as loaded MNIST is), else None.

    Checked chunk by chunk, so no full-size float temporary is made.
    """
    out = np.empty(x.shape, np.uint8)
    for start in range(0, len(x), chunk):
        part = x[start:start + chunk]
        scaled = np.rint(part * np.float32(255))
        if not np.array_equal(scaled.astype(np.float32) / np.float32(255), part):
            return None
        out[start:start + chunk] = scaled
    return out


def training_arrays(dataset: Dataset, config: TrainConfig):
    """(x_in, x_target, val_in, val_target) in the architecture's input shape.

    The denoising model learns to map noisy digits to clean ones; its noise is
    drawn once, from the config's seed, as the seed tutorial does.
    """
    arch = config.arch_id
    x_train = models.to_model_input(arch, dataset.x_train)
    x_test = models.to_model_input(arch, dataset.x_test)
    noise = config.effective_noise
    if noise > 0:
        x_in = add_noise(x_train, noise, seed=config.seed)
        val_in = add_noise(x_test, noise, seed=config.seed + 1)
    else:
        x_in, val_in = x_train, x_test
    return x_in, x_train, val_in, x_test
