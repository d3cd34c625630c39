"""Screenshots of every tab on a real X screen, for looking at (not a test).

    ../shared/tools/at-screen 1280x720 /tmp/unused.png 200 -- \\
        python tests/xserver/screens.py OUT_DIR [--presentation] [--notes] [--lesson 1,7,12]

opens the window (shipped weights, the embedded sample, no user settings)
on the DISPLAY it is given, waits for the model, steps the K-means lab
three iterations, and saves the whole screen (window frame included) once
per tab as OUT_DIR/<n>-<tab>.png; then quits. --notes opens each tab's
"What am I looking at?" note before its picture. With --lesson, instead of
the tabs: the built-in homework lesson's steps given (1-based), each once its
reconstructions and figures are in, as OUT_DIR/lesson-<n>.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--presentation", action="store_true")
    parser.add_argument("--arch", default="simple")
    parser.add_argument("--notes", action="store_true", help="open every tab's note")
    parser.add_argument("--lesson", default="", help="homework steps to shoot, e.g. 1,7,12")
    args = parser.parse_args()
    os.environ.pop("QT_QPA_PLATFORM", None)
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(dataset=load_embedded(), arch_id=args.arch, settings=settings)
        window.session.guard.ask = None
        window.show()
        wait(app, lambda: window.session.is_ready, 180)
        lab = window.kmeans_panel
        wait(app, lambda: lab.points is not None and lab.stepper is not None, 120)
        for _ in range(3):
            lab.step()
        if args.presentation:
            window.presentation_action.trigger()
        wait(app, lambda: False, 2.0)
        if args.lesson:
            shoot_lesson(app, window, [int(n) for n in args.lesson.split(",")], args.out)
            window.close()
            return 0
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            if args.notes and not window.tabs.about_button.isChecked():
                window.tabs.toggle_note()
            wait(app, lambda: False, 1.5)
            name = window.tabs.tabText(i).lower().replace(" ", "-")
            shot = window.screen().grabWindow(0)
            shot.save(str(args.out / f"{i}-{name}.png"), "PNG")
            print(f"saved {args.out / f'{i}-{name}.png'}", flush=True)
        window.close()
    return 0


def shoot_lesson(app, window, steps: list[int], out: Path) -> None:
    from explorer.core.lesson_file import builtin_lessons

    window.open_lesson(str(builtin_lessons()[0]))
    player = window.lesson_dock.player
    for n in steps:
        player.go(n - 1)
        wait(app, lambda: not window.session.is_busy, 60)
        wait(app, lambda: all(r.live is not None for r in player.rows), 60)
        if player.step.train is not None:  # its time on this machine, once timed
            wait(app, lambda: "about" in player.train_note, 30)
        wait(app, lambda: False, 2.5)  # the tab's own views (codes, K-means points)
        shot = window.screen().grabWindow(0)
        shot.save(str(out / f"lesson-{n}.png"), "PNG")
        print(f"saved {out / f'lesson-{n}.png'}", flush=True)


def wait(app, done, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
