"""Make resources/screenshot.png, the picture at the top of the README.

Run by hand after a visible change: ``python tests/benchmarks/make_screenshot.py``.
It opens the real window (pre-trained weights from trained/, the embedded
MNIST sample, no user settings), waits for the model, takes the K-means lab
three iterations in, and grabs the 1280x820 window. Offscreen unless --show.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "screenshot.png"
SIZE = (1280, 820)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--show", action="store_true", help="use the real screen")
    parser.add_argument("--arch", default="simple")
    args = parser.parse_args()
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from explorer.core.data import load_embedded
    from explorer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        # A settings file of its own: the picture never depends on the user's.
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(dataset=load_embedded(), arch_id=args.arch, settings=settings)
        window.resize(*SIZE)
        window.show()
        wait_for(app, lambda: window.session.is_ready, "the model")
        lab = window.kmeans_panel
        window.tabs.setCurrentWidget(lab)
        wait_for(app, lambda: lab.points is not None and "latent" in lab.points.source
                 and lab.stepper is not None, "the latent codes")
        for _ in range(3):
            lab.step()
        wait_for(app, lambda: False, "", seconds=1.0)  # let every plot paint
        image = window.grab()
        window.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(args.out), "PNG"):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({image.width()}x{image.height()})")
    return 0


def wait_for(app, done, what: str, seconds: float = 120.0) -> None:
    """Run the event loop until done() or the time is up (then fail, unless what is '')."""
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
