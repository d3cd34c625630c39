"""What the window remembers from one start to the next (QSettings).

Window geometry and dock layout, the last architecture, the presentation
scale, the folders the file dialogs last used, and whatever each feature
declares in `persisted_settings()` (the model dock's training settings, put
back only when they were made for that same architecture). The architecture
is read before the Session is made, so the first model built is the one the
user left.

Persistence needs somewhere to write: the real program names its
organisation (app.make_app), and then `QSettings()` is the user's settings
file. A bare QApplication (tests, embedding) has no organisation, and
`WindowSettings(None)` then remembers nothing unless it is given a QSettings,
so one test's window can never leak its state into the next.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings
from PySide6.QtWidgets import QMainWindow

from explorer.core import models
from explorer.services.features import FeatureView, PersistedSetting
from explorer.ui.presentation import DEFAULT_SCALE, clamp_scale

log = logging.getLogger(__name__)

GEOMETRY, STATE = "window/geometry", "window/state"
ARCH = "model/architecture"
SCALE = "presentation/scale"


def default_settings() -> QSettings | None:
    """The user's settings when the program runs as itself, else None.

    They live in the user data folder (an INI file beside the user's weights
    and scenes), not in the platform's registry, so that one folder holds
    everything the program keeps for a user.
    """
    if QCoreApplication.instance() is None or not QCoreApplication.organizationName():
        return None
    from explorer.core import userdata

    try:
        return QSettings(str(userdata.settings_path()), QSettings.Format.IniFormat)
    except userdata.UserDataError as exc:  # no writable home: remember nothing, say why
        log.warning("settings are not kept: %s", exc)
        return None


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
    def restore_window(self, window: QMainWindow, features: Iterable[FeatureView]) -> None:
        """Geometry, docks and the features' settings, as they were at the last close."""
        geometry, state = self.value(GEOMETRY), self.value(STATE)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)
        for feature in features:
            for setting in feature.persisted_settings():
                self._restore(setting)

    def save_window(self, window: QMainWindow, arch_id: str,
                    features: Iterable[FeatureView]) -> None:
        if self.store is None:
            return
        self.set_value(GEOMETRY, window.saveGeometry())
        self.set_value(STATE, window.saveState())
        self.set_value(ARCH, arch_id)
        for feature in features:
            for setting in feature.persisted_settings():
                self._save(setting)
        self.store.sync()

    # A setting whose value is a dict is stored as a group, one key per item
    # ("training/epochs"), so the file stays readable and hand-editable.
    def _save(self, setting: PersistedSetting) -> None:
        value = setting.read()
        if isinstance(value, dict):
            for key, item in value.items():
                self.set_value(f"{setting.key}/{key}", item)
        else:
            self.set_value(setting.key, value)

    def _restore(self, setting: PersistedSetting) -> None:
        if self.store is None:
            return
        if isinstance(setting.read(), dict):
            self.store.beginGroup(setting.key)
            try:
                value = {key: self.store.value(key) for key in self.store.childKeys()}
            finally:
                self.store.endGroup()
            if not value:
                return
        else:
            value = self.value(setting.key)
            if value is None:
                return
        try:
            setting.apply(value)
        except (TypeError, ValueError) as exc:  # a hand-edited settings file
            log.warning("ignoring the unreadable setting %s: %s", setting.key, exc)
