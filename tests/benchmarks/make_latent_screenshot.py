"""Make resources/screenshot-latent-space.png: the Latent space tab with a drawn digit and a path.

Run by hand after a visible change: ``python tests/benchmarks/make_latent_screenshot.py``.
It opens the real window (shipped weights, the embedded sample, no user
settings) at 1280x720, draws a 7 on the canvas with mouse events,
interpolates between a shown 4 and a shown 1 (their path drawn on the map, one step
of it marked), and grabs the window. ``--page interpolate`` shows the
Interpolate page instead of the drawing's; ``--grid`` turns the decoder grid on.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "screenshot-latent-space.png"
SIZE = (1280, 720)
PAGES = {"draw": 0, "interpolate": 1, "sliders": 2}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--arch", default="simple")
    parser.add_argument("--page", choices=sorted(PAGES), default="draw")
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    import numpy as np
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(dataset=load_embedded(), arch_id=args.arch, settings=settings)
        window.resize(*SIZE)
        window.show()
        wait_for(app, lambda: window.session.is_ready, "the model")
        tab = window.latent_space_panel
        window.tabs.setCurrentWidget(tab)
        wait_for(app, lambda: tab.lab.latent_map is not None, "the map")
        canvas = tab.draw_canvas
        # a 7: the bar, then the stem
        stroke = [(0.25, 0.22), (0.5, 0.2), (0.75, 0.22), (0.62, 0.45), (0.52, 0.65), (0.45, 0.82)]
        pts = [QPoint(int(x * canvas.width()), int(y * canvas.height())) for x, y in stroke]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for a, b in zip(pts, pts[1:], strict=False):
            for t in np.linspace(0, 1, 6)[1:]:
                QTest.mouseMove(canvas, QPoint(int(a.x() + t * (b.x() - a.x())),
                                               int(a.y() + t * (b.y() - a.y()))))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
        wait_for(app, lambda: tab.lab.drawing is not None
                 and np.array_equal(tab.lab.picture, canvas.picture()), "the drawing")
        shown = window.session.selection.indices
        labels = window.session.dataset.y_test[shown]
        a = int(shown[int(np.flatnonzero(labels == 4)[0])]) if (labels == 4).any() else int(shown[0])
        b = int(shown[int(np.flatnonzero(labels == 1)[0])]) if (labels == 1).any() else int(shown[1])
        tab.interpolation.set_endpoint("a", a)
        tab.interpolation.set_endpoint("b", b)
        wait_for(app, lambda: tab.interpolation.result is not None, "the interpolation")
        tab.pages.setCurrentIndex(PAGES[args.page])
        if args.page != "draw":
            tab.interpolation.show_frame(tab.interpolation.result.steps // 2)
        if args.grid:
            tab.grid_check.setChecked(True)
            wait_for(app, lambda: tab.map_plot.grid_image.isVisible(), "the grid")
        wait_for(app, lambda: False, "", seconds=1.0)  # let every view paint
        image = window.grab()
        window.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(args.out), "PNG"):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({image.width()}x{image.height()}, {args.out.stat().st_size:,} bytes)")
    return 0


def wait_for(app, done, what: str, seconds: float = 120.0) -> None:
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            if what:
                raise SystemExit(f"gave up waiting for {what}")
            return
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
