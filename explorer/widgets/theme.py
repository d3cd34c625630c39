"""One style mechanism for every mode: fonts relative to the application's, plots zoomed whole.

Presentation mode makes everything larger by setting two things only: the
application font (every widget's text follows it) and a zoom factor for the
plots. Both are public Qt and pyqtgraph calls, and neither needs a rescan:

* A widget whose text is larger or smaller than the rest (a bold status
  line, a small table) asks for `relative_font(widget, factor)`: its font is
  derived from the application font now and again whenever that changes
  (Qt tells every widget with QEvent.ApplicationFontChange).
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
    follower = _followers.get(widget)
    if follower is None:
        follower = _followers[widget] = _FontFollower(widget, factor, bold)
        widget.installEventFilter(follower)
    follower.factor, follower.bold = factor, bold
    follower.apply()


_followers: weakref.WeakKeyDictionary[QWidget, _FontFollower] = weakref.WeakKeyDictionary()


class _FontFollower(QObject):
    def __init__(self, widget: QWidget, factor: float, bold: bool | None):
        super().__init__(widget)
        self.factor, self.bold = factor, bold

    def apply(self) -> None:
        widget = self.parent()
        font = QFont(QApplication.font(widget))
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * self.factor)
        elif font.pixelSize() > 0:
            font.setPixelSize(max(1, round(font.pixelSize() * self.factor)))
        if self.bold is not None:
            font.setBold(self.bold)
        widget.setFont(font)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ApplicationFontChange:
            self.apply()
        return False


# ----------------------------------------------------------------- plots
class PlotZoom(QObject):
    """Zooms every plot of a window by one factor; 1.0 puts them back."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.factor = 1.0
        self._views: weakref.WeakSet[pg.GraphicsView] = weakref.WeakSet()

    def set_factor(self, factor: float) -> None:
        self.factor = float(factor)
        for view in self.window.findChildren(pg.GraphicsView):
            if view not in self._views:
                self._views.add(view)
                view.installEventFilter(self)
            self._apply(view)

    def _apply(self, view: pg.GraphicsView) -> None:
        w, h = max(view.width(), 1), max(view.height(), 1)
        if self.factor == 1.0:
            # pyqtgraph's own mode: one scene unit per screen pixel, following resizes.
            view.autoPixelRange = True
            view.setRange(QRectF(0, 0, w, h), padding=0, disableAutoPixel=False)
        else:
            view.setRange(QRectF(0, 0, w / self.factor, h / self.factor), padding=0,
                          disableAutoPixel=True)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and self.factor != 1.0:
            size = event.size()
            # Before the view's own resizeEvent, which then fits this range to its new size.
            obj.setRange(QRectF(0, 0, max(size.width(), 1) / self.factor,
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
