"""At start: the training runs a crash left behind, offered back to the user.

A run in the window writes a recovery checkpoint after every epoch
(services.training_run); one that ends removes it, so a checkpoint found at
start is a run that died: a crash, a kill, a power cut. Once the model is
ready the window asks about each, newest first: Recover (the checkpoint's
architecture and data are loaded and the run continues from its last
epoch, the earlier epochs' curves shown), Discard (its files are deleted)
or Later (kept for the next start). The question itself is the window's
`_ask_recover` (tests replace it, as they do `_ask_unsaved_weights`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from explorer.core import recovery

if TYPE_CHECKING:  # pragma: no cover
    from explorer.ui.main_window import MainWindow

log = logging.getLogger(__name__)

RECOVER, DISCARD, LATER = "recover", "discard", "later"
AUTO = "auto"  # a window's recovery_folder: the user data folder's, for the real program only


def checkpoint_folder_for(folder: str | os.PathLike | None) -> str | os.PathLike | None:
    """Where a window's runs leave checkpoints: `folder`, or for AUTO the user
    data folder's when the program runs as itself (tests and embedding get none
    unless they ask, as with the settings)."""
    if folder != AUTO:
        return folder
    from explorer.ui.settings import default_settings

    if default_settings() is None:
        return None
    from explorer.core import userdata

    try:
        return recovery.default_folder()
    except userdata.UserDataError as exc:
        log.warning("training runs leave no recovery checkpoints: %s", exc)
        return None


def question(checkpoint: recovery.Checkpoint) -> str:
    """The dialog's text: what was running, how far it got, what each answer does."""
    left = checkpoint.config.epochs - checkpoint.epochs_done
    return (f"A training run did not finish (the program closed without stopping it):\n\n"
            f"    {checkpoint.describe()}\n\n"
            f"Recover continues it from epoch {checkpoint.epochs_done} with the "
            f"{left} epoch{'s' if left != 1 else ''} left; Discard deletes its "
            f"checkpoint; Later asks again at the next start.")


def ask_recover(parent: QWidget, checkpoint: recovery.Checkpoint) -> str:
    """The modal question: RECOVER, DISCARD or LATER."""
    box = QMessageBox(QMessageBox.Icon.Question, "Recover a training run?",
                      question(checkpoint), parent=parent)
    box.setObjectName("recover_box")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.exec()  # a real decision: the start waits for it
    clicked = box.clickedButton()
    return RECOVER if clicked is recover else DISCARD if clicked is discard else LATER


class RecoveryOffer(QObject):
    """Finds the checkpoints in `folder` at start and offers them once the model is ready."""

    def __init__(self, window: MainWindow, folder: str | os.PathLike | None):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.folder = Path(folder) if folder is not None else None
        # Read now (a few small JSON files): the question waits for the model.
        self.pending = recovery.find_checkpoints(self.folder) if self.folder else []
        self.recovered: recovery.Checkpoint | None = None
        if self.pending:
            self.session.backend_ready.connect(self._offer_soon)

    def _offer_soon(self) -> None:
        # After the ready signal's other slots: the tabs show the model first.
        QTimer.singleShot(0, self.offer)

    def offer(self) -> None:
        """Ask about each waiting checkpoint, newest first, until one is recovered."""
        while self.pending and self.recovered is None:
            checkpoint = self.pending.pop(0)
            answer = self.window._ask_recover(checkpoint)
            if answer == RECOVER:
                if not self.recover(checkpoint):
                    break
            elif answer == DISCARD:
                recovery.remove(checkpoint)
                self._say(f"Discarded the recovery checkpoint of {checkpoint.describe()}")
            else:  # Later (or the dialog closed): it stays on disk for the next start
                self.pending.clear()

    def recover(self, checkpoint: recovery.Checkpoint) -> bool:
        """Load the checkpoint's architecture and data, then continue its run."""
        s = self.session
        if s.is_busy:
            self._say("The recovery waits: the model is busy; it is offered again at the next start")
            return False
        if not s.guard.allow("Recover the training run"):
            return False
        if not self._use_its_data(checkpoint):
            return False
        self.recovered = checkpoint

        def go() -> None:
            self._show_settings(checkpoint.config)
            try:
                s.resume_run(checkpoint)
            except (ValueError, RuntimeError) as exc:
                self.window.show_error(f"Could not recover the run: {exc}")
                return
            self.window.show_feature(self.window.training_panel)
            self._say(f"Recovering {checkpoint.describe()}")

        if s.arch_id == checkpoint.arch_id and s.variant.is_seed:
            go()
        else:
            s.select_architecture(checkpoint.arch_id, then=go)
        return True

    def _show_settings(self, config) -> None:
        """The dock shows the recovered run's settings (not the architecture's presets)."""
        try:
            self.window.model_panel.state.update_hyperparameters(
                epochs=config.epochs, batch_size=config.batch_size, optimizer=config.optimizer,
                learning_rate=config.effective_learning_rate, noise=config.effective_noise)
        except ValueError as exc:  # a box's range: the run itself is unaffected
            log.warning("the recovered run's settings do not fit the dock: %s", exc)

    def _use_its_data(self, checkpoint: recovery.Checkpoint) -> bool:
        """The run's own data, when the window holds other data and the file is known."""
        s = self.session
        if checkpoint.data_source == s.dataset.source:
            return True
        path = checkpoint.data_path
        if path and os.path.exists(path):
            from explorer.core.data import DatasetError
            from explorer.core.image_folder import load_path

            try:
                s.set_dataset(load_path(path), path)
            except DatasetError as exc:
                self.window.show_error(f"Could not recover the run: its data {path} no longer "
                                       f"loads:\n{exc}\n\nThe checkpoint is kept.")
                return False
            if checkpoint.data_source == s.dataset.source:
                return True
        self._say(f"The run was started on {checkpoint.data_source}; it continues on "
                  f"{s.dataset.source}")
        return True

    def _say(self, message: str) -> None:
        log.info("%s", message)
        self.window.statusBar().showMessage(message, 10000)
