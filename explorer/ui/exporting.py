"""File > Export: what a lecturer takes away from a session.

The current tab as a PNG, one of its plots as SVG (for slides), the model as
a `.keras` file plain Keras opens, and the K-means assignments as CSV. The
file dialog is one method, `_ask_path`, so tests replace it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QTabWidget, QWidget

from explorer.services.features import ExportablePlot, FeatureView, FileExport

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session
    from explorer.ui.settings import WindowSettings

log = logging.getLogger(__name__)


class Exporter(QObject):
    """Builds the Export submenu and does the exports.

    What can be exported comes from the features' declarations: the plots of
    the tab in front (`exportable_plots`) and every feature's `file_exports`.
    """

    def __init__(self, window: QMainWindow, tabs: QTabWidget, session: Session,
                 settings_store: WindowSettings, features: Sequence[FeatureView],
                 show_error: Callable[[str], None]):
        super().__init__(window)
        self.window, self.tabs, self.session = window, tabs, session
        self.settings_store, self.features, self.show_error = settings_store, features, show_error
        self.menu = QMenu("&Export", window)
        self.menu.setObjectName("export_menu")
        self.view_action = self._action("export_view_action", "Current view as &PNG…",
                                        lambda: self.export_view_png(), "Ctrl+Shift+E")
        self.svg_menu = self.menu.addMenu("Plot as &SVG")
        self.svg_menu.setObjectName("export_svg_menu")
        self.svg_menu.aboutToShow.connect(self._fill_svg_menu)
        self.model_action = self._action("export_model_action", "Model as .&keras…",
                                         lambda: self.export_model_keras())
        self.file_actions: list[tuple[QAction, FileExport]] = []
        for feature in features:
            for export in feature.file_exports():
                action = self._action(export.name, export.text,
                                      lambda e=export: self.export_file(e))
                self.file_actions.append((action, export))
        self.menu.aboutToShow.connect(self._update_enabled)

    # ---------------------------------------------------------------- public
    def current_plots(self) -> list[tuple[str, pg.PlotWidget]]:
        """(title, plot widget) for the plots of the tab in front."""
        current = self.tabs.currentWidget()
        if not isinstance(current, FeatureView):
            return []
        plots: Sequence[ExportablePlot] = current.exportable_plots()
        return [(p.title, p.plot) for p in plots]

    def export_view_png(self, path: str | None = None) -> str | None:
        """The tab in front, exactly as on screen."""
        widget: QWidget = self.tabs.currentWidget()
        name = self.tabs.tabText(self.tabs.currentIndex())
        path = path or self._ask_path("Export the view as PNG", _file_name(name, ".png"),
                                      "PNG images (*.png)")
        if not path:
            return None
        path = _with_suffix(path, ".png")
        if not widget.grab().save(path, "PNG"):
            self.show_error(f"Could not write {path}: check the folder exists and "
                            "you may write to it.")
            return None
        self._saved(path)
        return path

    def export_plot_svg(self, index: int = 0, path: str | None = None) -> str | None:
        """Plot number `index` of the tab in front as an SVG file."""
        plots = self.current_plots()
        if not 0 <= index < len(plots):
            self.show_error("This tab has no plot to export as SVG; the "
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
            self.show_error(f"Could not export {title} as SVG: {exc}")
            return None
        self._saved(path)
        return path

    def export_model_keras(self, path: str | None = None,
                           on_saved: Callable[[Path], None] | None = None) -> bool:
        """The whole autoencoder as .keras (written on the model thread)."""
        session = self.session
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

    def export_file(self, export: FileExport, path: str | None = None) -> str | None:
        """One of the features' data exports (the K-means assignments as CSV, ...)."""
        if not export.available():
            self.show_error(export.unavailable_message)
            return None
        path = path or self._ask_path(export.title, export.default_name, export.file_filter)
        if not path:
            return None
        path = _with_suffix(path, export.suffix)
        try:
            note = export.write(path)
        except (OSError, ValueError) as exc:
            self.show_error(f"Could not write {path}: {exc}")
            return None
        self._saved(path, note or "")
        return path

    # ------------------------------------------------------------ internals
    def _ask_path(self, title: str, default_name: str, file_filter: str) -> str | None:
        """The save dialog, in one place so tests can replace it."""
        folder = self.settings_store.last_folder("export")
        path, _ = QFileDialog.getSaveFileName(self.window, title,
                                              os.path.join(folder, default_name), file_filter)
        if path:
            self.settings_store.set_last_folder("export", os.path.dirname(path))
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
        self.model_action.setEnabled(self.session.is_ready)
        for action, export in self.file_actions:
            action.setEnabled(export.available())
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
