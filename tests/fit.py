"""Checks that a window fits: every named control inside the window and not covered.

Shared by the offscreen tests (tests/ui/test_layout_fits.py) and the real X
server check (tests/xserver/), which runs `python tests/fit.py` on a screen
of its own: only a real window manager shows what a frame, full screen and
minimum sizes do.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The objectNames ../shared/design.md promises (the ones a build does not have are skipped,
# so features that land later are checked once they do), and the shell's own.
NAMED = (
    "architecture_combo", "epochs_spin", "batch_size_spin", "train_button", "stop_button",
    "loss_plot", "noise_slider", "recon_view", "latent_view", "kmeans_k_spin",
    "kmeans_assign_button", "kmeans_update_button", "kmeans_run_button", "kmeans_reset_button",
    "kmeans_objective", "latent_map", "decoded_view", "draw_canvas", "projection_combo",
    "timelapse_slider", "lesson_view", "lesson_next_button", "lesson_prev_button",
)
CONTROL_TYPES = ("QAbstractButton", "QAbstractSpinBox", "QComboBox", "QAbstractSlider",
                 "QLineEdit")


def tab_of(window, widget):
    """The index of the tab `widget` is on, or None for the dock and the window itself."""
    tabs = window.tabs
    w = widget
    while w is not None and w is not window:
        index = tabs.indexOf(w)
        if index >= 0:
            return index
        w = w.parentWidget()
    return None


def controls(window):
    """Every control worth checking: the design's names, and every named
    button, spin box, combo box and slider of the window."""
    from PySide6.QtWidgets import QWidget

    found = {}
    for w in window.findChildren(QWidget):
        name = w.objectName()
        if not name or name.startswith("qt_"):
            continue
        if name in NAMED or any(w.inherits(t) for t in CONTROL_TYPES):
            found.setdefault(name, w)
    return found


def problems_on_tab(window, index: int) -> list[str]:
    """What is wrong with the controls of tab `index` (and the dock's, if shown)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QApplication, QScrollArea

    window.tabs.setCurrentIndex(index)
    for _ in range(3):
        QApplication.processEvents()
    inside = window.rect()
    out = []
    for name, w in controls(window).items():
        where = tab_of(window, w)
        if where is not None and where != index:
            continue
        if where is None and w.window() is not window:
            continue
        if not w.isVisibleTo(window):
            if name in NAMED and (where == index or where is None) and _dock_shown(window, w):
                out.append(f"{name}: hidden")
            continue
        if not _dock_shown(window, w):
            continue
        for area in _scroll_areas_of(w):  # reachable by scrolling: bring it into view first
            area.ensureWidgetVisible(w, 0, 0)  # the innermost first, then the page
            QApplication.processEvents()
        top_left = w.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, w.size())
        if not inside.contains(rect):
            out.append(f"{name}: {_r(rect)} is not inside the window {_r(inside)}")
            continue
        centre = rect.center()
        hit = window.childAt(centre)
        if hit is not None and hit is not w and not w.isAncestorOf(hit):
            out.append(f"{name}: covered by {hit.objectName() or type(hit).__name__}")
        if isinstance(w, QScrollArea):
            continue
    return out


def _dock_shown(window, w) -> bool:
    """False for a control in a dock that is hidden (the model dock in presentation
    mode, the lesson dock until a lesson is opened): not on screen by design."""
    from PySide6.QtWidgets import QDockWidget

    return not any(dock.isAncestorOf(w) and not dock.isVisible()
                   for dock in window.findChildren(QDockWidget))


def _scroll_areas_of(w) -> list:
    """The scroll areas that hold w, innermost first (a scrolled column inside a
    scrolling page: both may have to move)."""
    from PySide6.QtWidgets import QScrollArea

    areas = []
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QScrollArea) and p.widget() is not None and p.widget().isAncestorOf(w):
            areas.append(p)
        p = p.parentWidget()
    return areas


def _r(rect) -> str:
    return f"{rect.x()},{rect.y()} {rect.width()}x{rect.height()}"


def all_problems(window) -> dict[str, list[str]]:
    return {window.tabs.tabText(i): problems_on_tab(window, i)
            for i in range(window.tabs.count())}


# -------------------------------------------------- on a real X server (xcb)
def main(mode: str, out_path: str) -> int:
    """Start the window on this DISPLAY, in `mode` ("normal" or "presentation"),
    check every tab, write a JSON report, quit."""
    os.environ.pop("QT_QPA_PLATFORM", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    window = MainWindow(dataset=load_embedded().subset(512, 200))
    window.session.guard.ask = None
    report: dict = {"mode": mode}

    def check() -> None:
        screen = window.screen().availableGeometry()
        frame = window.frameGeometry()
        report["screen"] = [screen.x(), screen.y(), screen.width(), screen.height()]
        report["frame"] = [frame.x(), frame.y(), frame.width(), frame.height()]
        report["frame_inside_screen"] = bool(screen.adjusted(-1, -1, 1, 1).contains(frame))
        report["problems"] = all_problems(window)
        if mode == "presentation" and hasattr(window, "toggle_dock_action"):
            window.toggle_dock_action.trigger()  # the dock on demand, over the tabs
            for _ in range(5):
                app.processEvents()
            report["dock_problems"] = problems_on_tab(window, 0)
        Path(out_path).write_text(json.dumps(report, indent=1))
        window.close()
        app.quit()

    def ready() -> None:
        if mode == "presentation":
            window.presentation_action.trigger()
        QTimer.singleShot(2500, check)  # the window manager places and sizes it

    window.session.backend_ready.connect(lambda: QTimer.singleShot(500, ready))
    window.show()
    QTimer.singleShot(150_000, app.quit)  # never hang a test run
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
