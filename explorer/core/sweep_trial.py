"""One trial of a sweep, as a Dask worker runs it.

A trial is one training run of one model variant (an architecture at one
code size) with one optimizer. `run_trial(spec, data)` is the function each
Dask task calls: it runs in a worker process, loads the dataset there (from
the same path the client was given, or the embedded split; the images never
travel through the scheduler), trains with the program's own trainer and
returns a `TrialResult` holding everything the client writes to disk: the
weights as bytes, the history, the losses, the timings, the worker's address
and ten test digits with their reconstructions.

Nothing here imports Dask at module level: the client's table code and the
UI read these dataclasses without it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import variants
from explorer.core.training import TrainConfig


@dataclass(frozen=True)
class DataRef:
    """Where a worker finds the dataset: a path every worker can read, or None.

    None is the embedded split (8,000 / 2,000 digits of the genuine MNIST
    test set), which ships with the program and so is the same on every
    worker; the Keras cache is not used, as each machine may hold a
    different one. `n_train`/`n_test` keep only the first digits of each
    split (a quick sweep, or a test).
    """

    path: str | None = None
    n_train: int | None = None
    n_test: int | None = None

    def load(self):
        """The dataset, loaded once per worker process and kept."""
        key = (self.path, self.n_train, self.n_test)
        with _DATA_LOCK:
            if key not in _DATA_CACHE:
                _DATA_CACHE[key] = self._load_uncached()
            return _DATA_CACHE[key]

    def _load_uncached(self):
        from explorer.core.data import load_embedded
        from explorer.core.image_folder import load_path

        dataset = load_embedded() if self.path is None else load_path(self.path)
        if self.n_train is not None or self.n_test is not None:
            dataset = dataset.subset(self.n_train, self.n_test)
        return dataset


_DATA_CACHE: dict = {}
_DATA_LOCK = threading.Lock()


@dataclass(frozen=True)
class TrialSpec:
    """What to train: the variant, the optimizer and the trainer's settings."""

    arch_id: str
    code_size: int
    optimizer: str
    epochs: int
    batch_size: int
    learning_rate: float | None = None  # None: the optimizer's (Adadelta: 1.0, as the seed)
    noise: float | None = None  # None: the architecture's (0.5 for denoise)
    repeat: int = 0  # 0-based; also the random seed, so repeats differ and reruns agree

    @property
    def variant(self) -> variants.Variant:
        return variants.variant(self.arch_id, self.code_size)

    @property
    def key(self) -> str:
        """A name unique within a sweep, used for the trial's folder: simple-8-adam-r1."""
        return f"{self.arch_id}-{self.code_size}-{self.optimizer}-r{self.repeat + 1}"

    def train_config(self) -> TrainConfig:
        return TrainConfig(self.arch_id, self.epochs, self.batch_size, self.optimizer,
                           self.learning_rate, self.noise, seed=self.repeat)

    def validate(self) -> None:
        """Raise ValueError with a one-line message for any bad setting."""
        # The repeat is also the trial's seed and part of its folder's name; a
        # trial file read back may hold anything there.
        if isinstance(self.repeat, bool) or not isinstance(self.repeat, int) or not (
                0 <= self.repeat < 1_000_000):
            raise ValueError(f"repeat must be a whole number from 0, got {self.repeat!r}")
        self.variant  # noqa: B018 - validates the architecture and the size
        self.train_config().validate()


@dataclass(frozen=True)
class TrialResult:
    """What a worker sends back for one trial."""

    spec: TrialSpec
    data: DataRef
    status: str  # the trainer's: "finished", "stopped" (cancelled) or "failed" (diverged)
    error: str | None
    history: tuple[tuple[float, float | None], ...]  # per epoch (train, validation)
    params: int
    mean_code_activation: float | None
    seconds: float  # on the worker, from the call to the return: build, train, encode
    train_seconds: float  # inside fit only
    worker: str  # the Dask worker's address
    host: str
    data_source: str
    metadata: object  # store.Metadata
    weights: bytes = field(repr=False)  # a .weights.h5 file
    digit_indices: tuple[int, ...] = ()  # the ten test digits (one per class)
    originals: np.ndarray | None = field(default=None, repr=False)  # (10, 28, 28) uint8
    reconstructions: np.ndarray | None = field(default=None, repr=False)  # (10, 28, 28) uint8

    @property
    def train_loss(self) -> float | None:
        return self.history[-1][0] if self.history else None

    @property
    def val_loss(self) -> float | None:
        return self.history[-1][1] if self.history else None


