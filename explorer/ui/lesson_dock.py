"""The lesson dock: lesson mode composed into the window (View > Lesson, File > Open lesson).

The lesson feature knows nothing of the other features; here the window
gives its player what a step needs: `window_state.apply` to set the window
up, the window's `load_scene` (when it has scenes) and the model dock's
short run for "Train it now".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog

from explorer.core.lesson_file import LessonError, TrainPlan, builtin_folder, builtin_lessons, load_lesson
from explorer.features.lesson.panel import LessonPanel
from explorer.features.lesson.state import LessonPlayer
from explorer.ui import window_state

# The dock's share of the window when it opens: the tab it talks about keeps the rest.
DOCK_SHARE, DOCK_MIN, DOCK_MAX = 0.32, 320, 480
# Below this window width the model panel steps aside while the lesson is open:
# the lesson sets the model up itself, and the model panel, the lesson and a
# tab side by side do not fit a 1,024 or 1,280 screen (the tabs' controls were
# covered). F9 still brings it back.
ROOM_FOR_BOTH_DOCKS = 1500


class LessonDock:
    """Builds the dock on `window` and opens lessons into it."""

    def __init__(self, window):
        self.window = window
        self.player = LessonPlayer(
            window.session,
            apply_setup=lambda setup, folder: window_state.apply(window, setup, folder),
            load_scene=self._load_scene if hasattr(window, "load_scene") else None,
            start_training=self._train, parent=window)
        builtin = []
        for path in builtin_lessons():
            try:
                builtin.append((load_lesson(path).title, path))
            except LessonError:  # a broken shipped file is the wheel test's to catch
                continue
        self.panel = LessonPanel(self.player, builtin)
        dock = QDockWidget("Lesson", window)
        dock.setObjectName("lesson_view")
        dock.setWidget(self.panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()  # until View > Lesson (Ctrl+L) or a lesson is opened
        self.dock = dock
        self.builtin = builtin
        self._moved_model_dock = False  # the lesson hid the model panel, and gives it back

    def menu_actions(self) -> tuple[QAction, QAction]:
        """(View > Lesson, File > Open lesson…), for the menus to place."""
        toggle = self.dock.toggleViewAction()
        toggle.setObjectName("toggle_lesson_action")
        toggle.setText("&Lesson")
        toggle.setShortcut(QKeySequence("Ctrl+L"))
        toggle.setToolTip("Show or hide the lesson panel (Ctrl+L); steps move with "
                          "Page Down / Page Up")
        # Shown by the user (triggered), not by the restored layout (toggled too): that
        # must not apply a step (and switch models) at start-up. Hidden either way (the
        # action or the dock's own close button): the model panel comes back.
        toggle.triggered.connect(self._on_toggled)
        toggle.toggled.connect(lambda shown: None if shown else self._give_room_back())
        open_action = QAction("Open &lesson…", self.window)
        open_action.setObjectName("open_lesson_action")
        open_action.setToolTip("A lesson file (TOML, see resources/lessons/README.md): "
                               "steps that set the window up, with the tutorial's figures")
        open_action.triggered.connect(lambda _checked=False: self.open_lesson())
        self.window.addAction(toggle)  # the key works in full screen too
        return toggle, open_action

    def open_lesson(self, path: str | Path | None = None) -> bool:
        """Open a lesson file (asking for one when `path` is None); errors are a message."""
        path = path or self._ask_lesson_file()
        if not path:
            return False
        try:
            lesson = load_lesson(path)
        except LessonError as exc:
            self.window.show_error(f"This lesson cannot be opened:\n\n{exc}")
            return False
        self.dock.show()
        self.dock.raise_()
        self._make_room()
        self._fit_width()
        self.panel.open_lesson(lesson)
        return True

    def _on_toggled(self, shown: bool) -> None:
        if not shown:
            self._give_room_back()
            return
        self._make_room()
        self._fit_width()
        if self.player.lesson is None and self.builtin:
            self.panel.open_lesson(load_lesson(self.builtin[0][1]))

    def _make_room(self) -> None:
        model_dock = self.window.model_dock
        if (self.dock.isFloating() or not model_dock.isVisible()
                or self.window.width() >= ROOM_FOR_BOTH_DOCKS):
            return
        model_dock.hide()
        self._moved_model_dock = True
        self.window.statusBar().showMessage(
            "The model panel steps aside while the lesson is open (F9 brings it back)", 8000)

    def _give_room_back(self) -> None:
        presenting = getattr(self.window, "presentation", None)
        if self._moved_model_dock and not (presenting is not None and presenting.is_active):
            self.window.model_dock.show()
        self._moved_model_dock = False

    def _fit_width(self) -> None:
        if self.dock.isFloating():
            return
        width = int(min(max(self.window.width() * DOCK_SHARE, DOCK_MIN), DOCK_MAX))
        self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)

    def _ask_lesson_file(self) -> str | None:
        store = self.window.settings_store
        # The shipped lessons' folder until the user has opened one of their own.
        start = store.last_folder("lesson") if store.value("folders/lesson", "") else str(builtin_folder())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a lesson", start,
                                              "Lessons (*.toml);;All files (*)")
        if path:
            store.set_last_folder("lesson", str(Path(path).parent))
        return path or None

    def _load_scene(self, path: Path) -> bool | None:
        return self.window.load_scene(path)

    def _train(self, plan: TrainPlan) -> str | None:
        return self.window.model_panel.train_from_fresh(plan.epochs, plan.optimizer,
                                                        plan.batch_size)
