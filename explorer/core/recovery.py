"""Recovery checkpoints: a training run that dies comes back.

While a run trains, `CheckpointWriter` (a training listener, for the
command line and the window's job alike) writes after every epoch the
model's weights with its optimizer's state, and beside them a JSON file with
the run's config, history so far, data source and timestamps: both files
atomically, as `store.save` writes (a kill or a full disk mid-write leaves
the previous checkpoint). A run that ends, finished, stopped or failed,
removes its checkpoint; one whose process died leaves it, and
`find_checkpoints` then describes it ("conv, epoch 37 of 50, 2 minutes
ago") and `resume` continues it: weights and optimizer state restored, the
remaining epochs trained, the history joined into one (epochs 1..N).

The folder is a parameter everywhere; `default_folder()` is the user data
folder's (explorer.core.userdata.checkpoints_dir).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import errno
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from explorer.core import models, store, training
from explorer.core.data import Dataset

__all__ = ["Checkpoint", "CheckpointWriter", "RecoveryError", "default_folder",
           "find_checkpoints", "remove", "resume"]

log = logging.getLogger(__name__)

FORMAT = 1  # of the JSON file; a newer one is skipped, not misread


class RecoveryError(store.StoreError):
    """A checkpoint that cannot be written, read or resumed; says which and why.
    `errno` is the OS error's number when a write failed (ENOSPC: disk full)."""

    def __init__(self, message: str, errno_code: int | None = None):
        super().__init__(message)
        self.errno = errno_code


def default_folder() -> Path:
    """The user data folder's checkpoints (explorer.core.userdata)."""
    from explorer.core import userdata

    return userdata.checkpoints_dir()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _ago(then: _dt.datetime, now: _dt.datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now" if seconds < 10 else f"{seconds} seconds ago"


@dataclass(frozen=True)
class Checkpoint:
    """One run's latest checkpoint, as found on disk."""

    run_id: str
    folder: Path
    config: training.TrainConfig  # the whole run's: epochs is the run's total
    epochs_done: int
    history: tuple[training.EpochResult, ...]
    data_source: str
    data_path: str | None  # what to load to resume (None: the default dataset)
    started: _dt.datetime
    updated: _dt.datetime

    @property
    def arch_id(self) -> str:
        return self.config.arch_id

    @property
    def weights_path(self) -> Path:
        return self.folder / f"{self.run_id}.weights.h5"

    @property
    def info_path(self) -> Path:
        return self.folder / f"{self.run_id}.json"

    def describe(self, now: _dt.datetime | None = None) -> str:
        """'conv, epoch 37 of 50, 2 minutes ago': for the recovery prompt."""
        return (f"{self.arch_id}, epoch {self.epochs_done} of {self.config.epochs}, "
                f"{_ago(self.updated, now or _now())}")


def _history_json(history) -> list[dict]:
    return [dataclasses.asdict(h) for h in history]


def _parse(path: Path) -> Checkpoint:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError("not a checkpoint of this program's version")
    config = training.TrainConfig(**raw["config"])
    config.validate()
    history = tuple(training.EpochResult(**h) for h in raw["history"])
    done = int(raw["epochs_done"])
    if not 0 < done < config.epochs or len(history) != done:
        raise ValueError(f"epochs_done {done} does not fit the history or the run")
    folder = path.parent
    run_id = path.name[:-len(".json")]
    if not (folder / f"{run_id}.weights.h5").is_file():
        raise ValueError("its weights file is missing")
    return Checkpoint(run_id, folder, config, done, history, str(raw["data_source"]),
                      raw.get("data_path"), _dt.datetime.fromisoformat(raw["started"]),
                      _dt.datetime.fromisoformat(raw["updated"]))


def find_checkpoints(folder: str | os.PathLike | None = None,
                     arch_id: str | None = None) -> list[Checkpoint]:
    """Every readable checkpoint in `folder` (for `arch_id` only, if given), newest
    first. An unreadable one is skipped with a warning in the log: a damaged
    checkpoint must not keep the program from starting."""
    folder = Path(folder) if folder is not None else default_folder()
    found = []
    try:
        candidates = sorted(folder.glob("*.json"))
    except OSError:
        return []
    for path in candidates:
        try:
            cp = _parse(path)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.warning("recovery checkpoint %s skipped: %s", path, exc)
            continue
        if arch_id is None or cp.arch_id == arch_id:
            found.append(cp)
    return sorted(found, key=lambda c: c.updated, reverse=True)


def remove(checkpoint: Checkpoint) -> None:
    """Delete a checkpoint's files (the info file first: it is what makes one)."""
    for path in (checkpoint.info_path, checkpoint.weights_path):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)