# How often a running trial asks the scheduler whether the sweep was cancelled.
CANCEL_POLL_S = 0.5


def run_trial(spec: TrialSpec, data: DataRef, cancel_event: str | None = None) -> TrialResult:
    """Train one trial in this process and return its result (a Dask task).

    `cancel_event` names a `distributed.Event` that the client sets to
    cancel the sweep: a trial that is already running stops within a batch
    or so, instead of training on for nothing on a remote machine.
    """
    t0 = time.perf_counter()
    worker, host, nthreads = _where_am_i()
    limit_tensorflow_threads(nthreads)
    from explorer.core import models, store, training
    from explorer.core.data import one_of_each_class

    spec.validate()
    dataset = data.load()
    # Seeded before the weights are drawn (train() seeds again for the
    # shuffles): the same trial starts from the same weights on any worker,
    # whatever that worker ran before.
    models.import_keras().utils.set_random_seed(spec.repeat)
    model = models.build(spec.arch_id, spec.code_size)
    config = spec.train_config()
    control = training.TrainControl()
    control.between_batches = _cancel_poller(cancel_event, control)
    t_fit = time.perf_counter()
    result = training.train(model, dataset, config, stop_event=control)
    train_seconds = time.perf_counter() - t_fit
    try:
        digits = one_of_each_class(dataset.y_test)
    except ValueError:  # a small dataset that lacks a digit: the first ten, whatever they are
        digits = np.arange(min(10, dataset.n_test))
    originals = dataset.x_test[digits]
    codes, recon = models.encode_and_reconstruct(model, dataset.x_test)
    return TrialResult(
        spec=spec, data=data, status=result.status, error=result.error,
        history=tuple((h.train_loss, h.val_loss) for h in result.history),
        params=models.count_params(model.autoencoder),
        mean_code_activation=float(codes.mean()) if len(codes) else None,
        seconds=time.perf_counter() - t0, train_seconds=train_seconds,
        worker=worker, host=host, data_source=dataset.source,
        metadata=store.make_metadata(model, result, config, dataset.source),
        weights=_weights_bytes(model),
        digit_indices=tuple(int(i) for i in digits),
        originals=_as_bytes_image(originals), reconstructions=_as_bytes_image(recon[digits]))


def _where_am_i() -> tuple[str, str, int]:
    """(worker address, host name, worker threads); outside Dask, this process."""
    import socket

    try:
        from distributed import get_worker

        worker = get_worker()
        return worker.address, socket.gethostname(), worker.state.nthreads
    except (ImportError, ValueError):
        return f"pid {os.getpid()}", socket.gethostname(), 0


def limit_tensorflow_threads(n: int) -> None:
    """Give TensorFlow n threads per pool in this process (n < 1: its default, all cores).

    Trials run side by side, one per worker thread: with TensorFlow's
    default of one thread per core in every worker process, two workers
    on two cores would each start two (plus an inter-op pool each) and
    spend their time preempting one another. The environment variables
    hold for a TensorFlow not yet imported; `tf.config` for one imported but
    not yet initialised; after its first op TensorFlow keeps what it has.
    """
    if n < 1:
        return
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, str(n))
    from explorer.core.models import import_keras

    keras = import_keras()
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        pass  # already initialised by an earlier trial in this process: as configured then


def _cancel_poller(event_name: str | None, control):
    """A between-batches hook that stops the trial once the sweep's event is set."""
    if event_name is None:
        return None
    try:
        from distributed import Event, get_client

        event = Event(event_name, client=get_client())
    except (ImportError, ValueError):  # not in a Dask worker
        return None
    last_poll = [time.perf_counter()]

    def poll() -> None:
        now = time.perf_counter()
        if now - last_poll[0] < CANCEL_POLL_S:
            return
        last_poll[0] = now
        try:
            cancelled = event.is_set()
        except Exception:  # a lost scheduler must not fail a trial in flight
            return
        if cancelled:
            control.request_stop()

    return poll


def _weights_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trial.weights.h5"
        model.autoencoder.save_weights(str(path))
        return path.read_bytes()


def _as_bytes_image(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(x, np.float32) * 255), 0, 255).astype(np.uint8)


def dask_setup(worker) -> None:
    """Dask preload hook for the workers of the sweep's own LocalCluster.

    Ctrl+C in the terminal goes to every process of the foreground group:
    the client cancels the sweep and closes the cluster, so its workers must
    not each die of KeyboardInterrupt first (with a traceback apiece).
    """
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
