"""The Sweep tab's state: which sweep is open, reading it, loading a trial's weights.

`SweepBrowser` makes no widget. Opening a folder is a job on the model
thread (a view with the key "sweep", so a newer open replaces a waiting
one); the window never waits for the files. Loading a trial switches the
session to the trial's variant (an architecture at a code size: the weights
the window leaves are kept for the session, as with any switch) and then
loads the trial's weights file as a command, asking first when that would
replace weights trained in this session and not saved.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from explorer.features.sweeps.picture import SweepPicture, TrialRow, read_sweep
from explorer.services.session import Session

SWEEP_KEY = "sweep"
HOW_TO_MAKE = ("A sweep folder is the --out folder of `python main.py sweep ARCH "
               "--code-size 2 4 8 ... --out DIR`.")


class SweepBrowser(QObject):
    """The open sweep (`picture`, None before one is open) and what can be done with it."""

    opened = Signal(object)  # SweepPicture: a sweep was read (first time or again)
    reading_changed = Signal(bool)  # True while a folder is being read
    trial_loaded = Signal(str)  # a trial's key: its weights are in the model now

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.picture: SweepPicture | None = None
        self.folder: Path | None = None  # the folder asked for last
        self.is_reading = False
        self.loaded_key: str | None = None  # the trial whose weights the model holds
        # Weights the window loads otherwise are not the trial's any more.
        session.weights_info_changed.connect(self._on_weights_info)

    # ------------------------------------------------------------- opening
    def open_folder(self, folder: str | os.PathLike) -> None:
        """Read the sweep in `folder` in the background; `opened` or an error follows."""
        folder = Path(folder)
        self.folder = folder
        self._set_reading(True)
        # While TensorFlow still loads the job waits for it: say that something is coming.
        self.session.status_message.emit(f"Reading the sweep in {folder}…")

        def job(state):
            return read_sweep(folder, state)

        self.session.worker.submit(SWEEP_KEY, job, self._on_read,
                                   lambda message: self._on_failed(folder, message),
                                   title=f"Reading the sweep {folder.name}")

    def reload(self) -> None:
        """Read the open folder again (a sweep still running has written more trials)."""
        if self.folder is not None:
            self.open_folder(self.folder)

    def _on_read(self, picture: SweepPicture) -> None:
        self._set_reading(False)
        self.picture = picture
        self.opened.emit(picture)
        n = len(picture.rows)
        self.session.status_message.emit(
            f"Opened the sweep {picture.folder}: {n} trial{'s' if n != 1 else ''}"
            + (f", {len(picture.problems)} unreadable" if picture.problems else ""))

    def _on_failed(self, folder: Path, message: str) -> None:
        self._set_reading(False)
        kept = (f"\n\nStill showing the sweep {self.picture.folder}." if self.picture is not None
                else "")
        self.session.error_raised.emit(f"Could not open the sweep in {folder}:\n{message}"
                                       f"\n\n{HOW_TO_MAKE}{kept}")

    def _set_reading(self, on: bool) -> None:
        if on != self.is_reading:
            self.is_reading = on
            self.reading_changed.emit(on)

    # ------------------------------------------------------ loading a trial
    def load_trial(self, key: str) -> bool:
        """Switch the window to the trial's model and load its weights (a command).

        False, with a message, when it cannot start now (training, or the
        user cancelled at the unsaved-weights question).
        """
        s = self.session
        if self.picture is None:
            return False
        row = self.picture.row(key)
        if s.is_training:
            s.error_raised.emit(f"Stop the training before loading the trial {row.label}.")
            return False
        if not s.is_ready:
            s.error_raised.emit(f"TensorFlow is still loading; load the trial {row.label} "
                                "once the model panel shows a model.")
            return False
        if s.variant == row.variant:
            return self._load_weights(row)
        # The switch keeps the leaving weights; the load follows once the variant is built.
        s.select_architecture(row.arch_id, row.code_size, then=lambda: self._load_weights(row))
        return True

    def _load_weights(self, row: TrialRow) -> bool:
        s = self.session
        if not s.guard.allow(f"Load the trial {row.label}"):
            return False
        s.load_weights(row.weights_path, on_loaded=lambda: self._on_loaded(row))
        return True

    def _on_loaded(self, row: TrialRow) -> None:
        self.loaded_key = row.key
        self.trial_loaded.emit(row.key)

    def _on_weights_info(self, _note: str) -> None:
        # Any other weights (a run, a reset, another load) are no longer the trial's.
        self.loaded_key = None
