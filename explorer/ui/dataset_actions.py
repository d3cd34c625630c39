"""File > Open dataset and File > Download full MNIST.

Opening: a Keras-format .npz, a folder of MNIST IDX files or a folder of
digit images (core.image_folder.load_path decides which). Every panel follows
`session.dataset_changed`; on any error nothing changes and the message says
what was wrong and which data the program keeps using.

Downloading never happens by itself (the program works offline on its
embedded sample). It is a job on the model thread, because the one place
threads are made is workers.py; Keras' downloader cannot be interrupted
mid-file, so Cancel drops the job's answer (`worker.cancel`) and the dialog
goes at once. A job that has not started yet is not run at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QProgressDialog

from explorer.core import download, image_folder
from explorer.core.data import Dataset, DatasetError

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session
    from explorer.ui.settings import WindowSettings

log = logging.getLogger(__name__)

DOWNLOAD_KEY = "download"
FILE, FOLDER = "file", "folder"


class DatasetActions(QObject):
    """The dataset entries of the File menu and what they do."""

    dataset_opened = Signal(str)  # the new dataset's source
    download_finished = Signal(str)  # "done", "failed" or "cancelled"

    def __init__(self, window: QMainWindow, session: Session, settings_store: WindowSettings,
                 show_error: Callable[[str], None]):
        super().__init__(window)
        self.window, self.session = window, session
        self.settings_store, self.show_error = settings_store, show_error
        self.progress: QProgressDialog | None = None
        self.open_file_action = self._action(
            "open_dataset_action", "&Open dataset file…", "Ctrl+O",
            "A Keras-format mnist.npz (x_train, y_train, x_test, y_test)",
            lambda: self.open_dataset(kind=FILE))
        self.open_folder_action = self._action(
            "open_dataset_folder_action", "Open dataset &folder…", "Ctrl+Shift+O",
            "A folder of MNIST IDX files, or of digit images or photos (PNG, JPEG, ...) "
            "labelled by their "
            "sub-folder 0..9 or their file name's first digit (3_anna.png)",
            lambda: self.open_dataset(kind=FOLDER))
        self.download_action = self._action(
            "download_mnist_action", "&Download full MNIST…", None,
            "60,000 training and 10,000 test digits (11 MB) through Keras' downloader",
            self.download_full_mnist)

    @property
    def actions(self) -> list[QAction]:
        return [self.open_file_action, self.open_folder_action, self.download_action]

    @property
    def is_downloading(self) -> bool:
        return self.progress is not None

    # ------------------------------------------------------------- opening
    def open_dataset(self, path: str | None = None, kind: str = FILE) -> bool:
        """Switch every panel to the data at `path` (asked for when None)."""
        path = path or self._ask_dataset_path(kind)
        if not path:
            return False
        session = self.session
        name = os.path.basename(os.path.normpath(path)) or path
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = image_folder.load_path(path)
        except DatasetError as exc:
            self.show_error(f"Could not open {name}:\n{exc}\n\n"
                                   f"The program keeps using {session.dataset.source}.")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        return self._switch_to(dataset, path)

    def _switch_to(self, dataset: Dataset, path: str | None = None) -> bool:
        """`path`: the file or folder it came from, which a recovery checkpoint
        names so that a run recovered after a crash goes on with the same data."""
        try:
            self.session.set_dataset(dataset, path)
        except RuntimeError as exc:  # training: the data may not change under it
            self.show_error(f"{exc}.\n\nThe program keeps using "
                                   f"{self.session.dataset.source}.")
            return False
        self.window.statusBar().showMessage(f"Now using {dataset.source}", 10000)
        self.dataset_opened.emit(dataset.source)
        return True

    def _ask_dataset_path(self, kind: str) -> str | None:
        """The open dialog, in one place so tests can replace it."""
        store = self.settings_store
        start = store.last_folder("dataset")
        if kind == FOLDER:
            path = QFileDialog.getExistingDirectory(
                self.window, "Open a folder of MNIST IDX files or of digit images", start)
        else:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Open a dataset file", start,
                "Keras-format MNIST (*.npz);;All files (*)")
        if path:
            store.set_last_folder("dataset", path if kind == FOLDER else os.path.dirname(path))
        return path or None

    # --------------------------------------------------------- downloading
    def download_full_mnist(self) -> None:
        """Fetch full MNIST in the background, with a cancellable progress dialog."""
        if self.is_downloading:
            self.progress.raise_()
            return
        session = self.session
        waiting = " (waits for the training run to end)" if session.is_training else ""
        dialog = QProgressDialog(
            f"Downloading full MNIST (11 MB) from {download.SERVER[0]}{waiting}…",
            "Cancel", 0, 0, self.window)
        dialog.setObjectName("download_progress")
        dialog.setWindowTitle("Download full MNIST")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel_download)
        self.progress = dialog
        dialog.show()

        def job(state):
            return download.download_full_mnist(state=state)

        # Heavy for the model thread (seconds): never in the middle of a training run.
        session.worker.submit(DOWNLOAD_KEY, job, self._on_downloaded, self._on_download_failed,
                              during_training=False)

    def cancel_download(self) -> None:
        """Forget the download: its answer, whenever it comes, is dropped."""
        self.session.worker.cancel(DOWNLOAD_KEY)
        if self._close_progress():
            self.window.statusBar().showMessage(
                f"Download cancelled; still using {self.session.dataset.source}", 8000)
            self.download_finished.emit("cancelled")

    def _on_downloaded(self, dataset: Dataset | None) -> None:
        self._close_progress()
        if dataset is None:  # the job saw the cancellation itself
            self.download_finished.emit("cancelled")
            return
        ok = self._switch_to(dataset)
        self.download_finished.emit("done" if ok else "failed")

    def _on_download_failed(self, message: str) -> None:
        self._close_progress()
        text = message[:1].upper() + message[1:]
        self.show_error(f"{text.rstrip('.')}. The program keeps using "
                               f"{self.session.dataset.source}.")
        self.download_finished.emit("failed")

    def _close_progress(self) -> bool:
        dialog, self.progress = self.progress, None
        if dialog is None:
            return False
        dialog.canceled.disconnect(self.cancel_download)  # closing emits canceled too
        dialog.hide()
        dialog.deleteLater()
        return True

    def _action(self, name: str, text: str, shortcut: str | None, tip: str, slot) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action
