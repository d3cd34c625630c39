"""File > Save scene… and File > Open scene…: the dialogs, the messages, one restore at a time.

MainWindow.save_scene(path) and load_scene(path) (the public contract) come
here. Each dialog is one method (`ask_save_path`, `ask_open_path`,
`ask_weights_differ`) so tests and tools can replace it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.core import scene_file
from explorer.core.scene_file import SceneError
from explorer.ui import scenes

log = logging.getLogger(__name__)

SCENE_FILTER = "Scenes (*.scene.json);;JSON files (*.json);;All files (*)"
SUFFIX = ".scene.json"


class SceneActions(QObject):
    """The two File menu entries and what they do; `scene_restored(problems)` ends a load."""

    scene_restored = Signal(list)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.restore: scenes.SceneRestore | None = None
        self.save_action = QAction("Save sc&ene…", window)
        self.save_action.setObjectName("save_scene_action")
        self.save_action.setToolTip("Write what the window shows (model and weights file, tab, "
                                    "noise, digits, K-means run, plot ranges) to a small file")
        self.save_action.triggered.connect(lambda _checked=False: window.save_scene())
        self.open_action = QAction("Open scen&e…", window)
        self.open_action.setObjectName("open_scene_action")
        self.open_action.setToolTip("Put the window back as a saved scene shows it; "
                                    "K-means' Back still walks its half steps")
        self.open_action.triggered.connect(lambda _checked=False: window.load_scene())
        for action in (self.save_action, self.open_action):
            action.setStatusTip(action.toolTip())

    @property
    def actions(self) -> list[QAction]:
        return [self.open_action, self.save_action]

    # -------------------------------------------------------------- saving
    def save(self, path: str | Path | None = None) -> Path | None:
        """Write the scene to `path` (None: ask); the path written, or None."""
        path = path or self.ask_save_path()
        if not path:
            return None
        path = Path(path)
        scene, notes = scenes.capture(self.window)
        try:
            written = scene_file.write_scene(path, scene)
        except OSError as exc:
            self.window.show_error(f"Could not write the scene {path}: {exc.strerror or exc}. "
                                   "Choose a folder you can write to.")
            return None
        message = f"Saved the scene {written.name}"
        if notes:
            message += "; note: " + "; ".join(notes)
        self.window.statusBar().showMessage(message, 15000)
        return written

    # ------------------------------------------------------------- loading
    def load(self, path: str | Path | None = None) -> bool:
        """Check the scene and start restoring it; False (nothing changed) when refused."""
        path = path or self.ask_open_path()
        if not path:
            return False
        try:
            scene = scene_file.read_scene(path)
            planned = scenes.plan(self.window, scene, self.ask_weights_differ)
        except SceneError as exc:
            self.window.show_error(f"Could not open the scene: {exc}")
            return False
        if self.restore is not None:
            self.restore.cancel()  # the newer scene wins
        self.restore = scenes.SceneRestore(self.window, scene, planned)
        self.restore.finished.connect(lambda problems, name=Path(path).name:
                                      self._restored(name, problems))
        self.restore.start()
        return True

    def _restored(self, name: str, problems: list[str]) -> None:
        self.restore = None
        if problems:
            self.window.show_error(f"The scene {name} was restored, except:\n\n"
                                   + "\n".join(f"• {p}" for p in problems))
        else:
            self.window.statusBar().showMessage(f"Restored the scene {name}", 8000)
        self.scene_restored.emit(problems)

    # ------------------------------------------------------------- dialogs
    def ask_save_path(self) -> str | None:
        store = self.window.settings_store
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save the scene",
            str(Path(store.last_folder("scene")) / f"{self.window.session.variant.name}{SUFFIX}"),
            SCENE_FILTER)
        if not path:
            return None
        if not path.endswith(".json"):
            path += SUFFIX
        store.set_last_folder("scene", str(Path(path).parent))
        return path

    def ask_open_path(self) -> str | None:
        store = self.window.settings_store
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a scene",
                                              store.last_folder("scene"), SCENE_FILTER)
        if path:
            store.set_last_folder("scene", str(Path(path).parent))
        return path or None

    def ask_weights_differ(self, message: str) -> bool:
        answer = QMessageBox.question(self.window, "The scene's weights differ", message)
        return answer == QMessageBox.StandardButton.Yes
