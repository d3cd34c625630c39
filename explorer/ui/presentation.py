"""Lecture mode: full screen, large type sized to the screen, high contrast.

Presentation mode changes a handful of things, each through one public
call, and puts each back on leaving: the window goes full screen; the
application font grows by the scale (every widget's text follows it, and
widgets with a font of their own follow it through widgets.theme); the
plots are zoomed by the same factor (widgets.theme.PlotZoom: fonts, pens,
markers and legends alike, including curves added during the lecture); the
palette turns black on white; and the model dock steps aside to give the
tabs the width (F9 brings it back). Esc leaves.

The scale fits the screen unless the lecturer chose one (View >
Presentation scale): a 1,280 x 720 projector gets 1.25, a 1,920 x 1,080
one about 1.9, so the window is laid out as on a 1,000 x 576 screen and
every control of every tab stays on it.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from explorer.widgets.theme import PlotZoom

log = logging.getLogger(__name__)

AUTO = 0.0  # the scale setting that means "fit the screen"
SCALES = (1.25, 1.5, 1.75, 2.0)
DEFAULT_SCALE = AUTO
# The layout every tab is made to fit at scale 1 with the dock aside: the
# automatic scale makes the screen look this size.
FIT_WIDTH, FIT_HEIGHT = 1000, 576
MIN_SCALE, MAX_SCALE = 1.0, 3.0


def clamp_scale(value: Any) -> float:
    """A usable scale setting from whatever a settings file holds (AUTO or 1..3)."""
    try:
        scale = float(value)
    except (TypeError, ValueError):
        return DEFAULT_SCALE
    if scale != scale or scale == AUTO:  # NaN, or automatic
        return AUTO if scale == AUTO else DEFAULT_SCALE
    return min(max(scale, MIN_SCALE), MAX_SCALE)


def fitting_scale(width: int, height: int) -> float:
    """The largest scale at which a FIT_WIDTH x FIT_HEIGHT layout fills the screen."""
    scale = min(width / FIT_WIDTH, height / FIT_HEIGHT)
    return round(min(max(scale, MIN_SCALE), MAX_SCALE), 2)


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


class PresentationMode(QObject):
    """Toggles lecture mode on a main window; `toggled(bool)` after each switch.

    `scale_setting` is what the lecturer chose (AUTO: fit the screen);
    `scale` is the factor in use, or that would be used now.
    """

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, scale: float = DEFAULT_SCALE,
                 docks: tuple[QWidget, ...] = ()):
        super().__init__(window)
        self.window = window
        self.scale_setting = clamp_scale(scale)
        self.is_active = False
        self.docks = docks
        self._zoom = PlotZoom(window)
        self._applied = 1.0
        self._saved_state = Qt.WindowState.WindowNoState
        self._saved_geometry: QRect | None = None
        self._app_font: QFont | None = None
        self._app_palette: QPalette | None = None
        self._docks_shown: list[tuple[QWidget, bool]] = []

    @property
    def scale(self) -> float:
        if self.is_active:
            return self._applied
        return self._effective_scale()

    def _effective_scale(self) -> float:
        if self.scale_setting != AUTO:
            return self.scale_setting
        screen = self.window.screen() or QApplication.primaryScreen()
        size = screen.size() if screen is not None else None
        return fitting_scale(size.width(), size.height()) if size is not None else 1.25

    # ---------------------------------------------------------------- public
    def set_active(self, active: bool) -> None:
        if active and not self.is_active:
            self._enter()
        elif not active and self.is_active:
            self._leave()

    def set_scale(self, scale: float) -> None:
        """A new setting (AUTO: fit the screen); applied at once when the mode is on."""
        self.scale_setting = clamp_scale(scale)
        if self.is_active:
            self._style(self._effective_scale())

    # --------------------------------------------------------------- switching
    def _enter(self) -> None:
        w = self.window
        self._saved_state = w.windowState()
        self._saved_geometry = w.geometry()  # a QRect: restoreGeometry() would clamp it
        self.is_active = True
        app = QApplication.instance()
        self._app_font = QFont(app.font())
        self._app_palette = QPalette(app.palette())
        app.setPalette(high_contrast_palette())
        self._docks_shown = [(d, d.isVisible()) for d in self.docks]
        for dock in self.docks:
            dock.hide()  # the tabs get the width; F9 brings the dock back
        w.showFullScreen()
        self._style(self._effective_scale())
        self.toggled.emit(True)

    def _leave(self) -> None:
        app = QApplication.instance()
        self._zoom.set_factor(1.0)
        if self._app_font is not None:
            app.setFont(self._app_font)
        if self._app_palette is not None:
            app.setPalette(self._app_palette)
        self._app_font = self._app_palette = None
        self._applied = 1.0
        self.is_active = False
        for dock, shown in self._docks_shown:
            dock.setVisible(shown)
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

    def _style(self, factor: float) -> None:
        self._applied = factor
        self._zoom.set_factor(factor, self._app_font)
        QApplication.instance().setFont(scaled_font(self._app_font, factor))