class CheckpointWriter:
    """A training listener that writes a recovery checkpoint after every epoch.

    Give it to `training.train` as the listener, with the listener that
    would have had the progress as `forward` (it gets everything first), and
    call `finish(result)` when `train` returns: the checkpoint is then
    removed. If `train` raises, or the process dies, the checkpoint stays.

    A checkpoint that cannot be written (a full disk, a read-only folder)
    does not stop the run: the previous checkpoint stays as it was, `error`
    holds the message and `on_error(message)` hears it once per kind of
    failure. `model` is the one being trained; the writer saves it on the
    training thread, between epochs, where Keras is not running a step.
    """

    def __init__(self, model: models.Autoencoder, config: training.TrainConfig,
                 data_source: str, data_path: str | None = None,
                 folder: str | os.PathLike | None = None,
                 forward: training.ProgressListener | None = None,
                 on_error: Callable[[str], None] | None = None,
                 resumed: Checkpoint | None = None):
        self.model = model
        self.config = config if resumed is None else resumed.config
        self.data_source = data_source if resumed is None else resumed.data_source
        self.data_path = data_path if resumed is None else resumed.data_path
        self.folder = Path(folder) if folder is not None else default_folder()
        if resumed is not None:
            self.folder = resumed.folder
        self.forward = forward
        self.on_error = on_error
        self.run_id = resumed.run_id if resumed else f"{config.arch_id}-{uuid.uuid4().hex[:12]}"
        self.started = resumed.started if resumed else _now()
        self.history: list[training.EpochResult] = list(resumed.history) if resumed else []
        self.error: str | None = None
        self._reported: set[int | None] = set()

    @property
    def checkpoint_path(self) -> Path:
        return self.folder / f"{self.run_id}.json"

    def on_batch(self, progress: training.BatchProgress) -> None:
        if self.forward is not None:
            self.forward.on_batch(progress)

    def on_epoch(self, result: training.EpochResult) -> None:
        # Written before the epoch is announced: once "epoch 3" shows, epoch 3
        # is what a crash would come back to.
        self.history.append(result)
        if len(self.history) < self.config.epochs:  # after the last, finish() removes it
            try:
                self.write()
            except RecoveryError as exc:
                self.error = str(exc)
                if exc.errno not in self._reported:
                    self._reported.add(exc.errno)
                    log.warning("%s", exc)
                    if self.on_error is not None:
                        self.on_error(str(exc))
        if self.forward is not None:
            self.forward.on_epoch(result)

    def write(self) -> Path:
        """Write the checkpoint now; raises RecoveryError (previous one kept)."""
        info = {
            "format": FORMAT, "run_id": self.run_id, "arch_id": self.config.arch_id,
            "config": dataclasses.asdict(self.config), "epochs_done": len(self.history),
            "history": _history_json(self.history), "data_source": self.data_source,
            "data_path": self.data_path, "keras_version": models.import_keras().__version__,
            "started": self.started.isoformat(timespec="seconds"),
            "updated": _now().isoformat(timespec="seconds"),
        }
        weights = self.folder / f"{self.run_id}.weights.h5"
        try:
            store.save_pair(self.model, weights, json.dumps(info, indent=1), self.checkpoint_path)
        except OSError as exc:
            full = exc.errno == errno.ENOSPC
            kept = (f"the checkpoint of epoch {self._kept_epoch()} is kept"
                    if self.checkpoint_path.exists() else "there is none yet")
            raise RecoveryError(
                f"cannot write the recovery checkpoint into {self.folder}: "
                f"{exc.strerror or exc}; {kept}. Training goes on, but a crash now would "
                f"lose the epochs since. {'Free some space' if full else 'Check the folder'}.",
                exc.errno) from exc
        return self.checkpoint_path

    def _kept_epoch(self) -> str:
        try:
            return str(json.loads(self.checkpoint_path.read_text(encoding="utf-8"))["epochs_done"])
        except (OSError, ValueError, KeyError, TypeError):
            return "before"

    def finish(self, result: training.TrainResult | None = None) -> None:
        """The run ended (finished, stopped or failed): its checkpoint goes, with
        the temporary files of any write of it that a kill interrupted."""
        leftovers = list(self.folder.glob(f".{self.run_id}.*")) if self.folder.is_dir() else []
        for path in (self.checkpoint_path, self.folder / f"{self.run_id}.weights.h5", *leftovers):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove the recovery checkpoint %s: %s", path, exc)


