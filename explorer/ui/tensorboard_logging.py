"""Model > Log runs to TensorBoard: each training run of the window also
writes its losses for TensorBoard, one sub-folder per run."""

from __future__ import annotations

import importlib.util
import os
import time

from PySide6.QtWidgets import QFileDialog


class TensorBoardLogging:
    """A part of the main window (it needs its model panel, session, menus
    and settings)."""

    tensorboard_folder: str | None = None  # set by Model > Log runs to TensorBoard

    def on_tensorboard_toggled(self, on: bool) -> None:
        if not on:
            self.tensorboard_folder = None
            self.model_panel.tensorboard_dir = None
            return
        if importlib.util.find_spec("tensorboard") is None:
            # Keras' callback needs it for tf.summary; TensorFlow no longer brings it.
            self.tensorboard_action.setChecked(False)
            self.show_error("Logging to TensorBoard needs the tensorboard package, which is "
                            "not installed: pip install tensorboard")
            return
        folder = self._ask_tensorboard_dir()
        if not folder:
            self.tensorboard_action.setChecked(False)
            return
        self.tensorboard_folder = folder
        self._next_tensorboard_run()
        self.statusBar().showMessage(f"Training runs are logged to TensorBoard in {folder}; "
                                     f"see them with: tensorboard --logdir {folder}", 10000)

    def _next_tensorboard_run(self) -> None:
        """One sub-folder per run, so TensorBoard shows runs side by side."""
        if self.tensorboard_folder and not self.session.is_training:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.model_panel.tensorboard_dir = os.path.join(
                self.tensorboard_folder, f"{self.session.arch_id}-{stamp}")

    def _ask_tensorboard_dir(self) -> str | None:
        """The folder dialog, in one place so tests can replace it."""
        folder = QFileDialog.getExistingDirectory(
            self, "Log training runs to TensorBoard in folder",
            self.settings_store.last_folder("tensorboard"))
        if folder:
            self.settings_store.set_last_folder("tensorboard", folder)
        return folder or None
