"""Lecture mode: full screen, big type, high contrast.

Presentation mode scales what a projector at the back of a lecture hall
needs scaled: the application font (every widget without a font of its own
follows it), the widgets that do have a font of their own, the pyqtgraph
plots (tick and label fonts, legend text, marker sizes, line widths) and the
fixed widget sizes laid out for the normal font. It then sets a black-on-white
palette with strong accents (the plots are white already).

Leaving it must put everything back exactly, while the panels keep drawing
in between (a training run adds curves, the K-means lab re-colours its
points). So every change is recorded with the value it replaced and the value
it set; putting back restores the old value only where the item still holds
the value set here: what a panel replaced since is already the panel's own,
unscaled choice. Items that appear during the lecture (the curves of a new
run, the numbers of a new confusion table) are picked up by a light rescan
every `RESCAN_MS`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QWidget

log = logging.getLogger(__name__)

SCALES = (1.25, 1.5, 1.75, 2.0)
DEFAULT_SCALE = 1.5
RESCAN_MS = 750
_QWIDGETSIZE_MAX = (1 << 24) - 1
_SIZE_RESOLVED = 0x2  # QFont::SizeResolved (the enum is not exposed by PySide6)


def clamp_scale(value: Any) -> float:
    """A usable scale factor from whatever a settings file holds."""
    try:
        scale = float(value)
    except (TypeError, ValueError):
        return DEFAULT_SCALE
    return min(max(scale, 1.0), 3.0) if scale == scale else DEFAULT_SCALE


def high_contrast_palette() -> QPalette:
    """Black on white, with saturated blue and red accents that survive a projector."""
    black, white = QColor(0, 0, 0), QColor(255, 255, 255)
    accent = QColor(0, 51, 204)
    p = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in ((QPalette.ColorRole.Window, white),
                             (QPalette.ColorRole.WindowText, black),
                             (QPalette.ColorRole.Base, white),
                             (QPalette.ColorRole.AlternateBase, QColor(232, 232, 232)),
                             (QPalette.ColorRole.Text, black),
                             (QPalette.ColorRole.Button, QColor(242, 242, 242)),
                             (QPalette.ColorRole.ButtonText, black),
                             (QPalette.ColorRole.BrightText, QColor(204, 0, 0)),
                             (QPalette.ColorRole.Highlight, accent),
                             (QPalette.ColorRole.HighlightedText, white),
                             (QPalette.ColorRole.Link, accent),
                             (QPalette.ColorRole.ToolTipBase, QColor(255, 255, 200)),
                             (QPalette.ColorRole.ToolTipText, black),
                             (QPalette.ColorRole.PlaceholderText, QColor(80, 80, 80)),
                             (QPalette.ColorRole.Light, white),
                             (QPalette.ColorRole.Mid, QColor(110, 110, 110)),
                             (QPalette.ColorRole.Dark, QColor(60, 60, 60)),
                             (QPalette.ColorRole.Shadow, black)):
            p.setColor(group, role, colour)
    grey = QColor(105, 105, 105)  # disabled, but still readable from the back row
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, grey)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor(245, 245, 245))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(235, 235, 235))
    return p


def scaled_font(font: QFont, factor: float) -> QFont:
    out = QFont(font)
    if font.pointSizeF() > 0:
        out.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:
        out.setPixelSize(max(1, round(font.pixelSize() * factor)))
    return out


# ------------------------------------------------------------ the recorder
@dataclass
class _Change:
    target: weakref.ref[Any]
    put: Callable[[Any, Any], None]
    get: Callable[[Any], Any]
    original: Any
    applied: Any


def _same(a: Any, b: Any) -> bool:
    try:
        return a is b or bool(a == b)
    except Exception:  # noqa: BLE001 - exotic values compare as different
        return False


class _Recorder:
    """Applies scaled values and remembers what to put back."""

    def __init__(self) -> None:
        self.changes: dict[tuple[int, str], _Change] = {}

    def scale(self, target: Any, aspect: str, get: Callable[[Any], Any],
              put: Callable[[Any, Any], None], make: Callable[[Any], Any]) -> None:
        key = (id(target), aspect)
        change = self.changes.get(key)
        try:
            current = get(target)
            if change is not None and change.target() is target and _same(current,
                                                                          change.applied):
                return  # still as scaled here
            new = make(current)
            if new is None:
                return
            put(target, new)
            self.changes[key] = _Change(weakref.ref(target), put, get, current, get(target))
        except (RuntimeError, TypeError, ReferenceError):  # deleted C++ object
            self.changes.pop(key, None)

    def restore(self) -> None:
        for change in reversed(list(self.changes.values())):
            target = change.target()
            if target is None:
                continue
            try:
                if _same(change.get(target), change.applied):
                    change.put(target, change.original)
            except (RuntimeError, TypeError, ReferenceError):
                continue
        self.changes.clear()


# ------------------------------------------------------ presentation mode
class PresentationMode(QObject):
    """Toggles lecture mode on a main window; `toggled(bool)` after each switch."""

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, scale: float = DEFAULT_SCALE):
        super().__init__(window)
        self.window = window
        self.scale = clamp_scale(scale)
        self.is_active = False
        self._recorder = _Recorder()
        self._saved_state = Qt.WindowState.WindowNoState
        self._saved_geometry: QRect | None = None
        self._app_font: QFont | None = None
        self._app_palette: QPalette | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(RESCAN_MS)
        self._timer.timeout.connect(self.rescan)

    # ---------------------------------------------------------------- public
    def set_active(self, active: bool) -> None:
        if active and not self.is_active:
            self._enter()
        elif not active and self.is_active:
            self._leave()

    def set_scale(self, scale: float) -> None:
        """A new factor; applied at once when the mode is on."""
        scale = clamp_scale(scale)
        if scale == self.scale:
            return
        self.scale = scale
        if self.is_active:
            self._unstyle()
            self._style()

    def rescan(self) -> None:
        """Scale what appeared since the last look (new curves, new labels)."""
        if self.is_active:
            self._style_items()

    # --------------------------------------------------------------- switching
    def _enter(self) -> None:
        w = self.window
        self._saved_state = w.windowState()
        self._saved_geometry = w.geometry()  # a QRect: restoreGeometry() would clamp it
        self.is_active = True
        self._style()
        w.showFullScreen()
        self._timer.start()
        self.toggled.emit(True)

    def _leave(self) -> None:
        self._timer.stop()
        self._unstyle()
        self.is_active = False
        # Let the layouts shrink back first: the window's minimum size is still
        # the large one until they run, and it would clamp the old geometry.
        QApplication.sendPostedEvents()
        w, state = self.window, self._saved_state
        if state & Qt.WindowState.WindowFullScreen:
            w.showFullScreen()
        elif state & Qt.WindowState.WindowMaximized:
            w.showMaximized()
        else:
            w.showNormal()
            if self._saved_geometry is not None:
                w.setGeometry(self._saved_geometry)
        if state & Qt.WindowState.WindowMinimized:
            w.setWindowState(w.windowState() | Qt.WindowState.WindowMinimized)
        self.toggled.emit(False)

    def _style(self) -> None:
        app = QApplication.instance()
        self._app_font = QFont(app.font())
        self._app_palette = QPalette(app.palette())
        app.setFont(scaled_font(self._app_font, self.scale))
        app.setPalette(high_contrast_palette())
        self._repolish_style_sheets()
        self._style_items()

    def _unstyle(self) -> None:
        self._recorder.restore()
        app = QApplication.instance()
        if self._app_font is not None:
            app.setFont(self._app_font)
        if self._app_palette is not None:
            app.setPalette(self._app_palette)
        self._app_font = self._app_palette = None
        self._repolish_style_sheets()

    def _repolish_style_sheets(self) -> None:
        """Widgets with a style sheet of their own (a coloured status line) keep the
        font they were polished with; setting the sheet again re-reads the new one."""
        for w in self.window.findChildren(QWidget):
            if w.styleSheet():
                w.setStyleSheet(w.styleSheet())

    # ------------------------------------------------------------- scaling
    def _style_items(self) -> None:
        f, rec = self.scale, self._recorder
        for widget in self.window.findChildren(QWidget):
            self._style_widget(widget, f, rec)
        for view in self.window.findChildren(pg.GraphicsView):
            scene = view.scene()
            if scene is None:
                continue
            for item in scene.items():
                self._style_graphics_item(item, f, rec)

    def _style_widget(self, w: QWidget, f: float, rec: _Recorder) -> None:
        if w.isWindow() or w.objectName().startswith("qt_"):
            return  # Qt's own parts size themselves
        # Fonts a widget set itself (a bold status line, a smaller table) do not
        # follow the application font: scale their size, if they set one.
        if w.testAttribute(Qt.WidgetAttribute.WA_SetFont) and \
                w.font().resolveMask() & _SIZE_RESOLVED:
            rec.scale(w, "font", lambda o: QFont(o.font()), lambda o, v: o.setFont(v),
                      lambda v: scaled_font(v, f))
        if isinstance(w, QDockWidget):
            # Qt paints the default title in the font it had when the dock was
            # made; a title widget of our own follows the new one.
            rec.scale(w, "title", lambda o: o.titleBarWidget(), _put_dock_title,
                      lambda v: _dock_title(w) if v is None else None)
            return  # its layout manages the dock's limits
        # Sizes fixed in pixels for the normal font would clip the large one.
        for aspect, get, put in (
                ("min_w", QWidget.minimumWidth, QWidget.setMinimumWidth),
                ("max_w", QWidget.maximumWidth, QWidget.setMaximumWidth),
                ("min_h", QWidget.minimumHeight, QWidget.setMinimumHeight),
                ("max_h", QWidget.maximumHeight, QWidget.setMaximumHeight)):
            rec.scale(w, aspect, get, put,
                      lambda v: round(v * f) if 0 < v < _QWIDGETSIZE_MAX else None)

    def _style_graphics_item(self, item: Any, f: float, rec: _Recorder) -> None:
        base = self._app_font or QApplication.instance().font()
        if isinstance(item, pg.AxisItem):
            rec.scale(item, "tick_font", lambda o: o.style.get("tickFont"), _put_tick_font,
                      lambda v: scaled_font(v if v is not None else base, f))
            if item.labelText:
                rec.scale(item, "label_font", lambda o: QFont(o.label.font()),
                          _put_label_font, lambda v: scaled_font(v, f))
            rec.scale(item, "look", _axis_look, _put_axis_look,
                      lambda v: (pg.mkPen("k"), pg.mkPen("k", width=max(1.0, v[1].widthF()) * f),
                                 "#000000"))
        elif isinstance(item, pg.LegendItem):
            rec.scale(item, "legend_size", lambda o: o.opts["labelTextSize"],
                      _put_legend_size, lambda v: _bigger_css_size(v, f))
        elif isinstance(item, pg.TextItem):
            rec.scale(item, "font", lambda o: QFont(o.textItem.font()),
                      lambda o, v: o.setFont(v), lambda v: scaled_font(v, f))
        elif isinstance(item, pg.PlotDataItem):
            rec.scale(item, "pen", lambda o: o.opts["pen"], lambda o, v: o.setPen(v),
                      lambda v: _wider_pen(v, f))
            if item.opts.get("symbol") is not None:
                rec.scale(item, "symbol_size", lambda o: o.opts["symbolSize"],
                          lambda o, v: o.setSymbolSize(v),
                          lambda v: v * f if isinstance(v, (int, float)) else None)
        elif isinstance(item, pg.ScatterPlotItem):
            # A PlotDataItem's own scatter is sized through its symbolSize above.
            if isinstance(item.parentItem(), pg.PlotDataItem) or not item.opts.get("pxMode"):
                return
            rec.scale(item, "size", lambda o: o.opts["size"], lambda o, v: o.setSize(v),
                      lambda v: v * f if isinstance(v, (int, float)) else None)


def _dock_title(dock: QDockWidget) -> QLabel:
    label = QLabel(dock.windowTitle())
    label.setObjectName("presentation_dock_title")
    label.setContentsMargins(6, 4, 6, 4)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _put_dock_title(dock: QDockWidget, title: QWidget | None) -> None:
    old = dock.titleBarWidget()
    dock.setTitleBarWidget(title)
    if old is not None and old is not title and old.objectName() == "presentation_dock_title":
        old.deleteLater()


def _axis_look(axis: pg.AxisItem) -> tuple:
    """Text pen, axis pen and label colour together: each pen setter also
    rewrites the label colour, so they are only restorable as one."""
    return axis.textPen(), axis.pen(), axis.labelStyle.get("color")


def _put_axis_look(axis: pg.AxisItem, look: tuple) -> None:
    text_pen, pen, colour = look
    axis.setTextPen(text_pen)
    axis.setPen(pen)
    if colour is None:
        axis.labelStyle.pop("color", None)
    else:
        axis.labelStyle["color"] = colour
    axis._updateLabel()


def _put_tick_font(axis: pg.AxisItem, font: QFont | None) -> None:
    # The space kept for tick text only grows by itself: start it afresh, at
    # pyqtgraph's initial values, and the next paint sizes it to the new font.
    axis.textWidth, axis.textHeight = 30, 18
    axis.setTickFont(font)
    axis._updateWidth() if axis.orientation in ("left", "right") else axis._updateHeight()


def _put_label_font(axis: pg.AxisItem, font: QFont) -> None:
    axis.label.setFont(font)
    axis._updateLabel()  # pyqtgraph's own refresh: re-lays the axis out for the new size


def _bigger_css_size(size: Any, f: float) -> str | None:
    text = str(size or "").strip()
    for unit in ("pt", "px"):
        if text.endswith(unit):
            try:
                return f"{float(text[:-len(unit)]) * f:g}{unit}"
            except ValueError:
                return None
    return None


def _put_legend_size(legend: pg.LegendItem, size: str) -> None:
    legend.setLabelTextSize(size)
    for _sample, label in legend.items:
        label.setText(label.text)  # setLabelTextSize alone does not re-render
    # Shrink to the new labels: the layout only grows its items by itself.
    legend.setGeometry(0, 0, 0, 0)
    legend.layout.activate()
    legend.updateSize()


def _wider_pen(pen: Any, f: float):
    if pen is None:
        return None
    pen = pg.mkPen(pen)
    if pen.style() == Qt.PenStyle.NoPen:
        return None
    pen.setWidthF(max(1.0, pen.widthF()) * f)
    return pen
