"""A drawn stroke to every linked view repainted, conv model: p95 < 100 ms.

Not a pytest test. Run ``python tests/benchmarks/bench_latent_stroke.py [--quick]``;
it prints one JSON object (``run(quick)`` returns it for run_all.py).

The real Latent space tab (latent_bench.open_tab) with the conv model's
shipped weights. Strokes are drawn on ``draw_canvas`` with real mouse
events; each sample is one move of a stroke, from the event to the answer
for exactly that picture (MNIST-style preprocessing, the encoder and the
decoder, the place on the map, the five nearest test digits) drawn in every
view it feeds: the Draw page, the decoded view and the map (repainted
synchronously).
"""

from __future__ import annotations

import argparse
import json
import sys

import latent_bench as lb
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

TARGET_MS = 100.0
ARCH = "conv"


def _strokes(rng, count: int):
    """Random strokes of 12 points each, as shares of the canvas."""
    for _ in range(count):
        start, end = rng.uniform(0.15, 0.85, 2), rng.uniform(0.15, 0.85, 2)
        bend = rng.normal(0, 0.1, 2)
        t = np.linspace(0, 1, 12)[:, None]
        yield (1 - t) * start + t * end + np.sin(np.pi * t) * bend


def run(quick: bool = False) -> dict:
    app, session, panel = lb.open_tab(ARCH)
    canvas, lab = panel.draw_canvas, panel.lab
    rng = np.random.default_rng(0)
    samples = []
    try:
        for s, stroke in enumerate(_strokes(rng, 6 if quick else 20)):
            if s % 3 == 0:
                canvas.clear()
            pts = [QPoint(int(x * canvas.width()), int(y * canvas.height())) for x, y in stroke]
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
            lb.wait_for(lab.drawing_changed, lambda a: a is not None)
            for p in pts[1:]:
                t0 = lb.now()
                QTest.mouseMove(canvas, p, 0)
                picture = canvas.picture()
                lb.wait_for(lab.drawing_changed,
                            lambda a, picture=picture: np.array_equal(lab.picture, picture))
                panel.draw_page.repaint()
                panel.decoded_view.repaint()
                panel.map_plot.viewport().repaint()
                if s > 0:  # the first stroke traces the graphs
                    samples.append((lb.now() - t0) * 1000)
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    finally:
        lb.close_tab(session, panel)
    return lb.summary("latent_stroke", samples, TARGET_MS, ARCH, session)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 strokes instead of 20")
    print(json.dumps(run(parser.parse_args(argv).quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
