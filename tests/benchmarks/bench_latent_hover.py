"""Mouse move on the latent map to the decoded digit repainted, conv model: p95 < 50 ms.

Not a pytest test. Run ``python tests/benchmarks/bench_latent_hover.py [--quick]``;
it prints one JSON object (``run(quick)`` returns it for run_all.py).

The real Latent space tab (latent_bench.open_tab), the conv model's shipped
weights, the embedded sample's 2,000 test digits on the map. Each sample is
a real mouse-move event sent to the map's viewport at a new point, until
the decoded view shows the digit decoded at that point, plus its
synchronous repaint: the lift, the decoder's forward pass on the model
thread, the answer's trip back and the painting. Moves are at least 20 ms
apart, as a mouse reports them (60-125 Hz): pyqtgraph drops moves that come
within 10 ms of the last one it passed on.
"""

from __future__ import annotations

import argparse
import json
import sys

import latent_bench as lb
import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtTest import QTest

TARGET_MS = 50.0
ARCH = "conv"
MOVE_GAP_MS = 20


def run(quick: bool = False) -> dict:
    app, session, panel = lb.open_tab(ARCH)
    plot, lab = panel.map_plot, panel.lab
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = plot.view_range()
    samples = []
    try:
        for i in range(60 if quick else 200):
            xy = (x0 + (x1 - x0) * rng.uniform(0.05, 0.95), y0 + (y1 - y0) * rng.uniform(0.05, 0.95))
            pixel = plot.mapFromScene(plot.getViewBox().mapViewToScene(QPointF(*xy)))
            lb.settle(MOVE_GAP_MS)
            t0 = lb.now()
            QTest.mouseMove(plot.viewport(), pixel)
            (decoded,) = lb.wait_for(lab.decoded, lambda d: d.what.startswith("map point"))
            panel.decoded_view.repaint()
            if i >= 5:  # the first calls trace the decoder's graph
                samples.append((lb.now() - t0) * 1000)
            if panel.decoded_view.shown is not decoded:
                raise RuntimeError("the decoded view does not show the answer")
    finally:
        lb.close_tab(session, panel)
    return lb.summary("latent_hover", samples, TARGET_MS, ARCH, session)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 moves instead of 200")
    print(json.dumps(run(parser.parse_args(argv).quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
