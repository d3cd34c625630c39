"""The session's calls for files and training runs (a mixin of Session).

The panels, the menus and the tests say `session.save_weights(...)`,
`session.train(config)`, `session.is_training`: these pass each one to the
object that does the work, `WeightsFiles` (save, load and export, as
commands on the model thread) or `TrainingRunner` (a run's life).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from explorer.core import training
from explorer.services.training_run import TrainingRunner
from explorer.services.weights_files import WeightsFiles


class FileAndRunCalls:
    """Session provides `files` and `runner`."""

    files: WeightsFiles
    runner: TrainingRunner

    def load_weights(self, path: str | os.PathLike,
                     on_loaded: Callable[[], None] | None = None) -> None:
        """Load a weights file the user picked; on failure the model is unchanged
        (and the error is a message). `on_loaded` is called once they are in."""
        self.files.load_weights(path, on_loaded)

    def save_weights(self, folder: str | os.PathLike | None = None,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        self.files.save_weights(folder, on_saved)

    def save_unsaved(self, folder: str | os.PathLike | None = None,
                     on_saved: Callable[[list[Path]], None] | None = None) -> None:
        """Save every model's unsaved weights (the loaded ones and the kept)."""
        self.files.save_unsaved(folder, on_saved)

    def export_keras(self, path: str | os.PathLike,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        self.files.export_keras(path, on_saved)

    def train(self, config: training.TrainConfig, fresh: bool = False,
              n_train: int | None = None, n_test: int | None = None) -> None:
        """Start a run on the model thread; progress comes as signals."""
        self.runner.train(config, fresh, n_train, n_test)

    def resume_run(self, checkpoint) -> None:
        """Continue a crashed run (a recovery.Checkpoint of the loaded architecture)."""
        self.runner.resume_run(checkpoint)

    def stop_training(self) -> None:
        self.runner.stop()

    def pause_training(self) -> None:
        self.runner.pause()

    def resume_training(self) -> None:
        self.runner.resume()

    @property
    def is_training(self) -> bool:
        return self.runner.is_training

    @property
    def is_paused(self) -> bool:
        return self.runner.is_paused

    @property
    def last_result(self) -> training.TrainResult | None:
        return self.runner.last_result
