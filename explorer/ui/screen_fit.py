"""The main window kept on its screen (a mixin of MainWindow).

A remembered size can be larger than today's screen (a laptop's settings
on a 1,024 x 640 projector). At the first show the window shrinks to the
screen's free area, leaving room for the frame the window manager will
add; once the frame is known (it arrives a few hundred ms later under a
real window manager) the window is shrunk and moved again so that the
whole frame, title bar included, is on the screen.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication


class ScreenFit:
    """For a QMainWindow: `_fit_to_screen` at the first show, then `_fit_frame_to_screen`."""

    def _fit_to_screen(self) -> None:
        """The remembered (or default 1,280 x 820) size, but never larger than the screen."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        room = screen.availableGeometry()
        # The frame is not known before the window manager has framed the
        # window: leave room for a title bar and borders where there is one
        # (_fit_frame_to_screen corrects it once it is known).
        framed = QGuiApplication.platformName() not in ("offscreen", "minimal")
        width = min(self.width(), room.width() - (16 if framed else 0))
        height = min(self.height(), room.height() - (48 if framed else 0))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)

    def _fit_frame_to_screen(self) -> None:
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        room, frame = screen.availableGeometry(), self.frameGeometry()
        extra_w = frame.width() - self.width()
        extra_h = frame.height() - self.height()
        width = min(self.width(), room.width() - extra_w)
        height = min(self.height(), room.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), room.x()), room.right() - frame.width() + 1)
        y = min(max(frame.y(), room.y()), room.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)
