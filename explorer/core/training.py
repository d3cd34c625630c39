"""A Qt-free trainer around `model.fit`; what it is given and reports is in
training_types.py (its names are this module's too, as callers know them).

Progress goes out through a plain listener object (the UI's worker forwards it
as Qt signals; the command line prints it), and a `threading.Event` stops the
run within one batch. Tests can pass a `Mock()` as the listener.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable

import numpy as np

from explorer.core import leaks, models, run_compile
from explorer.core.data import Dataset, add_noise
from explorer.core.training_inputs import fit_inputs, training_arrays
from explorer.core.training_types import (
    BatchProgress,
    EpochResult,
    ProgressListener,
    StopRequested,
    TrainConfig,
    TrainControl,
    TrainingDiverged,
    TrainResult,
)

__all__ = [
    "BATCH_REPORT_INTERVAL_S",
    "BatchProgress",
    "EpochResult",
    "ProgressListener",
    "StopRequested",
    "TrainConfig",
    "TrainControl",
    "TrainResult",
    "TrainingDiverged",
    "evaluate_loss",
    "train",
]

# Per-batch progress is forwarded at most this often: drawing a plot 500 times
# a second would cost more than the training itself.
BATCH_REPORT_INTERVAL_S = 1 / 30


def train(model: models.Autoencoder, dataset: Dataset, config: TrainConfig,
          listener: ProgressListener | None = None,
          stop_event: threading.Event | TrainControl | None = None,
          initial_epoch: int = 0,
          after_compile: Callable[[models.Autoencoder], None] | None = None) -> TrainResult:
    """Fit `model` (made ready here with a fresh optimizer of the config's kind) on `dataset`.

    Returns how it ended. A NaN loss ends it as "failed" with the weights of
    the last good epoch put back; a set stop event ends it as "stopped"
    within one batch, keeping the weights as they are. A `TrainControl` may
    be passed instead of a bare event, to pause and resume too.

    `initial_epoch` epochs are taken as done already (Keras' own numbering
    continues from there; the results here count this call's epochs from 1).
    `after_compile(model)` runs once the fresh optimizer exists, before the
    first step: resuming a run restores the optimizer's state there.
    """
    config.validate()
    keras = models.import_keras()
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    run_compile.compile_for_run(model, config.optimizer, config.learning_rate)
    if after_compile is not None:
        after_compile(model)
    x_in, x_target, val_in, val_target = training_arrays(dataset, config)
    has_val = len(val_in) > 0
    if isinstance(stop_event, TrainControl):
        control = stop_event
    else:
        control = TrainControl()
        if stop_event is not None:
            control.stop = stop_event
    stop_event = control.stop
    progress = _progress_callback(config, len(x_in), listener, control, len(val_in),
                                 initial_epoch)
    callbacks = [progress]
    if config.tensorboard_dir:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=config.tensorboard_dir))
    inputs = fit_inputs(keras, x_in, x_target, val_in if has_val else None, val_target,
                         config.batch_size, config.seed)
    if stop_event.is_set():  # asked before the run began: not even one step
        return TrainResult("stopped", 0)
    try:
        # Without it each run's traced step stays in TensorFlow's gradient
        # registry for good: about 5 MB a run (see core/leaks.py).
        with leaks.forget_traced_gradients():
            model.autoencoder.fit(
                **inputs,
                epochs=initial_epoch + config.epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                verbose=0,
            )
    except StopRequested:
        progress.let_go_of_the_data()
        return TrainResult("stopped", progress.epochs_done, tuple(progress.history))
    except TrainingDiverged as exc:
        progress.let_go_of_the_data()
        model.autoencoder.set_weights(progress.last_good_weights)
        return TrainResult("failed", progress.epochs_done, tuple(progress.history), str(exc))
    status = "stopped" if stop_event.is_set() else "finished"
    return TrainResult(status, progress.epochs_done, tuple(progress.history))


def _fit_epoch_iterator(frame, depth: int = 8):
    """Keras' epoch iterator of the `fit` that called a callback (found in its
    frame, a few calls up), or None where this Keras keeps it elsewhere."""
    while frame is not None and depth > 0:
        found = frame.f_locals.get("epoch_iterator") if frame.f_code.co_name == "fit" else None
        if found is not None and callable(getattr(found, "reset", None)):
            return found
        frame, depth = frame.f_back, depth - 1
    return None


class _ProgressCallbackBase:
    """Bookkeeping kept apart from the Keras base class so it reads plainly."""

    def __init__(self, config: TrainConfig, n_samples: int,
                 listener: ProgressListener | None, control: TrainControl,
                 n_val: int):
        self.config = config
        self.n_samples = n_samples
        self.n_val = n_val
        self.batches_per_epoch = max(1, math.ceil(n_samples / config.batch_size))
        self.listener = listener
        self.control = control
        self.stop_event = control.stop
        self.epoch_iterator = None  # Keras', for let_go_of_the_data
        self.has_val = n_val > 0
        self.history: list[EpochResult] = []
        self.epochs_done = 0
        self.last_good_weights = None
        self._epoch = 0
        self._prev_mean = 0.0
        self._last_report = 0.0
        self._t_start = 0.0
        self._t_epoch = 0.0
        self._paused_s = 0.0
        self._val_s = 0.0  # time spent validating, over all epochs so far
        self._val_passes = 0
        self._t_val = 0.0

    def _elapsed(self) -> float:
        """Training time so far, not counting time spent paused."""
        return time.perf_counter() - self._t_start - self._paused_s

    def _wait_while_paused(self) -> None:
        if not self.control.paused:
            return
        t0 = time.perf_counter()
        while not self.control.resume.wait(0.05):
            self._serve_requests()
        self._paused_s += time.perf_counter() - t0

    def _serve_requests(self) -> None:
        if self.control.between_batches is not None:
            self.control.between_batches()

    def _samples_per_s(self, batches_done_total: int) -> float:
        elapsed = self._elapsed()
        samples = min(batches_done_total * self.config.batch_size,
                      self.n_samples * (self.epochs_done + 1))
        return samples / elapsed if elapsed > 0 else 0.0

    def let_go_of_the_data(self) -> None:
        """After a run stopped from a callback: free its tf.data iterator now,
        on this (the model) thread.

        A stop raised from a callback leaves Keras' epoch iterator and its
        suspended generator in a reference cycle, holding the tf.data
        iterator, so the GUI thread's collector freed it later; freeing it
        waits for tf.data's threads, and the hour-long soak's window froze
        for 1 to 40 s that way (py-spy --native: EagerTensor_dealloc ->
        ~IteratorResource -> ~LogicalThreadWrapper). `reset` drops the
        iterator and the generator, which breaks the cycle.
        """
        iterator, self.epoch_iterator = self.epoch_iterator, None
        if iterator is not None:
            iterator.reset()

    def _eta(self, batches_done_total: int) -> float:
        """Seconds left: the batches to go at the speed so far, plus the
        validation passes to go at their own measured length.

        Before the first pass is measured it is estimated from the training
        speed: a forward pass is about a third of a training step's work.
        """
        total = self.batches_per_epoch * self.config.epochs
        if batches_done_total <= 0:
            return float("nan")
        train_s = max(self._elapsed() - self._val_s, 0.0)
        per_batch = train_s / batches_done_total
        eta = per_batch * (total - batches_done_total)
        if self.has_val:
            passes_left = self.config.epochs - self._val_passes
            if self._val_passes:
                per_pass = self._val_s / self._val_passes
            else:
                per_pass = per_batch * self.n_val / self.config.batch_size / 3
            eta += per_pass * passes_left
        return eta


def _make_callback_class():
    keras = models.import_keras()

    class ProgressCallback(keras.callbacks.Callback, _ProgressCallbackBase):
        def __init__(self, *args):
            keras.callbacks.Callback.__init__(self)
            _ProgressCallbackBase.__init__(self, *args)

        def on_train_begin(self, logs=None):
            self._t_start = time.perf_counter()
            self.last_good_weights = self.model.get_weights()
            self.epoch_iterator = _fit_epoch_iterator(sys._getframe(1))

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch
            self._prev_mean = 0.0
            self._t_epoch = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            # A stop asked for before a step (the first one traces the graph:
            # seconds, and nothing can interrupt it) must not start that step.
            if self.stop_event.is_set():
                raise StopRequested

        def on_train_batch_end(self, batch, logs=None):
            if self.stop_event.is_set():
                raise StopRequested
            # Keras reports the epoch's running mean, weighted by samples; the
            # batch's own loss is what the thin per-batch curve should show.
            # The last batch of an epoch is usually smaller, hence the weights.
            mean = float(logs["loss"])
            n = batch + 1
            bs = self.config.batch_size
            seen = min(n * bs, self.n_samples)
            prev_seen = min((n - 1) * bs, self.n_samples)
            batch_loss = (mean * seen - self._prev_mean * prev_seen) / max(seen - prev_seen, 1)
            self._prev_mean = mean
            if not math.isfinite(mean):
                raise TrainingDiverged(
                    f"the loss became {mean} in epoch {self.epochs_done + 1}, batch {n}; "
                    f"the weights of the last good epoch were put back. "
                    f"Try a smaller learning rate.")
            now = time.perf_counter()
            if (now - self._last_report >= BATCH_REPORT_INTERVAL_S
                    or n == self.batches_per_epoch):
                self._last_report = now
                done = self.epochs_done * self.batches_per_epoch + n
                if self.listener is not None:
                    self.listener.on_batch(BatchProgress(
                        self._epoch - self._initial_epoch, n, self.batches_per_epoch,
                        batch_loss, self._samples_per_s(done), self._eta(done),
                        self._elapsed()))
                self.control.set_progress(
                    done / (self.batches_per_epoch * self.config.epochs),
                    f"epoch {self.epochs_done + 1} of {self.config.epochs}")
            self._serve_requests()
            self._wait_while_paused()
            if self.stop_event.is_set():
                raise StopRequested

        def on_test_begin(self, logs=None):
            if self.stop_event.is_set():  # no validation pass (and trace) after a stop
                raise StopRequested
            self._t_val = time.perf_counter()
            # Seconds with no batch to report: say what is going on.
            done = (self.epochs_done + 1) * self.batches_per_epoch
            self.control.set_progress(
                done / (self.batches_per_epoch * self.config.epochs),
                f"validating after epoch {self.epochs_done + 1} of {self.config.epochs}")

        def on_test_end(self, logs=None):
            self._val_s += time.perf_counter() - self._t_val
            self._val_passes += 1

        def on_test_batch_end(self, batch, logs=None):
            if self.stop_event.is_set():
                raise StopRequested

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            train_loss = float(logs.get("loss", float("nan")))
            val = logs.get("val_loss")
            val_loss = float(val) if val is not None else None
            if not math.isfinite(train_loss) or (val_loss is not None
                                                  and not math.isfinite(val_loss)):
                raise TrainingDiverged(
                    f"the loss became NaN at the end of epoch {self.epochs_done + 1}; "
                    f"the weights of the last good epoch were put back. "
                    f"Try a smaller learning rate.")
            self.epochs_done += 1
            self.last_good_weights = self.model.get_weights()
            done = self.epochs_done * self.batches_per_epoch
            result = EpochResult(self.epochs_done, self.config.epochs, train_loss, val_loss,
                                 self._samples_per_s(done), self._eta(done),
                                 self._elapsed())
            self.history.append(result)
            if self.listener is not None:
                self.listener.on_epoch(result)
            self._serve_requests()

    return ProgressCallback


_callback_class = None


def _progress_callback(config, n_samples, listener, control, n_val, initial_epoch=0):
    """Build the Keras callback (its class needs Keras, imported lazily)."""
    global _callback_class
    if _callback_class is None:
        _callback_class = _make_callback_class()
    cb = _callback_class(config, n_samples, listener, control, n_val)
    cb._initial_epoch = initial_epoch
    return cb


def evaluate_loss(model: models.Autoencoder, x: np.ndarray, noise: float = 0.0,
                  seed: int = 1, batch_size: int = 1024) -> float:
    """Mean binary cross-entropy of the model on (n, 28, 28) images."""
    x_in = x if noise <= 0 else add_noise(x, noise, seed=seed)
    recon = models.reconstruct(model, x_in, batch_size)
    return float(models.per_image_loss(x, recon).mean())