class _Shifted:
    """Forwards a resumed run's progress numbered as the whole run's epochs."""

    def __init__(self, listener: training.ProgressListener | None, done: int, total: int):
        self.listener, self.done, self.total = listener, done, total

    def on_batch(self, progress: training.BatchProgress) -> None:
        if self.listener is not None:
            self.listener.on_batch(dataclasses.replace(progress, epoch=progress.epoch + self.done))

    def on_epoch(self, result: training.EpochResult) -> None:
        if self.listener is not None:
            self.listener.on_epoch(dataclasses.replace(result, epoch=result.epoch + self.done,
                                                       epochs=self.total))


def resume(checkpoint: Checkpoint, model: models.Autoencoder, dataset: Dataset,
           listener: training.ProgressListener | None = None,
           control: training.TrainControl | None = None,
           on_error: Callable[[str], None] | None = None) -> training.TrainResult:
    """Continue the checkpoint's run in `model` (built for its architecture).

    Returns the whole run's result: `epochs_done` and `history` count from
    its first epoch. The checkpoint is updated after every further epoch and
    removed when the run ends; `listener` hears epochs numbered as the whole
    run's (38 of 50). Raises RecoveryError if the checkpoint cannot be loaded.
    """
    if model.arch_id != checkpoint.arch_id:
        raise ValueError(f"the checkpoint is for {checkpoint.arch_id!r}, "
                         f"the model is {model.arch_id!r}")
    config = checkpoint.config
    done, total = checkpoint.epochs_done, config.epochs

    def restore(m: models.Autoencoder) -> None:
        # Build the fresh optimizer's variables, so the file's optimizer state
        # (moments, iteration count) loads into them instead of being skipped.
        m.autoencoder.optimizer.build(m.autoencoder.trainable_variables)
        try:
            store.load_weights(m, checkpoint.weights_path)
        except store.StoreError as exc:
            raise RecoveryError(f"the recovery checkpoint cannot be resumed: {exc}") from None

    writer = CheckpointWriter(model, config, checkpoint.data_source, checkpoint.data_path,
                              forward=listener, on_error=on_error, resumed=checkpoint)
    rest = dataclasses.replace(config, epochs=total - done)
    # The writer (and through it the listener) hears the whole run's numbering.
    result = training.train(model, dataset, rest, _Shifted(writer, done, total), control,
                            initial_epoch=done, after_compile=restore)
    writer.finish(result)
    history = tuple(checkpoint.history) + tuple(
        dataclasses.replace(h, epoch=h.epoch + done, epochs=total) for h in result.history)
    return dataclasses.replace(result, epochs_done=done + result.epochs_done, history=history)
