"""Screenshots of the projections and the time-lapse on a real X screen, for looking at (not a test).

    ../shared/tools/at-screen 1280x720 /tmp/unused.png 400 -- \\
        python tests/xserver/projection_screens.py OUT_DIR [--presentation]

opens the window (shipped simple weights, the embedded sample), and saves:
the Latent space tab and the K-means lab with PCA and then t-SNE (with "what
this map keeps" under each), the K-means lab's "Full code vs map" page, a
t-SNE frame caught mid-optimisation, and the Time-lapse tab at its first,
middle and last epochs; then quits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "xserver"))

from screens import wait  # noqa: E402 - after the path that finds it


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--presentation", action="store_true")
    args = parser.parse_args()
    os.environ.pop("QT_QPA_PLATFORM", None)
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        wait(app, lambda: False, 1.0)
        window.screen().grabWindow(0).save(str(out / f"{name}.png"), "PNG")
        print(f"saved {out / f'{name}.png'}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(dataset=load_embedded(), arch_id="simple", settings=settings)
        window.session.guard.ask = None
        window.show()
        wait(app, lambda: window.session.is_ready, 180)
        if args.presentation:
            window.presentation_action.trigger()
        space, lab = window.latent_space_panel, window.kmeans_panel
        window.tabs.setCurrentWidget(space)
        wait(app, lambda: space.quality_view.quality is not None, 120)
        shot("latent-pca")
        frames = []
        space.lab.map.frame_shown.connect(frames.append)
        space.projection_controls.select("tsne")
        wait(app, lambda: len(frames) >= 3, 120)
        shot("latent-tsne-animating")
        wait(app, lambda: space.lab.latent_map.method == "tsne"
             and space.quality_view.quality is not None
             and space.quality_view.quality.method == "tsne", 300)
        shot("latent-tsne")

        window.tabs.setCurrentWidget(lab)
        wait(app, lambda: lab.points is not None and lab.quality_view.quality is not None, 120)
        for _ in range(3):
            lab.step()
        shot("kmeans-pca")
        lab.bottom_pages.setCurrentIndex(1)
        wait(app, lambda: lab.map_binding.comparison.result is not None, 120)
        shot("kmeans-pca-full-vs-map")
        lab.projection_controls.select("tsne")
        wait(app, lambda: type(lab.points).__name__ == "MappedPointSet"
             and lab.quality_view.quality is not None
             and lab.quality_view.quality.method == "tsne", 300)
        wait(app, lambda: lab.map_binding.comparison.points is lab.points, 120)
        for _ in range(3):
            lab.step()
        shot("kmeans-tsne-full-vs-map")

        panel = window.timelapse_panel
        window.tabs.setCurrentWidget(panel)
        n = panel.state.n_frames
        for name, index in (("first", 0), ("middle", n // 4), ("last", n - 1)):
            panel.slider.setValue(index)
            shot(f"timelapse-{name}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
