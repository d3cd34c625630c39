"""One style mechanism for every mode: fonts relative to the application's, plots zoomed whole.

Presentation mode makes everything larger by setting two things only: the
application font (every widget's text follows it) and a zoom factor for the
plots. Both are public Qt and pyqtgraph calls, and neither needs a rescan:

* A widget whose text is larger or smaller than the rest (a bold status
  line, a small table) asks for `relative_font(widget, factor)`: its font is
  derived from the application font now and again whenever that changes
  (the application's fontChanged signal).
* A plot (any pyqtgraph GraphicsView) is zoomed by showing a smaller part of
  its scene across the whole widget (`GraphicsView.setRange`): fonts, pens,
  markers, legends and images all grow by the same factor, as they would on
  a screen with larger pixels, and so do items added later. `zoom_plots`
  sets it for a window's plots and keeps it through resizes.
"""

from __future__ import annotations

import weakref

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget


def relative_font(widget: QWidget, factor: float = 1.0, bold: bool | None = None) -> None:
    """Give `widget` the application font times `factor` (and bold), now and
    whenever the application font changes. Calling it again changes the rule."""
    rule = _rules.get(widget)
    if rule is None:
        rule = _rules[widget] = _FontRule(factor, bold)
        _watch_application_font()
    rule.factor, rule.bold = factor, bold
    rule.apply(widget)


class _FontRule:
    def __init__(self, factor: float, bold: bool | None):
        self.factor, self.bold = factor, bold

    def apply(self, widget: QWidget) -> None:
        font = QFont(QApplication.font(widget))
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * self.factor)
        elif font.pixelSize() > 0:
            font.setPixelSize(max(1, round(font.pixelSize() * self.factor)))
        if self.bold is not None:
            font.setBold(self.bold)
        widget.setFont(font)


_rules: weakref.WeakKeyDictionary[QWidget, _FontRule] = weakref.WeakKeyDictionary()


def _reapply_all(_font: QFont) -> None:
    for widget, rule in list(_rules.items()):
        try:
            rule.apply(widget)
        except RuntimeError:  # its C++ object is gone
            _rules.pop(widget, None)


_watching = False


def _watch_application_font() -> None:
    """QApplication.setFont tells top-level windows only (ApplicationFontChange),
    and a widget with a font of its own never hears of it: the application's
    fontChanged signal re-derives every such font."""
    global _watching
    app = QApplication.instance()
    if not _watching and app is not None:
        app.fontChanged.connect(_reapply_all)
        _watching = True


# ----------------------------------------------------------------- plots
class PlotZoom(QObject):
    """Zooms every plot of a window by one factor; 1.0 puts them back."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.factor = 1.0
        self._views: weakref.WeakSet[pg.GraphicsView] = weakref.WeakSet()

    def set_factor(self, factor: float, base_font: QFont | None = None) -> None:
        """Zoom by `factor`; `base_font` is the application font before it was
        scaled: the plots keep it, since the zoom already enlarges their text."""
        self.factor = float(factor)
        for view in self.window.findChildren(pg.GraphicsView):
            if view not in self._views:
                self._views.add(view)
                view.installEventFilter(self)
            self._apply(view, base_font)

    def _apply(self, view: pg.GraphicsView, base_font: QFont | None) -> None:
        # Text drawn in a plot takes the view's (and its scene's) font, which
        # follows the application font: hold it at the unscaled size, or the
        # zoom would scale it twice. QFont() inherits again.
        font = QFont()
        if self.factor != 1.0 and base_font is not None:
            font = QFont(base_font)
            # Resolved explicitly: a copy of the application font resolves
            # nothing, and would follow the application font again.
            if base_font.pointSizeF() > 0:
                font.setPointSizeF(base_font.pointSizeF())
            else:
                font.setPixelSize(base_font.pixelSize())
            font.setFamilies(base_font.families())
        view.setFont(font)
        scene = view.scene()
        if scene is not None:
            scene.setFont(font)
            # Axes draw their numbers into a picture in the application font
            # unless given one (AxisItem.setStyle, public): give them the same.
            tick_font = font if self.factor != 1.0 and base_font is not None else None
            for item in scene.items():
                if isinstance(item, pg.AxisItem):
                    item.setStyle(tickFont=tick_font)
        w, h = max(view.width(), 1), max(view.height(), 1)
        # GraphicsView's own setRange: PlotWidget redefines setRange as the
        # plot's data range (pyqtgraph's resizeEvent calls it the same way).
        if self.factor == 1.0:
            # pyqtgraph's own mode: one scene unit per screen pixel, following resizes.
            view.autoPixelRange = True
            pg.GraphicsView.setRange(view, QRectF(0, 0, w, h), padding=0, disableAutoPixel=False)
        else:
            pg.GraphicsView.setRange(view, QRectF(0, 0, w / self.factor, h / self.factor),
                                     padding=0, disableAutoPixel=True)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and self.factor != 1.0:
            size = event.size()
            # Before the view's own resizeEvent, which then fits this range to its new size.
            pg.GraphicsView.setRange(obj, QRectF(0, 0, max(size.width(), 1) / self.factor,
                                                 max(size.height(), 1) / self.factor),
                                     padding=0, disableAutoPixel=True)
        return False


def text_colour(widget: QWidget, colour: str | None) -> None:
    """Colour a widget's text through its palette (None: the palette's own again).

    Not a style sheet: a widget with a style sheet keeps the font it was
    polished with when the application font changes (presentation mode).
    """
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette(widget.palette())
    reference = QApplication.palette(widget)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, QColor(colour) if colour else reference.color(role))
    widget.setPalette(palette)
