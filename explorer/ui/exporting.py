"""File > Export: what a lecturer takes away from a session.

The current tab as a PNG, one of its plots as SVG (for slides), the model as
a `.keras` file plain Keras opens, and the K-means assignments as CSV. The
file dialog is one method, `_ask_path`, so tests replace it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from explorer.core import exporting

if TYPE_CHECKING:  # pragma: no cover
    import pyqtgraph as pg

    from explorer.ui.main_window import MainWindow

log = logging.getLogger(__name__)

# Per tab: (attribute of the panel, title in the menu), the first is the tab's main plot.
PLOTS = {
    "training_panel": (("loss_plot", "Loss curves"),),
    "latent_panel": (("code_bars", "Code values"),
                     ("activation_histogram", "Activation histogram")),
    "kmeans_panel": (("plot", "K-means plot"), ("j_plot", "Objective J"),
                     ("confusion", "Clusters against digits")),
}


class Exporter(QObject):
    """Builds the Export submenu of a MainWindow and does the exports."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.menu = QMenu("&Export", window)
        self.menu.setObjectName("export_menu")
        self.view_action = self._action("export_view_action", "Current view as &PNG…",
                                        lambda: self.export_view_png(), "Ctrl+Shift+E")
        self.svg_menu = self.menu.addMenu("Plot as &SVG")
        self.svg_menu.setObjectName("export_svg_menu")
        self.svg_menu.aboutToShow.connect(self._fill_svg_menu)
        self.model_action = self._action("export_model_action", "Model as .&keras…",
                                         lambda: self.export_model_keras())
        self.csv_action = self._action("export_csv_action", "K-means assignments as &CSV…",
                                       lambda: self.export_assignments_csv())
        self.menu.aboutToShow.connect(self._update_enabled)

    # ---------------------------------------------------------------- public
    def current_plots(self) -> list[tuple[str, pg.PlotWidget]]:
        """(title, plot widget) for the plots of the tab in front."""
        w = self.window
        current = w.tabs.currentWidget()
        for attr, plots in PLOTS.items():
            panel = getattr(w, attr, None)
            if panel is not None and panel is current:
                return [(title, getattr(panel, name)) for name, title in plots
                        if getattr(panel, name, None) is not None]
        return []

    def export_view_png(self, path: str | None = None) -> str | None:
        """The tab in front, exactly as on screen."""
        widget: QWidget = self.window.tabs.currentWidget()
        name = self.window.tabs.tabText(self.window.tabs.currentIndex())
        path = path or self._ask_path("Export the view as PNG", _file_name(name, ".png"),
                                      "PNG images (*.png)")
        if not path:
            return None
        path = _with_suffix(path, ".png")
        if not widget.grab().save(path, "PNG"):
            self.window.show_error(f"Could not write {path}: check the folder exists and "
                                   "you may write to it.")
            return None
        self._saved(path)
        return path

    def export_plot_svg(self, index: int = 0, path: str | None = None) -> str | None:
        """Plot number `index` of the tab in front as an SVG file."""
        plots = self.current_plots()
        if not 0 <= index < len(plots):
            self.window.show_error("This tab has no plot to export as SVG; the "
                                   "Training, Latent codes and K-means tabs have.")
            return None
        title, plot = plots[index]
        path = path or self._ask_path(f"Export “{title}” as SVG", _file_name(title, ".svg"),
                                      "SVG images (*.svg)")
        if not path:
            return None
        path = _with_suffix(path, ".svg")
        try:
            write_svg(plot.getPlotItem(), path, title)
        except Exception as exc:  # noqa: BLE001 - pyqtgraph raises anything; tell the user
            log.warning("SVG export failed", exc_info=True)
            self.window.show_error(f"Could not export {title} as SVG: {exc}")
            return None
        self._saved(path)
        return path

    def export_model_keras(self, path: str | None = None,
                           on_saved: Callable[[Path], None] | None = None) -> bool:
        """The whole autoencoder as .keras (written on the model thread)."""
        session = self.window.session
        if not session.is_ready:
            self.window.statusBar().showMessage("The model is still loading; try again "
                                                "in a moment", 8000)
            return False
        path = path or self._ask_path("Export the model as a Keras file",
                                      f"{session.arch_id}_autoencoder.keras",
                                      "Keras models (*.keras)")
        if not path:
            return False

        def done(written: Path) -> None:
            self._saved(str(written))
            if on_saved is not None:
                on_saved(written)

        session.export_keras(_with_suffix(path, ".keras"), done)
        return True

    def export_assignments_csv(self, path: str | None = None) -> str | None:
        """index, digit, x, y, cluster: one row per point of the K-means lab."""
        panel = self.window.kmeans_panel
        points, stepper = panel.points, panel.stepper
        if points is None:
            self.window.show_error("The K-means lab has no points yet: open its tab and "
                                   "wait for the codes to be computed.")
            return None
        path = path or self._ask_path("Export the K-means assignments as CSV",
                                      "kmeans_assignments.csv", "CSV files (*.csv)")
        if not path:
            return None
        path = _with_suffix(path, ".csv")
        clusters = (np.asarray(stepper.labels) if stepper is not None and stepper.is_assigned
                    else None)
        try:
            # The lab clusters the first n test digits, so row i is test digit i.
            exporting.write_assignments_csv(path, np.arange(points.n), points.labels,
                                            points.coords, clusters)
        except (OSError, ValueError) as exc:
            self.window.show_error(f"Could not write {path}: {exc}")
            return None
        note = "" if clusters is not None else " (no assignment yet: cluster column empty)"
        self._saved(path, note)
        return path

    # ------------------------------------------------------------ internals
    def _ask_path(self, title: str, default_name: str, file_filter: str) -> str | None:
        """The save dialog, in one place so tests can replace it."""
        folder = self.window.settings_store.last_folder("export")
        path, _ = QFileDialog.getSaveFileName(self.window, title,
                                              os.path.join(folder, default_name), file_filter)
        if path:
            self.window.settings_store.set_last_folder("export", os.path.dirname(path))
        return path or None

    def _action(self, name: str, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    def _fill_svg_menu(self) -> None:
        self.svg_menu.clear()
        plots = self.current_plots()
        if not plots:
            none = self.svg_menu.addAction("(no plot on this tab)")
            none.setEnabled(False)
        for i, (title, _plot) in enumerate(plots):
            action = self.svg_menu.addAction(f"{title}…")
            action.triggered.connect(lambda _checked=False, i=i: self.export_plot_svg(i))

    def _update_enabled(self) -> None:
        self.model_action.setEnabled(self.window.session.is_ready)
        self.csv_action.setEnabled(self.window.kmeans_panel.points is not None)
        self.svg_menu.setEnabled(bool(self.current_plots()))

    def _saved(self, path: str, note: str = "") -> None:
        self.window.statusBar().showMessage(f"Saved {path}{note}", 8000)


def write_svg(item, path: str, title: str = "") -> None:
    """A plot item as an SVG file, with pyqtgraph's own exporter when it works.

    pyqtgraph 0.14.0's SVGExporter fails on the closed paths ("... Z") that Qt 6
    writes for every ViewBox (pyqtgraph issue #3495, fixed after 0.14.0); then
    the item is drawn onto a QSvgGenerator in pyqtgraph's export mode, which
    draws scatter symbols as vector shapes, as ImageExporter does for PNGs.
    """
    from pyqtgraph.exporters import SVGExporter

    try:
        SVGExporter(item).export(path)
        return
    except (ValueError, IndexError) as exc:
        log.debug("pyqtgraph's SVGExporter failed (%s); drawing the SVG with Qt", exc)
    from pyqtgraph.exporters import Exporter
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    exporter = Exporter(item)
    source = QRectF(exporter.getSourceRect())
    target = QRectF(0, 0, source.width(), source.height())
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(round(target.width()), round(target.height())))
    generator.setViewBox(target)
    # Fonts are sized in points: at the generator's default 72 dpi they would
    # shrink against the geometry, which is in screen pixels.
    views = item.scene().views() if item.scene() is not None else []
    generator.setResolution(views[0].logicalDpiX() if views else 96)
    generator.setTitle(title)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"cannot write {path}")
    try:
        exporter.setExportMode(True, {"antialias": True, "background": "w",
                                      "painter": painter, "resolutionScale": 1.0})
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        exporter.getScene().render(painter, target, source)
    finally:
        exporter.setExportMode(False)
        painter.end()


def _with_suffix(path: str, suffix: str) -> str:
    return path if path.lower().endswith(suffix) else path + suffix


def _file_name(title: str, suffix: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_") + suffix
