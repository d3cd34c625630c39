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

from explorer.core import models, store, variants
from explorer.core.data import Dataset, load_dataset
from explorer.core.model_pool import ModelPool
from explorer.services import weights as kept_weights
from explorer.services.clusters import ClusterBoard
from explorer.services.guard import DiscardGuard
from explorer.services.selection import DigitSelection
from explorer.services.session_calls import FileAndRunCalls
from explorer.services.training_run import TrainingRunner
from explorer.services.weights import Current, WeightsBook
from explorer.services.weights_files import WeightsFiles
from explorer.services.workers import JobState, ModelWorker

log = logging.getLogger(__name__)

ModelJob = Callable[[JobState, models.Autoencoder, Dataset], Any]


class Session(QObject, FileAndRunCalls):
    dataset_changed = Signal()
    model_changed = Signal(str)  # arch id (`variant` has the code size); weights_changed follows
    weights_changed = Signal()  # new weights: epoch end, run end, load, reset
    weights_info_changed = Signal(str)  # a sentence on what the weights are
    weights_saved = Signal(object)  # Path of the .weights.h5 the loaded weights were saved to
    backend_ready = Signal()  # Keras imported and the first model built
    training_started = Signal(object)  # TrainConfig
    batch_finished = Signal(object)  # BatchProgress
    epoch_finished = Signal(object)  # EpochResult
    training_progress = Signal(float, str)  # share of the run done, and its phase
    training_ended = Signal(object)  # TrainResult: finished, stopped or failed
    paused_changed = Signal(bool)
    busy_changed = Signal(bool)  # True while training or switching models
    error_raised = Signal(str)  # a message for the user
    status_message = Signal(str)
    _inbox_posted = Signal()  # from the model thread: something waits in _inbox

    def __init__(self, dataset: Dataset | None = None, data_path: str | None = None,
                 trained_dir: str | os.PathLike | None = None,
                 arch_id: str = "simple", parent: QObject | None = None,
                 checkpoint_folder: str | os.PathLike | None = None):
        super().__init__(parent)
        self.dataset: Dataset = dataset if dataset is not None else load_dataset(data_path)
        # The file the dataset came from (None: the default, or not known): what
        # a recovery checkpoint names, so that a resumed run finds its data.
        self.data_path = str(Path(data_path).resolve()) if data_path else None
        # Where training runs write recovery checkpoints (None: nowhere).
        self.checkpoint_folder = Path(checkpoint_folder) if checkpoint_folder else None
        # None: the user's own weights, else the shipped ones (the real program);
        # a folder: the weights in it, and saves go there (tests, a classroom).
        self.trained_dir = Path(trained_dir) if trained_dir else None
        self.arch_id = arch_id  # at the seed's code size until select_architecture says otherwise
        # What the loaded model's weights are (GUI thread); the book keeps the
        # weights of the models (architectures and code sizes) the window has left.
        self.current = Current(arch_id, None, "loading TensorFlow...")
        self.book = WeightsBook()
        self.is_ready = False
        self._model: models.Autoencoder | None = None  # touched on the model thread only
        self.model_pool = ModelPool()  # model thread: those built, reused on coming back
        self._companions = kept_weights.Companions()  # model thread
        self.runner = TrainingRunner(self)
        self.guard = DiscardGuard(self)  # the window sets guard.ask, its Save/Discard dialog
        self.files = WeightsFiles(self)  # save, load and export, as commands on the model thread
        self._builds_waiting = 0  # architecture builds and resets queued, not yet answered
        self._dropped_by_a_switch: set[str] = set()  # views a model switch cancels
        self._started = False
        # (signal, args) posted by the model thread, emitted on the GUI thread
        self._inbox: deque[tuple[Any, tuple]] = deque()
        self._inbox_posted.connect(self._deliver_inbox)
        self.worker = ModelWorker(self)
        self.worker.job_progress.connect(self._on_job_progress)
        self.selection = DigitSelection(self)  # the digits the tabs show
        self.clusters = ClusterBoard(self)  # the K-means lab's centroids, for other tabs

    # ---------------------------------------------------------------- public
    @property
    def arch_id(self) -> str:
        """The current model's architecture ("simple", ..., "denoise")."""
        return self._arch_id

    @arch_id.setter
    def arch_id(self, arch_id: str) -> None:
        # Another architecture starts at its seed's code size (tests set it
        # directly, as select_architecture does before the build).
        self._arch_id = arch_id
        self._code_size: int | None = None

    @property
    def variant(self) -> variants.Variant:
        """The current model: its architecture and code size (`.name`: "simple-8")."""
        return variants.variant(self._arch_id, self._code_size)

    @property
    def code_size(self) -> int:
        """Code units (dense models) or code filters (conv, denoise) of the current model."""
        return self.variant.code_size

    @property
    def metadata(self) -> store.Metadata | None:
        """The description of the loaded weights (None: fresh, or none on file)."""
        return self.current.metadata

    @property
    def weights_note(self) -> str:
        """A sentence on what the loaded weights are."""
        return self.current.note

    @property
    def save_folder(self) -> Path:
        """Where saves go unless told otherwise: the user's weights folder (or the
        session's own folder of weights, when it was given one)."""
        if self.trained_dir is not None:
            return self.trained_dir
        from explorer.core import userdata

        return userdata.weights_dir()

    @property
    def has_unsaved_weights(self) -> bool:
        return bool(self.unsaved_work())

    def unsaved_work(self, current_only: bool = False) -> list[str]:
        """One line per model whose weights were trained in this session
        and not saved since: what a quit (or, current_only, a load or a revert)
        would lose."""
        if current_only:
            return kept_weights.describe_unsaved(self.current, WeightsBook())
        return kept_weights.describe_unsaved(self.current, self.book)

    def start(self) -> None:
        """Import Keras and build the first model, in the background."""
        if not self._started:
            self._started = True
            self.select_architecture(self.arch_id)

    def submit(self, key: str, fn: ModelJob, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None,
               during_training: bool = True, progress_title: str = "Working",
               asked_again_after_a_switch: bool = False) -> None:
        """A view: fn(state, model, dataset) on the model thread; on_done(result) here.

        A newer view with the same key replaces this one while it waits. A
        job that reports progress is shown in the status bar as
        "<progress_title>: 45%". `asked_again_after_a_switch`: the feature
        asks again once a new model is live, so a switch of model cancels
        this one (encoding every digit with the model being left would make
        the switch wait seconds behind it).
        """
        if asked_again_after_a_switch:
            self._dropped_by_a_switch.add(key)
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

    def select_architecture(self, arch_id: str, code_size: int | None = None,
                            then: Callable[[], None] | None = None) -> None:
        """Build `arch_id` with a code of `code_size` (None: the seed's) and load
        its weights: this session's kept ones, else the user's own or the shipped.

        `then` is called on the GUI thread once this model is the one shown
        (not if a newer build replaced it, nor if the build failed). Raises
        ValueError for an unknown architecture or a bad size.
        """
        if self.is_training:
            raise RuntimeError("stop the training before switching architecture")
        v = variants.variant(arch_id, code_size)
        leaving = self.current
        self.arch_id = v.arch_id
        self._code_size = None if v.is_seed else v.code_size
        self._queue_build(v, "kept", leaving, then)

    def reset_weights(self) -> None:
        """Fresh, untrained weights for the current model."""
        self.book.forget(self.variant.name)
        self._queue_build(self.variant, "fresh")

    def revert_to_shipped(self) -> None:
        """The weights the program ships (or the user's own saved ones) again,
        dropping what this session made for the current model."""
        self.book.forget(self.variant.name)
        self._queue_build(self.variant, "shipped")

    def _queue_build(self, v: variants.Variant, weights: str, leaving: Current | None = None,
                     then: Callable[[], None] | None = None) -> None:
        """weights: "kept" (this session's, else shipped), "shipped" or "fresh"."""
        for key in self._dropped_by_a_switch:
            self.worker.cancel(key)  # a running one stops at its next progress report
        self._builds_waiting += 1
        self.busy_changed.emit(True)
        self.worker.command("build model", lambda state: self._build(v, weights, leaving),
                            lambda current: self._on_model_built(current, then),
                            self._on_model_failed, title=f"Building the {v.name} model")

    def set_dataset(self, dataset: Dataset, path: str | os.PathLike | None = None) -> None:
        """Use `dataset` from now on; `path` is the file it came from, if known."""
        if self.is_training:
            raise RuntimeError("stop the training before changing the dataset")
        self.dataset = dataset
        self.data_path = str(Path(path).resolve()) if path else None
        self.dataset_changed.emit()

    def shutdown(self, timeout_ms: int = 2500) -> bool:
        """Stop any run and the model thread; True if it ended in time."""
        self.stop_training()
        return self.worker.shutdown(timeout_ms)

    @property
    def is_busy(self) -> bool:
        return self.is_training or self._builds_waiting > 0

    # --------------------------------------------------------------- helpers
    def _build(self, v: variants.Variant, weights: str, leaving: Current | None) -> Current:
        """On the model thread: variant `v`'s model (built before if it was, see
        core.model_pool), with the weights asked for."""
        if leaving is not None:
            kept_weights.keep_leaving(self.book, self._model, leaving)
        model = self.model_pool.take(v)
        current = None
        if weights == "kept":
            current = kept_weights.restore_kept(self.book, model)
        if current is None and weights != "fresh":
            if weights == "shipped" and self.trained_dir is None:
                store.set_aside_user_weights(v.name)  # kept in weights/set-aside, not deleted
            current = kept_weights.load_default(model, self.trained_dir)
        if current is None:
            current = Current(v.name, None, "fresh, untrained weights")
        self._model = model
        return current

    def companion(self, arch_id: str) -> models.Autoencoder:
        """On the model thread: `arch_id`'s model (at the seed's code size) with the
        weights the window holds for it (see weights.Companions), for views that
        set two models side by side."""
        return self._companions.get(arch_id, self._model, self.book, self.trained_dir)

    def _on_model_built(self, current: Current, then: Callable[[], None] | None = None) -> None:
        self._builds_waiting -= 1
        if self._builds_waiting > 0:
            return  # a newer build is queued: the window shows only the last one
        arch_id = current.arch_id
        first = not self.is_ready
        self.is_ready = True
        self.busy_changed.emit(self.is_busy)
        self._set_current(current)
        if first:
            self.backend_ready.emit()
        self.model_changed.emit(arch_id)
        self.weights_changed.emit()
        if then is not None:
            then()

    def _on_model_failed(self, message: str) -> None:
        self._builds_waiting -= 1
        self.busy_changed.emit(self.is_busy)
        self.error_raised.emit(f"Could not build the {self.variant.name} model: {message}")

    def _set_current(self, current: Current) -> None:
        self.current = current
        self.weights_info_changed.emit(current.note)

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
