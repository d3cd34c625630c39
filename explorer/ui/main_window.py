"""The main window: the model dock on the left, one tab per view."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMessageBox,
                               QTabWidget)

from explorer.core.data import Dataset, DatasetError
from explorer.ui.session import Session

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The whole program. `MainWindow()` builds it on the default dataset."""

    first_painted = False  # a class default: Qt sends events during __init__

    def __init__(self, dataset: Dataset | None = None, data_path: str | None = None,
                 trained_dir=None, arch_id: str = "simple", start: bool = True):
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("Autoencoder Explorer")
        self.resize(1280, 820)
        data_error = None
        if dataset is None and data_path is not None:
            try:
                from explorer.core.data import load_dataset

                dataset = load_dataset(data_path)
            except DatasetError as exc:
                data_error = str(exc)
        self.session = Session(dataset=dataset, trained_dir=trained_dir, arch_id=arch_id,
                               parent=self)
        self._build_panels()
        self._build_menus()
        self._build_status_bar()
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
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        view_menu = bar.addMenu("&View")
        self.next_tab_action = QAction("Next tab", self)
        self.next_tab_action.setShortcut(QKeySequence("Ctrl+Tab"))
        self.next_tab_action.triggered.connect(
            lambda: self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % self.tabs.count()))
        view_menu.addAction(self.next_tab_action)
        view_menu.addAction(self.model_dock.toggleViewAction())
        self.view_menu = view_menu

        help_menu = bar.addMenu("&Help")
        about = QAction("&About Autoencoder Explorer", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self.help_menu = help_menu

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.data_label = QLabel()
        self.data_label.setObjectName("data_source_label")
        self.weights_label = QLabel(self.session.weights_note)
        self.weights_label.setObjectName("weights_label")
        status.addPermanentWidget(self.weights_label, 1)
        status.addPermanentWidget(self.data_label)
        self._show_dataset()
        self.session.dataset_changed.connect(self._show_dataset)
        self.session.weights_info_changed.connect(self.weights_label.setText)

    def _show_dataset(self) -> None:
        self.data_label.setText(f"Data: {self.session.dataset.source}")

    # ------------------------------------------------------------- actions
    def show_error(self, message: str) -> None:
        log.error("%s", message)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Autoencoder Explorer", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("error_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): a modal loop would stall tests and live demos

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
        for panel in (getattr(self, "kmeans_panel", None),):
            stop = getattr(panel, "stop_animation", None)
            if stop:
                stop()
        if not self.session.shutdown(2500):
            log.warning("the model thread did not stop in time")
        super().closeEvent(event)
