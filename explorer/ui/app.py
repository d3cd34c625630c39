"""Starting the GUI: the QApplication, the main window, the event loop."""

from __future__ import annotations

import logging
import sys


def make_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Autoencoder Explorer")
    app.setOrganizationName("AutoencoderExplorer")
    return app


def run_gui(data_path: str | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_app()
    from explorer.ui.main_window import MainWindow

    window = MainWindow(data_path=data_path)
    window.show()
    app.aboutToQuit.connect(lambda: window.session.shutdown(2500))
    return app.exec()
