"""A 15x15 decoder grid over the visible map, asked to drawn: p95 < 250 ms (conv and denoise).

Not a pytest test. Run ``python tests/benchmarks/bench_latent_grid.py [--quick]``;
it prints one JSON object (``run(quick)`` returns it for run_all.py).

The real Latent space tab (latent_bench.open_tab) with shipped weights and
the decoder grid on at density 15. Each sample pans the map (the view the
user would drag to), then times from the grid's request for the new
rectangle to the 225 decoded digits drawn on the map (the lift, one decoder
batch on the model thread, the far-outside test, the mosaic and its
repaint). The conv model is the target's; the denoising model, whose
decoder is the largest, is measured beside it.
"""

from __future__ import annotations

import argparse
import json
import sys

import latent_bench as lb

TARGET_MS = 250.0
DENSITY = 15


def _measure(arch: str, count: int) -> tuple[list[float], object]:
    app, session, panel = lb.open_tab(arch)
    lab, plot = panel.lab, panel.map_plot
    samples = []
    try:
        lab.set_grid_density(DENSITY)
        panel.grid_check.setChecked(True)
        lb.wait_for(lab.grid_changed, lambda g: g is not None)
        (x0, x1), (y0, y1) = plot.view_range()
        for i in range(count + 3):
            shift = 0.02 * (x1 - x0) * (1 if i % 2 else -1)
            t0 = lb.now()
            lab.set_view((x0 + shift, x1 + shift), (y0, y1))
            (grid,) = lb.wait_for(lab.grid_changed,
                                  lambda g, s=shift: g is not None and g.x_range[0] == x0 + s)
            plot.viewport().repaint()
            if grid.n != DENSITY:
                raise RuntimeError(f"a {grid.n}x{grid.n} grid came back")
            if i >= 3:  # the first batches trace the decoder for this batch size
                samples.append((lb.now() - t0) * 1000)
    finally:
        lb.close_tab(session, panel)
    return samples, session


def run(quick: bool = False) -> dict:
    count = 10 if quick else 40
    conv, session = _measure("conv", count)
    denoise, _ = _measure("denoise", count // 2)
    import numpy as np

    result = lb.summary("latent_grid", conv, TARGET_MS, "conv", session, density=DENSITY)
    result["denoise_p50_ms"] = round(float(np.percentile(denoise, 50)), 2)
    result["denoise_p95_ms"] = round(float(np.percentile(denoise, 95)), 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 grids instead of 40")
    print(json.dumps(run(parser.parse_args(argv).quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
