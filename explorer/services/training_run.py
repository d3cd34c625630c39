"""A training run of the session's model, on the model thread, reported as signals.

The run is a command (services.workers): it starts when the commands before
it are done, and while it runs the trainer serves the views the tabs ask for
between batches. Progress goes out through the session's signals
(training_started, batch_finished, epoch_finished, training_ended,
paused_changed), posted from the model thread through the session's inbox.

Every run records a time-lapse (core.timelapse): the probe digits are
encoded once before the first epoch and after every epoch, on the model
thread, inside the epoch-end callback, before the epoch is announced; so
when `epoch_finished` arrives, `recorder.snapshot()` already holds its
frame. `recorder` is the run in progress (or the last one); its memory is
bounded (timelapse.MAX_FRAMES).

With a checkpoint folder (the session's `checkpoint_folder`), every run
writes a recovery checkpoint after each epoch (core.recovery), on the model
thread between epochs; a run that returns (finished, stopped or failed)
removes it, so only a crash leaves one. `resume_run` continues one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from explorer.core import models, recovery, store, timelapse, training
from explorer.services.weights import Current

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session
    from explorer.services.workers import JobState

log = logging.getLogger(__name__)


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


class TrainingRunner:
    """Starts, pauses and stops the session's runs; GUI thread, but for the job."""

    def __init__(self, session: Session):
        self.session = session
        self.is_training = False
        self.is_paused = False
        self.last_result: training.TrainResult | None = None
        self._control: training.TrainControl | None = None
        # The time-lapse of the run in progress, or of the last one (None before any).
        self.recorder: timelapse.TimelapseRecorder | None = None
        self.record_timelapse = True  # benchmarks turn it off to measure its cost

    def train(self, config: training.TrainConfig, fresh: bool = False,
              n_train: int | None = None, n_test: int | None = None) -> None:
        """Start a run; `fresh` draws new weights first, else it continues the loaded ones."""
        s = self.session
        if self.is_training:
            raise RuntimeError("a training run is already going")
        config.validate()
        if config.arch_id != s.arch_id:
            raise ValueError(f"the current model is {s.arch_id!r}, not {config.arch_id!r}")
        dataset = s.dataset
        if n_train is not None or n_test is not None:
            dataset = dataset.subset(n_train, n_test)
        control = self._begin(config)
        previous = s.metadata
        variant = s.variant
        first_epoch = previous.epochs if previous is not None and not fresh else 0
        recorder = None
        if self.record_timelapse and dataset.n_test >= timelapse.K_CLUSTERS:
            recorder = timelapse.TimelapseRecorder(timelapse.make_probe(dataset),
                                                   arch_id=variant.name, source=dataset.source)
        self.recorder = recorder

        def job(state: JobState):
            model = s._model
            replaced = None
            if model is None:
                model = s._model = s.model_pool.take(variant)
            else:
                # Put back if the run ends before its first epoch does: the
                # batches of a stopped first epoch are not a result.
                replaced = model.autoencoder.get_weights()
                if fresh:
                    # New weights in the same model, not a new model: its traced
                    # viewing graph is kept (retracing it mid-run cost 0.15 s).
                    models.reinitialize(model)
            listener = _SignalListener(s)
            if recorder is not None:
                recorder.record(model, first_epoch)  # where the run starts from
                listener = recorder.listener(model, listener, first_epoch)
            # The checkpoint is written before the epoch is passed on (and recorded).
            writer = self._checkpoint_writer(model, config, dataset, listener)
            s.worker.set_training(True)
            try:
                result = training.train(model, dataset, config, writer or listener, control)
            finally:
                s.worker.set_training(False)
            if writer is not None:
                writer.finish(result)  # the run returned: nothing to recover
            if replaced is not None and result.epochs_done == 0:
                # Nothing was learnt: keep the weights the run replaced
                # (pre-trained ones, say) rather than random or half-trained ones.
                model.autoencoder.set_weights(replaced)
            meta = None
            if result.epochs_done:
                meta = store.make_metadata(model, result, config, dataset.source)
                if previous is not None and not fresh:
                    meta = _continued(previous, meta)
            return result, meta

        s.worker.command("train", job, self._on_done, self._on_error, title="Training")

    def resume_run(self, checkpoint: recovery.Checkpoint) -> None:
        """Continue a crashed run from its checkpoint in the loaded model (of its
        architecture): its earlier epochs are announced first (the curves show
        them), then the remaining epochs train and are announced as the whole
        run's (38 of 50). The checkpoint is kept up to date, and removed at the end."""
        s = self.session
        if self.is_training:
            raise RuntimeError("a training run is already going")
        if checkpoint.arch_id != s.arch_id or not s.variant.is_seed:
            raise ValueError(f"the checkpoint is of {checkpoint.arch_id!r}, the loaded model "
                             f"is {s.variant.name!r}")
        config, dataset = checkpoint.config, s.dataset
        control = self._begin(config)
        for epoch in checkpoint.history:
            s.epoch_finished.emit(epoch)

        def job(state: JobState):
            model = s._model
            s.worker.set_training(True)
            try:
                result = recovery.resume(checkpoint, model, dataset, _SignalListener(s), control,
                                         on_error=self._checkpoint_trouble)
            finally:
                s.worker.set_training(False)
            source = checkpoint.data_source
            if dataset.source != source:  # its data file was not at hand: say both
                source = (f"{source} (epochs 1-{checkpoint.epochs_done}), then "
                          f"{dataset.source}")
            meta = store.make_metadata(model, result, config, source)
            return result, meta

        s.worker.command("resume training", job, self._on_done, self._on_error,
                         title="Training")

    def _begin(self, config: training.TrainConfig) -> training.TrainControl:
        s = self.session
        control = training.TrainControl(
            between_batches=s.worker.serve_pending,
            # "epoch 3 of 10", "validating after epoch 3 of 10": the phase of the run.
            on_progress=lambda fraction, text: s._post(s.training_progress, fraction, text))
        self._control = control
        self.is_training = True
        self.is_paused = False
        s.busy_changed.emit(True)
        s.training_started.emit(config)
        return control

    # -------------------------------------------------------- checkpoints
    def _checkpoint_writer(self, model: models.Autoencoder, config: training.TrainConfig,
                           dataset, forward) -> recovery.CheckpointWriter | None:
        """On the model thread: the listener that checkpoints each epoch and passes
        the progress on; None without a checkpoint folder, or for a code size
        other than the architecture's own (a checkpoint names no code size)."""
        s = self.session
        folder = s.checkpoint_folder
        if folder is None or not model.variant.is_seed:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the writer's first write says so, once
            log.warning("recovery folder %s: %s", folder, exc)
        data_path = s.data_path if dataset is s.dataset else None  # a subset is no file
        return recovery.CheckpointWriter(model, config, dataset.source, data_path, folder,
                                         forward=forward,
                                         on_error=self._checkpoint_trouble)

    def _checkpoint_trouble(self, message: str) -> None:
        """A checkpoint could not be written (once per kind): the status line says so."""
        self.session._post(self.session.status_message, message)

    def stop(self) -> None:
        if self._control is not None:
            self._control.request_stop()

    def pause(self) -> None:
        if self._control is not None and self.is_training:
            self._control.pause()
            self.is_paused = True
            self.session.paused_changed.emit(True)

    def resume(self) -> None:
        if self._control is not None:
            self._control.unpause()
            if self.is_paused:
                self.is_paused = False
                self.session.paused_changed.emit(False)

    # ------------------------------------------------------------ endings
    def _on_done(self, outcome) -> None:
        s = self.session
        result, meta = outcome
        self.last_result = result
        self._finish()
        if meta is not None:
            verb = {"finished": "trained", "stopped": "stopped after"}.get(result.status,
                                                                          "trained")
            s._set_current(Current(meta.variant.name, meta,
                                   f"{verb} in this session: " + meta.summary(), unsaved=True))
        elif result.status == "stopped":
            s._set_current(replace(s.current, note=(
                "stopped before the first epoch ended, so nothing was learnt; the weights "
                f"from before the run are loaded again ({s.current.note})")))
        if result.status == "failed":
            s.error_raised.emit(f"Training stopped: {result.error}")
        s.training_ended.emit(result)
        s.weights_changed.emit()

    def _on_error(self, message: str) -> None:
        s = self.session
        result = training.TrainResult("failed", 0, (), message)
        self.last_result = result
        self._finish()
        s.error_raised.emit(f"Training failed: {message}")
        s.training_ended.emit(result)
        s.weights_changed.emit()

    def _finish(self) -> None:
        self.is_training = False
        self._control = None
        if self.is_paused:
            self.is_paused = False
            self.session.paused_changed.emit(False)
        self.session.busy_changed.emit(self.session.is_busy)


def _continued(previous: store.Metadata, new: store.Metadata) -> store.Metadata:
    """Metadata for weights trained further: the epochs and history add up."""
    return replace(new, epochs=previous.epochs + new.epochs,
                   history=tuple(previous.history) + tuple(new.history))
