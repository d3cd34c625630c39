"""What the window remembers from one start to the next (QSettings).

Window geometry and dock layout, the last architecture and its training
settings, the presentation scale, and the folders the file dialogs last
used. The architecture is read before the Session is made, so the first
model built is the one the user left; the training settings are put back
only when they were made for that same architecture (each has its own
seed-tutorial defaults).

Persistence needs somewhere to write: the real program names its
organisation (app.make_app), and then `QSettings()` is the user's settings
file. A bare QApplication (tests, embedding) has no organisation, and
`WindowSettings(None)` then remembers nothing unless it is given a QSettings,
so one test's window can never leak its state into the next.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from explorer.core import models
from explorer.ui.presentation import DEFAULT_SCALE, clamp_scale

if TYPE_CHECKING:  # pragma: no cover
    from explorer.ui.main_window import MainWindow

log = logging.getLogger(__name__)

GEOMETRY, STATE = "window/geometry", "window/state"
ARCH = "model/architecture"
SCALE = "presentation/scale"
TRAINING = "training/"  # + arch, epochs, batch_size, optimizer, learning_rate, noise


def default_settings() -> QSettings | None:
    """The user's settings when the program runs as itself, else None."""
    if QCoreApplication.instance() is None or not QCoreApplication.organizationName():
        return None
    return QSettings()


class WindowSettings:
    """Typed access to the settings; every method is a no-op without a store."""

    def __init__(self, settings: QSettings | None):
        self.store = settings

    # ------------------------------------------------------------- values
    def value(self, key: str, default: Any = None) -> Any:
        if self.store is None:
            return default
        value = self.store.value(key, default)
        return default if value is None else value

    def set_value(self, key: str, value: Any) -> None:
        if self.store is not None:
            self.store.setValue(key, value)

    def architecture(self) -> str | None:
        arch = str(self.value(ARCH, "") or "")
        return arch if arch in models.ARCH_IDS else None

    def presentation_scale(self) -> float:
        return clamp_scale(self.value(SCALE, DEFAULT_SCALE))

    def set_presentation_scale(self, scale: float) -> None:
        self.set_value(SCALE, float(scale))

    def last_folder(self, kind: str) -> str:
        folder = str(self.value(f"folders/{kind}", "") or "")
        return folder if folder and os.path.isdir(folder) else str(Path.home())

    def set_last_folder(self, kind: str, folder: str | os.PathLike) -> None:
        self.set_value(f"folders/{kind}", os.fspath(folder))

    # --------------------------------------------------------- the window
    def restore_window(self, window: MainWindow) -> None:
        """Geometry, docks and training settings, as they were at the last close."""
        geometry, state = self.value(GEOMETRY), self.value(STATE)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)
        self._restore_training(window)

    def save_window(self, window: MainWindow) -> None:
        if self.store is None:
            return
        self.set_value(GEOMETRY, window.saveGeometry())
        self.set_value(STATE, window.saveState())
        self.set_value(ARCH, window.session.arch_id)
        panel = window.model_panel
        for key, value in (("arch", window.session.arch_id),
                           ("epochs", panel.epochs_spin.value()),
                           ("batch_size", panel.batch_size_spin.value()),
                           ("optimizer", panel.optimizer_combo.currentData()),
                           ("learning_rate", float(panel.learning_rate_spin.value())),
                           ("noise", float(panel.train_noise_spin.value()))):
            self.set_value(TRAINING + key, value)
        self.store.sync()

    def _restore_training(self, window: MainWindow) -> None:
        if self.value(TRAINING + "arch") != window.session.arch_id:
            return
        panel = window.model_panel
        try:
            optimizer = str(self.value(TRAINING + "optimizer", "adam"))
            index = panel.optimizer_combo.findData(optimizer)
            if index >= 0:
                # Before the learning rate: choosing an optimizer resets the rate.
                panel.optimizer_combo.setCurrentIndex(index)
            panel.epochs_spin.setValue(int(self.value(TRAINING + "epochs",
                                                      panel.epochs_spin.value())))
            panel.batch_size_spin.setValue(int(self.value(TRAINING + "batch_size",
                                                          panel.batch_size_spin.value())))
            panel.learning_rate_spin.setValue(float(self.value(
                TRAINING + "learning_rate", panel.learning_rate_spin.value())))
            panel.train_noise_spin.setValue(float(self.value(
                TRAINING + "noise", panel.train_noise_spin.value())))
        except (TypeError, ValueError) as exc:  # a hand-edited settings file
            log.warning("ignoring unreadable training settings: %s", exc)
