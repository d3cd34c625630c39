"""The window's shared state: the dataset, the current model and its weights.

Features never hold Keras objects. They ask the session for work:
`submit(key, fn, on_done)` for a view (a newer request with the same key
replaces a waiting one) and `command(name, fn, on_done)` for a command
(never dropped, run in order): fn(state, model, dataset) runs on the model
thread (see workers.py) and on_done(result) gets plain numpy back on the GUI
thread.
They listen to `weights_changed` to refresh (after each epoch, at the end of a
run, after load or reset) and to `dataset_changed`.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core import models, store, training
from explorer.core.data import Dataset, load_dataset
from explorer.services.selection import DigitSelection
from explorer.services.workers import JobState, ModelWorker

log = logging.getLogger(__name__)

ModelJob = Callable[[JobState, models.Autoencoder, Dataset], Any]


class _SignalListener:
    """Hands the trainer's progress (on the model thread) to the GUI thread.

    The progress objects wait in the session's inbox and only a bare signal
    crosses threads: see workers.py for the hang a Python object in a queued
    signal can cause.
    """

    def __init__(self, session: Session):
        self.session = session

    def on_batch(self, progress: training.BatchProgress) -> None:
        self.session._post(self.session.batch_finished, progress)

    def on_epoch(self, result: training.EpochResult) -> None:
        self.session._post(self.session.epoch_finished, result)
        self.session._post(self.session.weights_changed)


class Session(QObject):
    dataset_changed = Signal()
    model_changed = Signal(str)  # arch id; weights_changed follows
    weights_changed = Signal()  # new weights: epoch end, run end, load, reset
    weights_info_changed = Signal(str)  # a sentence on what the weights are
    backend_ready = Signal()  # Keras imported and the first model built
    training_started = Signal(object)  # TrainConfig
    batch_finished = Signal(object)  # BatchProgress
    epoch_finished = Signal(object)  # EpochResult
    training_ended = Signal(object)  # TrainResult: finished, stopped or failed
    paused_changed = Signal(bool)
    busy_changed = Signal(bool)  # True while training or switching models
    error_raised = Signal(str)  # a message for the user
    status_message = Signal(str)
    _inbox_posted = Signal()  # from the model thread: something waits in _inbox

    def __init__(self, dataset: Dataset | None = None, data_path: str | None = None,
                 trained_dir: str | os.PathLike | None = None,
                 arch_id: str = "simple", parent: QObject | None = None):
        super().__init__(parent)
        self.dataset: Dataset = dataset if dataset is not None else load_dataset(data_path)
        self.trained_dir = Path(trained_dir) if trained_dir else store.TRAINED_DIR
        self.arch_id = arch_id
        self.metadata: store.Metadata | None = None
        self.weights_note = "loading TensorFlow..."
        self.is_ready = False
        self.is_training = False
        self.is_paused = False
        self.last_result: training.TrainResult | None = None
        self._model: models.Autoencoder | None = None  # touched on the model thread only
        self._control: training.TrainControl | None = None
        self._builds_waiting = 0  # architecture builds and resets queued, not yet answered
        self._started = False
        # (signal, args) posted by the model thread, emitted on the GUI thread
        self._inbox: deque[tuple[Any, tuple]] = deque()
        self._inbox_posted.connect(self._deliver_inbox)
        self.worker = ModelWorker(self)
        self.worker.job_progress.connect(self._on_job_progress)
        self.selection = DigitSelection(self)  # the digits the tabs show

    # ---------------------------------------------------------------- public
    def start(self) -> None:
        """Import Keras and build the first model, in the background."""
        if not self._started:
            self._started = True
            self.select_architecture(self.arch_id)

    def submit(self, key: str, fn: ModelJob, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None,
               during_training: bool = True, progress_title: str = "Working") -> None:
        """A view: fn(state, model, dataset) on the model thread; on_done(result) here.

        A newer view with the same key replaces this one while it waits. A
        job that reports progress is shown in the status bar as
        "<progress_title>: 45%".
        """
        self.worker.submit(key, self._with_model(fn), on_done, on_error or self._report_error,
                           during_training, progress_title)

    def command(self, name: str, fn: ModelJob, on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[str], None] | None = None, during_training: bool = True,
                keep_on_shutdown: bool = False, progress_title: str = "Working") -> None:
        """A command: like `submit`, but never replaced or dropped; run in order.

        keep_on_shutdown: it still runs if the window closes while it waits.
        """
        self.worker.command(name, self._with_model(fn), on_done, on_error or self._report_error,
                            during_training, keep_on_shutdown, progress_title)

    def _with_model(self, fn: ModelJob) -> Callable[[JobState], Any]:
        def job(state: JobState):
            if self._model is None:
                raise RuntimeError("no model is loaded yet")
            return fn(state, self._model, self.dataset)

        return job

    def _report_error(self, message: str) -> None:
        self.error_raised.emit(message)

    def select_architecture(self, arch_id: str) -> None:
        """Build `arch_id` and load its pre-trained weights when there are any."""
        if self.is_training:
            raise RuntimeError("stop the training before switching architecture")
        models.spec(arch_id)
        self.arch_id = arch_id
        self._queue_build(arch_id, load=True)

    def reset_weights(self) -> None:
        """Fresh, untrained weights for the current architecture."""
        self._queue_build(self.arch_id, load=False)

    def _queue_build(self, arch_id: str, load: bool) -> None:
        self._builds_waiting += 1
        self.busy_changed.emit(True)
        self.worker.command("build model", lambda state: self._build(arch_id, load),
                            self._on_model_built, self._on_model_failed,
                            title=f"Building the {arch_id} model")

    def load_weights(self, path: str | os.PathLike) -> None:
        """Load a weights file the user picked; on failure the model is unchanged."""
        path = Path(path)

        def job(state, model, dataset):
            store.load_weights(model, path)
            try:
                meta = store.load_metadata(model.arch_id, path.parent)
                if path.name != store.weights_path(model.arch_id).name:
                    meta = None  # the JSON beside it describes another file
            except store.StoreError:
                meta = None
            return meta

        def done(meta):
            self.metadata = meta
            note = meta.summary() if meta else "no metadata"
            self._set_weights_note(f"loaded {path.name}: {note}")
            self.weights_changed.emit()

        self.command("load weights", job, done, progress_title=f"Loading {path.name}")

    def save_weights(self, folder: str | os.PathLike | None = None,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        folder = Path(folder) if folder else self.trained_dir
        meta = self.metadata or self._metadata_without_training()

        def job(state, model, dataset):
            return store.save(model, meta, folder)

        def done(path):
            self.status_message.emit(f"Saved {path}")
            if on_saved:
                on_saved(path)

        # A save the user asked for still happens if the window closes meanwhile.
        self.command("save weights", job, done, keep_on_shutdown=True,
                     progress_title="Saving the weights")

    def export_keras(self, path: str | os.PathLike,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        self.command("export keras", lambda s, m, d: store.export_keras(m, path),
                     on_saved or (lambda p: self.status_message.emit(f"Exported {p}")),
                     keep_on_shutdown=True, progress_title="Exporting the model")

    def train(self, config: training.TrainConfig, fresh: bool = False,
              n_train: int | None = None, n_test: int | None = None) -> None:
        """Start a run on the model thread; progress comes as signals."""
        if self.is_training:
            raise RuntimeError("a training run is already going")
        config.validate()
        if config.arch_id != self.arch_id:
            raise ValueError(f"the current model is {self.arch_id!r}, not {config.arch_id!r}")
        dataset = self.dataset
        if n_train is not None or n_test is not None:
            dataset = dataset.subset(n_train, n_test)
        control = training.TrainControl(between_batches=self.worker.serve_pending)
        self._control = control
        self.is_training = True
        self.is_paused = False
        self.busy_changed.emit(True)
        self.training_started.emit(config)
        previous = self.metadata

        def job(state: JobState):
            replaced = None
            if self._model is None:
                self._model = models.build(config.arch_id)
            elif fresh:
                # New weights in the same model, not a new model: its traced
                # viewing graph is kept (retracing it mid-run cost 0.15 s).
                replaced = self._model.autoencoder.get_weights()
                models.reinitialize(self._model)
            self.worker.set_training(True)
            try:
                result = training.train(self._model, dataset, config,
                                        _SignalListener(self), control)
            finally:
                self.worker.set_training(False)
            if replaced is not None and result.epochs_done == 0:
                # Nothing was learnt: keep the weights the run replaced
                # (pre-trained ones, say) rather than random new ones.
                self._model.autoencoder.set_weights(replaced)
            meta = None
            if result.epochs_done:
                meta = store.make_metadata(self._model, result, config, dataset.source)
                if previous is not None and not fresh:
                    meta = _continued(previous, meta)
            return result, meta

        self.worker.command("train", job, self._on_training_done, self._on_training_error,
                            title="Training")

    def stop_training(self) -> None:
        if self._control is not None:
            self._control.request_stop()

    def pause_training(self) -> None:
        if self._control is not None and self.is_training:
            self._control.pause()
            self.is_paused = True
            self.paused_changed.emit(True)

    def resume_training(self) -> None:
        if self._control is not None:
            self._control.unpause()
            if self.is_paused:
                self.is_paused = False
                self.paused_changed.emit(False)

    def set_dataset(self, dataset: Dataset) -> None:
        if self.is_training:
            raise RuntimeError("stop the training before changing the dataset")
        self.dataset = dataset
        self.dataset_changed.emit()

    def shutdown(self, timeout_ms: int = 2500) -> bool:
        """Stop any run and the model thread; True if it ended in time."""
        self.stop_training()
        return self.worker.shutdown(timeout_ms)

    @property
    def is_busy(self) -> bool:
        return self.is_training or self._builds_waiting > 0

    # --------------------------------------------------------------- helpers
    def _build(self, arch_id: str, load: bool):
        """On the model thread: a new model, with pre-trained weights if asked."""
        model = models.build(arch_id)
        meta, note = None, "fresh, untrained weights"
        if load:
            weights = store.weights_path(arch_id, self.trained_dir)
            if not weights.exists():
                note = f"fresh, untrained weights (no pre-trained file {weights.name})"
            else:
                try:
                    store.load_weights(model, weights)
                except store.StoreError as exc:
                    model = models.build(arch_id)
                    note = f"fresh, untrained weights: the pre-trained file was unusable ({exc})"
                    log.warning("%s", exc)
                else:
                    # Good weights are kept even when only their description is broken.
                    try:
                        meta = store.load_metadata(arch_id, self.trained_dir)
                        note = "pre-trained: " + meta.summary()
                    except store.StoreError as exc:
                        note = f"pre-trained weights from {weights.name} (their metadata: {exc})"
                        log.warning("%s", exc)
        self._model = model
        return arch_id, meta, note

    def _on_model_built(self, result) -> None:
        arch_id, meta, note = result
        self._builds_waiting -= 1
        if self._builds_waiting > 0:
            return  # a newer build is queued: the window shows only the last one
        first = not self.is_ready
        self.is_ready = True
        self.metadata = meta
        self.busy_changed.emit(self.is_busy)
        self._set_weights_note(note)
        if first:
            self.backend_ready.emit()
        self.model_changed.emit(arch_id)
        self.weights_changed.emit()

    def _on_model_failed(self, message: str) -> None:
        self._builds_waiting -= 1
        self.busy_changed.emit(self.is_busy)
        self.error_raised.emit(f"Could not build the {self.arch_id} model: {message}")

    def _on_training_done(self, outcome) -> None:
        result, meta = outcome
        self.last_result = result
        self._finish_training()
        if meta is not None:
            self.metadata = meta
            verb = {"finished": "trained", "stopped": "stopped after"}.get(result.status,
                                                                          "trained")
            self._set_weights_note(f"{verb} in this session: " + meta.summary())
        if result.status == "failed":
            self.error_raised.emit(f"Training stopped: {result.error}")
        self.training_ended.emit(result)
        self.weights_changed.emit()

    def _on_training_error(self, message: str) -> None:
        result = training.TrainResult("failed", 0, (), message)
        self.last_result = result
        self._finish_training()
        self.error_raised.emit(f"Training failed: {message}")
        self.training_ended.emit(result)
        self.weights_changed.emit()

    def _finish_training(self) -> None:
        self.is_training = False
        self._control = None
        if self.is_paused:
            self.is_paused = False
            self.paused_changed.emit(False)
        self.busy_changed.emit(self.is_busy)

    def _set_weights_note(self, note: str) -> None:
        self.weights_note = note
        self.weights_info_changed.emit(note)

    def _metadata_without_training(self) -> store.Metadata:
        keras_version = ""
        try:
            import keras

            keras_version = keras.__version__
        except ImportError:  # pragma: no cover - Keras is a dependency
            pass
        spec = models.spec(self.arch_id)
        return store.Metadata(self.arch_id, keras_version, "adam", 0.001, 0,
                              spec.batch_size, spec.noise, None, None,
                              self.dataset.source, "")

    def _post(self, signal, *args) -> None:
        """From any thread: emit signal(*args) on the GUI thread, in order."""
        self._inbox.append((signal, args))  # deque.append is thread-safe
        self._inbox_posted.emit()

    def _deliver_inbox(self) -> None:
        while self._inbox:
            signal, args = self._inbox.popleft()
            signal.emit(*args)

    def _on_job_progress(self, key: str, fraction: float, what: str) -> None:
        # An empty message clears the status bar once the job is done, rather
        # than leaving "99%" there.
        self.status_message.emit(f"{what or 'Working'}: {fraction:.0%}" if fraction < 1 else "")


def _continued(previous: store.Metadata, new: store.Metadata) -> store.Metadata:
    """Metadata for weights trained further: the epochs and history add up."""
    from dataclasses import replace

    return replace(new, epochs=previous.epochs + new.epochs,
                   history=tuple(previous.history) + tuple(new.history))
