"""The main window: the model dock on the left, one tab per feature, the menus.

This module composes; it holds no feature's logic. Each feature (explorer.features)
is a view bound to its own state, and declares what it offers the window
(plots to export, demo keys, data exports, saved settings); the menus
(menus.py), File > Export (exporting.py), the saved settings (settings.py)
and presentation mode work from those declarations.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox

from explorer.core.data import Dataset, DatasetError
from explorer.services import guard
from explorer.services.features import FeatureView
from explorer.services.session import Session
from explorer.ui.menus import WindowMenus
from explorer.ui.recovery_prompt import AUTO, RecoveryOffer, ask_recover, checkpoint_folder_for
from explorer.ui.screen_fit import ScreenFit
from explorer.ui.settings import WindowSettings, default_settings
from explorer.ui.status_line import StatusLine
from explorer.ui.tab_pages import FeatureTabs
from explorer.ui.tensorboard_logging import TensorBoardLogging
from explorer.widgets.elided_label import ElidedLabel

__all__ = ["AUTO", "ElidedLabel", "MainWindow"]

log = logging.getLogger(__name__)


class MainWindow(QMainWindow, WindowMenus, TensorBoardLogging, ScreenFit):
    """The whole program. `MainWindow()` builds it on the default dataset.

    `settings`: where to remember the window between starts (None: the
    user's settings when running as the real program, else nowhere).
    `arch_id` None: the architecture of the last session, else "simple".
    `recovery_folder`: where training runs leave recovery checkpoints and
    where the start looks for them (AUTO: the user data folder's when running
    as the real program, as `settings`; None: nowhere).
    """

    first_painted = False  # a class default: Qt sends events during __init__

    def __init__(self, dataset: Dataset | None = None, data_path: str | None = None,
                 trained_dir=None, arch_id: str | None = None, start: bool = True,
                 settings: QSettings | None = None, recovery_folder=AUTO):
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("Autoencoder Explorer")
        self.resize(1280, 820)
        self.settings_store = WindowSettings(settings if settings is not None
                                             else default_settings())
        arch_id = arch_id or self.settings_store.architecture() or "simple"
        data_error = None
        if dataset is None and data_path is not None:
            try:
                from explorer.core.image_folder import load_path

                dataset = load_path(data_path)  # .npz, IDX folder or a folder of images
            except DatasetError as exc:
                data_error = str(exc)
        self.session = Session(dataset=dataset, trained_dir=trained_dir, arch_id=arch_id,
                               parent=self, data_path=data_path if dataset is not None else None,
                               checkpoint_folder=checkpoint_folder_for(recovery_folder))
        self._build_features()
        self._build_menus()
        self._build_status_bar()
        self.settings_store.restore_window(self, self.features)
        self.recovery = RecoveryOffer(self, self.session.checkpoint_folder)
        self.tabs.remember_notes(lambda key: self.settings_store.value(f"notes/{key}", False)
                                 in (True, "true"))
        self.tabs.note_toggled.connect(lambda key, shown: self.settings_store.set_value(
            f"notes/{key}", shown))
        # Through lambdas, so that tests replacing the dialog methods are heard.
        self.session.guard.ask = lambda action, lines: self._ask_unsaved_weights(action, lines)
        self.session.guard.choose_folder = lambda: self._ask_unsaved_folder()
        self.session.error_raised.connect(self.show_error)
        self.session.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.session.training_ended.connect(lambda _r: self._next_tensorboard_run())
        self.session.model_changed.connect(lambda _a: self._next_tensorboard_run())
        if data_error:
            # Shown once the window is up, so it has a parent on screen.
            QTimer.singleShot(0, lambda: self.show_error(
                f"{data_error}\n\nUsing {self.session.dataset.source} instead."))
        if start:
            # TensorFlow's import (seconds, holding the GIL much of the time)
            # starts only once the window has painted, so it never delays the
            # window. A window nobody shows (tests) starts it after a moment.
            QTimer.singleShot(300, self._start_if_hidden)
            QTimer.singleShot(3000, self.session.start)  # safety net

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not getattr(self, "_fitted", False):
            self._fitted = True
            self._fit_to_screen()
            for delay_ms in (0, 300, 1500):  # once the window manager has framed it
                QTimer.singleShot(delay_ms, self._fit_frame_to_screen)

    def _start_if_hidden(self) -> None:
        if not self.isVisible():
            self.session.start()

    def event(self, event) -> bool:  # noqa: D401 - Qt's name
        if not self.first_painted and event.type() == QEvent.Type.Paint:
            self.first_painted = True
            QTimer.singleShot(0, self.first_paint_done)
        return super().event(event)

    def first_paint_done(self) -> None:
        """The window is on screen: now load TensorFlow and the model."""
        self.session.start()

    # ------------------------------------------------------------ building
    def _build_features(self) -> None:
        from explorer.features.kmeans.panel import KMeansPanel
        from explorer.features.latent_codes.panel import LatentPanel
        from explorer.features.latent_space.panel import LatentSpacePanel
        from explorer.features.model.panel import ModelPanel
        from explorer.features.reconstructions.panel import ReconstructionPanel
        from explorer.features.sweeps.panel import SweepsPanel
        from explorer.features.timelapse.panel import TimelapsePanel
        from explorer.features.training.panel import TrainingPanel

        session = self.session
        self.model_panel = ModelPanel(session)
        dock = QDockWidget("Model", self)
        dock.setObjectName("model_dock")
        dock.setWidget(self.model_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.model_dock = dock

        self.tabs = FeatureTabs()
        self.tabs.setObjectName("view_tabs")
        self.training_panel = TrainingPanel(session)
        self.recon_panel = ReconstructionPanel(session)
        self.latent_panel = LatentPanel(session)
        self.kmeans_panel = KMeansPanel(session)
        self.latent_space_panel = LatentSpacePanel(session)
        self.timelapse_panel = TimelapsePanel(session)
        for panel, title in ((self.training_panel, "Training"),
                             (self.recon_panel, "Reconstructions"),
                             (self.latent_panel, "Latent codes"),
                             (self.latent_space_panel, "Latent space"),
                             (self.timelapse_panel, "Time-lapse"),  # the latent space as it learned
                             (self.kmeans_panel, "K-means lab")):
            self.tabs.addTab(panel, title)
        self.setCentralWidget(self.tabs)
        # The Sweep tab joins the tabs once a sweep is open (File > Open sweep);
        # until then it is a hidden child of the window.
        self.sweeps_panel = SweepsPanel(session, self)
        self.sweeps_panel.hide()
        self.sweeps_panel.sweep_shown.connect(self._show_sweeps_tab)
        self.sweeps_panel.open_requested.connect(lambda: self.open_sweep())
        from explorer.ui.lesson_dock import LessonDock

        self.lesson_dock = LessonDock(self)  # after the features: its steps set them up
        self.lesson_panel = self.lesson_dock.panel
        self.features: list[FeatureView] = [self.model_panel, self.training_panel,
                                            self.recon_panel, self.latent_panel,
                                            self.latent_space_panel, self.kmeans_panel,
                                            self.timelapse_panel, self.sweeps_panel,
                                            self.lesson_panel]

    def _build_status_bar(self) -> None:
        status = StatusLine(self)
        self.setStatusBar(status)
        self.weights_label, self.data_label = status.note_label, status.data_label
        status.set_note(self.session.weights_note)
        self._show_dataset()
        self.session.dataset_changed.connect(self._show_dataset)
        self.session.weights_info_changed.connect(status.set_note)
        self.session.backend_ready.connect(self._ask_device)

    def _ask_device(self) -> None:
        from explorer.core import devices

        self.session.submit("device", lambda state, model, dataset: devices.device_description(),
                            lambda text: self.statusBar().device_label.setText(text))

    def _show_dataset(self) -> None:
        self.data_label.setText(f"Data: {self.session.dataset.source}")

    # ------------------------------------------------------------- actions
    def show_feature(self, feature: FeatureView) -> None:
        """Bring a feature's tab to the front (the dock is always in view)."""
        index = self.tabs.indexOf(feature)
        if index >= 0:
            self.tabs.setCurrentIndex(index)

    def open_lesson(self, path: str | None = None) -> bool:
        """File > Open lesson: a lesson file into the lesson dock (None: ask for one)."""
        return self.lesson_dock.open_lesson(path)

    def open_sweep(self, folder: str | None = None) -> None:
        """File > Open sweep: a folder written by `main.py sweep`, read in the background."""
        folder = folder or self._ask_sweep_folder()
        if folder:
            self.sweeps_panel.open_folder(folder)

    def _ask_sweep_folder(self) -> str | None:
        """The folder dialog, in one place so tests can replace it."""
        folder = QFileDialog.getExistingDirectory(
            self, "Open a sweep folder (the --out folder of main.py sweep)",
            self.settings_store.last_folder("sweep"))
        if folder:
            self.settings_store.set_last_folder("sweep", folder)
        return folder or None

    def _show_sweeps_tab(self) -> None:
        if self.tabs.indexOf(self.sweeps_panel) < 0:
            self.tabs.addTab(self.sweeps_panel, "Sweep")
        self.show_feature(self.sweeps_panel)

    def save_scene(self, path: str | os.PathLike | None = None):
        """File > Save scene: write what the window shows to `path` (None: ask).
        Returns the Path written, or None (cancelled, or the error was shown)."""
        return self.scene_actions.save(path)

    def load_scene(self, path: str | os.PathLike | None = None) -> bool:
        """File > Open scene: check the scene file, then restore it (the K-means run once
        its model and points are live; `scene_actions.scene_restored` says when).
        False, with a message and nothing changed, when the scene cannot be used."""
        return self.scene_actions.load(path)

    def step_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def set_presentation_scale(self, scale: float) -> None:
        """A chosen scale, or presentation.AUTO to fit the screen."""
        self.presentation.set_scale(scale)
        setting = self.presentation.scale_setting
        self.settings_store.set_presentation_scale(setting)
        for action in self.scale_actions.actions():
            action.setChecked(action.data() == setting)

    def revert_to_shipped(self) -> None:
        """Model > Revert to the shipped weights, asking first if trained weights would go."""
        if self.session.is_busy or not self.session.is_ready:
            return
        if self.session.guard.allow("Revert to the shipped weights"):
            self.session.revert_to_shipped()

    def _ask_unsaved_weights(self, action: str, lines: list[str]) -> str:
        """Save / Discard / Cancel before `action` drops trained weights (tests replace it)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved trained weights",
                          f"{action}: these weights were trained in this session and are not "
                          "saved:\n\n" + "\n".join(f"• {line}" for line in lines)
                          + "\n\nSave them first?", parent=self)
        box.setObjectName("unsaved_weights_box")
        box.setStandardButtons(QMessageBox.StandardButton.Save
                               | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()  # a real decision: the action waits for it
        return {QMessageBox.StandardButton.Save: guard.SAVE,
                QMessageBox.StandardButton.Discard: guard.DISCARD}.get(
                    QMessageBox.StandardButton(answer), guard.CANCEL)

    def _ask_recover(self, checkpoint) -> str:
        """Recover / Discard / Later for a run a crash left (tests replace it)."""
        return ask_recover(self, checkpoint)

    def _ask_unsaved_folder(self) -> str | None:
        folder = QFileDialog.getExistingDirectory(
            self, "Save the trained weights into folder",
            self.settings_store.last_folder("weights"))
        if folder:
            self.settings_store.set_last_folder("weights", folder)
        return folder or None

    def show_error(self, message: str) -> None:
        log.error("%s", message)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Autoencoder Explorer", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("error_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): a modal loop would stall tests and live demos

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Stop any training and the model thread before the window goes.

        Weights trained in this session and not saved are asked about first;
        Cancel keeps the window open.
        """
        if not self.session.guard.allow("Quit", current_only=False):
            event.ignore()
            return
        presentation = getattr(self, "presentation", None)
        if presentation is not None:
            # The normal font, palette and geometry: those are what is saved,
            # and the application outlives the window (tests make many).
            presentation.set_active(False)
        self.settings_store.save_window(self, self.session.arch_id, self.features)
        for feature in self.features:
            feature.shutdown()
        # Gone from the screen at once: what follows may wait for a step that
        # cannot be interrupted (TensorFlow's import), which must not look
        # like a frozen window.
        self.hide()
        if not self.session.shutdown(2500):
            log.warning("the model thread did not stop in time")
        super().closeEvent(event)
