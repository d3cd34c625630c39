"""The main window: the model dock on the left, one tab per view, the menus.

The menus are where a lecturer finds everything, with its key: File (open
your own data, download full MNIST, export), View (tabs, presentation mode),
Model and K-means (the panels' buttons, for live demos). The pieces live in
their own modules: presentation.py, exporting.py, dataset_actions.py and
settings.py; this one assembles them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
)

from explorer.core.data import Dataset, DatasetError
from explorer.ui.session import Session
from explorer.ui.settings import WindowSettings, default_settings

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The whole program. `MainWindow()` builds it on the default dataset.

    `settings`: where to remember the window between starts (None: the
    user's settings when running as the real program, else nowhere).
    `arch_id` None: the architecture of the last session, else "simple".
    """

    first_painted = False  # a class default: Qt sends events during __init__
    tensorboard_folder: str | None = None  # set by Model > Log runs to TensorBoard

    def __init__(self, dataset: Dataset | None = None, data_path: str | None = None,
                 trained_dir=None, arch_id: str | None = None, start: bool = True,
                 settings: QSettings | None = None):
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

                dataset = load_path(data_path)  # .npz, IDX folder or PNG folder
            except DatasetError as exc:
                data_error = str(exc)
        self.session = Session(dataset=dataset, trained_dir=trained_dir, arch_id=arch_id,
                               parent=self)
        self._build_panels()
        self._build_menus()
        self._build_status_bar()
        self.settings_store.restore_window(self)
        self.session.error_raised.connect(self.show_error)
        self.session.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
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
    def _build_panels(self) -> None:
        from explorer.ui.kmeans_panel import KMeansPanel
        from explorer.ui.latent_panel import LatentPanel
        from explorer.ui.model_panel import ModelPanel
        from explorer.ui.recon_panel import ReconstructionPanel
        from explorer.ui.training_panel import TrainingPanel

        self.model_panel = ModelPanel(self.session)
        dock = QDockWidget("Model", self)
        dock.setObjectName("model_dock")
        dock.setWidget(self.model_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.model_dock = dock

        self.tabs = QTabWidget()
        self.tabs.setObjectName("view_tabs")
        self.training_panel = TrainingPanel(self.session)
        self.recon_panel = ReconstructionPanel(self.session)
        self.latent_panel = LatentPanel(self.session, self.recon_panel)
        self.kmeans_panel = KMeansPanel(self.session)
        self.tabs.addTab(self.training_panel, "Training")
        self.tabs.addTab(self.recon_panel, "Reconstructions")
        self.tabs.addTab(self.latent_panel, "Latent codes")
        self.tabs.addTab(self.kmeans_panel, "K-means lab")
        self.setCentralWidget(self.tabs)

    def _build_menus(self) -> None:
        from explorer.ui.dataset_actions import DatasetActions
        from explorer.ui.exporting import Exporter
        from explorer.ui.presentation import (
            KMEANS_KEYS,
            MODEL_KEYS,
            SCALES,
            PresentationMode,
            demo_actions,
        )

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.dataset_actions = DatasetActions(self)
        file_menu.addActions(self.dataset_actions.actions)
        file_menu.addSeparator()
        self.exporter = Exporter(self)
        file_menu.addMenu(self.exporter.menu)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        view_menu = bar.addMenu("&View")
        self.next_tab_action = self._menu_action(
            view_menu, "next_tab_action", "Next tab", ("Ctrl+Tab", "Ctrl+PgDown"),
            lambda: self._step_tab(1))
        self.previous_tab_action = self._menu_action(
            view_menu, "previous_tab_action", "Previous tab", ("Ctrl+Shift+Tab", "Ctrl+PgUp"),
            lambda: self._step_tab(-1))
        view_menu.addAction(self.model_dock.toggleViewAction())
        view_menu.addSeparator()
        self.presentation = PresentationMode(self, self.settings_store.presentation_scale())
        self.presentation_action = self._menu_action(
            view_menu, "presentation_action", "&Presentation mode", ("F11",), None)
        self.presentation_action.setCheckable(True)
        self.presentation_action.setToolTip("Full screen, large type and high contrast, "
                                            "for a projector (F11)")
        self.presentation_action.toggled.connect(self.presentation.set_active)
        self.presentation.toggled.connect(self.presentation_action.setChecked)
        scale_menu = view_menu.addMenu("Presentation &scale")
        self.scale_actions = QActionGroup(self)
        for scale in SCALES:
            action = scale_menu.addAction(f"{scale:g}×")
            action.setCheckable(True)
            action.setChecked(abs(scale - self.presentation.scale) < 1e-6)
            action.setData(scale)
            self.scale_actions.addAction(action)
        self.scale_actions.triggered.connect(lambda a: self.set_presentation_scale(a.data()))
        self.view_menu = view_menu

        model_menu = bar.addMenu("&Model")
        self.model_actions = list(demo_actions(self, self.model_panel, MODEL_KEYS))
        model_menu.addActions(self.model_actions)
        model_menu.addSeparator()
        self.tensorboard_action = QAction("Log runs to &TensorBoard…", self)
        self.tensorboard_action.setObjectName("tensorboard_action")
        self.tensorboard_action.setCheckable(True)
        self.tensorboard_action.setToolTip("Also write every training run's losses as "
                                           "TensorBoard event files into a folder")
        self.tensorboard_action.toggled.connect(self._on_tensorboard_toggled)
        model_menu.addAction(self.tensorboard_action)
        self.model_menu = model_menu
        self.session.training_ended.connect(lambda _r: self._next_tensorboard_run())
        self.session.model_changed.connect(lambda _a: self._next_tensorboard_run())

        kmeans_menu = bar.addMenu("&K-means")
        self.kmeans_actions = list(demo_actions(
            self, self.kmeans_panel, KMEANS_KEYS,
            before=lambda: self.tabs.setCurrentWidget(self.kmeans_panel)))
        kmeans_menu.addActions(self.kmeans_actions)
        self.kmeans_menu = kmeans_menu

        help_menu = bar.addMenu("&Help")
        self._menu_action(help_menu, "shortcuts_action", "&Keyboard shortcuts", (),
                          self.show_shortcuts)
        self._menu_action(help_menu, "about_action", "&About Autoencoder Explorer", (),
                          self.show_about)
        self.help_menu = help_menu

    def _menu_action(self, menu, name: str, text: str, shortcuts, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)  # keys work in full screen with the menu bar hidden too
        return action

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.data_label = QLabel()
        self.data_label.setObjectName("data_source_label")
        self.weights_label = ElidedLabel(self.session.weights_note)
        self.weights_label.setObjectName("weights_label")
        # A normal (not permanent) widget: temporary messages ("Saved ...",
        # the first line of an error) replace it for their few seconds.
        status.addWidget(self.weights_label, 1)
        status.addPermanentWidget(self.data_label)
        self._show_dataset()
        self.session.dataset_changed.connect(self._show_dataset)
        self.session.weights_info_changed.connect(self.weights_label.setText)

    def _show_dataset(self) -> None:
        self.data_label.setText(f"Data: {self.session.dataset.source}")

    # ------------------------------------------------------------- actions
    def _step_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def set_presentation_scale(self, scale: float) -> None:
        self.presentation.set_scale(scale)
        self.settings_store.set_presentation_scale(self.presentation.scale)
        for action in self.scale_actions.actions():
            action.setChecked(abs(action.data() - self.presentation.scale) < 1e-6)

    def _on_tensorboard_toggled(self, on: bool) -> None:
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

    def show_error(self, message: str) -> None:
        log.error("%s", message)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Autoencoder Explorer", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("error_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): a modal loop would stall tests and live demos

    def show_shortcuts(self) -> None:
        rows = []
        for menu in (self.view_menu, self.model_menu, self.kmeans_menu, self.file_menu,
                     self.exporter.menu):
            for action in menu.actions():
                keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                   for k in action.shortcuts())
                if keys:
                    rows.append(f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;"
                                f"{action.text().replace('&', '').rstrip('…')}</td></tr>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          "<table>" + "".join(rows) + "</table>",
                          QMessageBox.StandardButton.Close, self)
        box.setObjectName("shortcuts_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the window stays live behind it

    def show_about(self) -> None:
        from explorer import __version__

        QMessageBox.about(
            self, "About Autoencoder Explorer",
            f"<h3>Autoencoder Explorer {__version__}</h3>"
            "<p>Train the Keras MNIST autoencoders live, look at their reconstructions "
            "and codes, and step K-means on the latent space.</p>"
            "<p><b>Data:</b> the MNIST database of handwritten digits by Yann LeCun, "
            "Corinna Cortes and Christopher J.C. Burges, distributed under the "
            "Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0). "
            "The program ships its 10,000-digit test split.</p>")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Stop any training and the model thread before the window goes."""
        presentation = getattr(self, "presentation", None)
        if presentation is not None:
            # The normal font, palette and geometry: those are what is saved,
            # and the application outlives the window (tests make many).
            presentation.set_active(False)
        self.settings_store.save_window(self)
        for panel in (getattr(self, "kmeans_panel", None),):
            stop = getattr(panel, "stop_animation", None)
            if stop:
                stop()
        # Gone from the screen at once: what follows may wait for a step that
        # cannot be interrupted (TensorFlow's import), which must not look
        # like a frozen window.
        self.hide()
        if not self.session.shutdown(2500):
            log.warning("the model thread did not stop in time")
        super().closeEvent(event)


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit; the whole text is its tooltip.

    A plain QLabel in the status bar was cut off mid-word under the dataset
    label when the weights' description was long.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setMinimumWidth(50)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full_text = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full_text

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # lecture mode scales the font
            self._elide()

    def _elide(self) -> None:
        elided = self.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight,
                                               max(self.width(), 1))
        super().setText(elided)
