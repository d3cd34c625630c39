"""Memory and time of a forward pass over 10,000 digits, by batch size.

The window encodes the whole test set for the K-means lab, the latent map and
its exports (`models.encode_and_reconstruct`). The conv models' activations
are up to 28x28x32 floats a digit, and TensorFlow's CPU allocator keeps the
largest blocks it has handed out, so the batch size sets both the peak and
what stays resident after it. Each (architecture, batch) runs in a child
process of its own, one after another: traced on 300 digits first,
then three passes over 10,000 digits while a thread samples the resident
memory every 2 ms. It prints JSON: per row the peak above the memory before
the passes, what is still held after them, and the median pass time; and
the ratios of the smaller batch to 1,024 (below 1 is better).

The program passes 1,024 at a time. At 256 the peaks halve and nothing
stays held, in 0.95-1.39 times the time (six runs of conv, three of
denoise: the memory figures repeat to the MB, the times do not); and in the
soak (four-minute passes, alternated, two pairs) the GUI timer's p99 a
minute rose from 35-49 to 37-61 ms, so 256 did not land. A guess, not profiled: four times as many
`predict_on_batch` calls, each holding the GIL for its Python part.

    python tests/benchmarks/bench_predict_memory.py [--archs conv denoise] [--batches 1024 256]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_probe import rss_mb as _rss_mb  # noqa: E402 - after the path

DIGITS = 10_000
SMALLER = 256  # the batch compared with the program's 1,024
PASSES = 3


def child(arch: str, batch: int) -> dict:
    import numpy as np

    from explorer.core import models
    from explorer.core.data import load_embedded

    data = load_embedded()
    x = np.concatenate([data.x_train, data.x_test])[:DIGITS]
    model = models.build(arch)
    models.encode_and_reconstruct(model, x[:300], batch)  # traced before measuring
    peak, done = [0.0], threading.Event()

    def sample():
        while not done.wait(0.002):
            peak[0] = max(peak[0], _rss_mb())

    before = _rss_mb()
    sampler = threading.Thread(target=sample)
    sampler.start()
    times = []
    for _ in range(PASSES):
        started = time.perf_counter()
        models.encode_and_reconstruct(model, x, batch)
        times.append(time.perf_counter() - started)
    done.set()
    sampler.join()
    return {"arch": arch, "batch": batch, "peak_over_start_mb": round(peak[0] - before, 1),
            "held_after_mb": round(_rss_mb() - before, 1),
            "pass_s_p50": round(statistics.median(times), 3)}


def run(quick: bool = False, archs=("conv", "denoise"), batches=None) -> dict:
    """The figures as a dict (run_all's entry point). `quick`: denoise only."""
    archs = ("denoise",) if quick else tuple(archs)
    batches = batches or [1024, SMALLER]
    rows = []
    for arch in archs:
        for batch in batches:
            done = subprocess.run([sys.executable, __file__, "--child", arch, str(batch)],
                                  capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    ratios = {}
    for arch in archs:
        by = {r["batch"]: r for r in rows if r["arch"] == arch}
        if 1024 in by and SMALLER in by:
            big, ours = by[1024], by[SMALLER]
            ratios[arch] = {
                "peak": round(ours["peak_over_start_mb"] / max(big["peak_over_start_mb"], 1), 2),
                "time": round(ours["pass_s_p50"] / big["pass_s_p50"], 2)}
    return {"benchmark": "predict_memory", "digits": DIGITS, "rows": rows,
            "ratios_to_1024": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["conv", "denoise"])
    parser.add_argument("--batches", nargs="+", type=int, default=None)
    parser.add_argument("--child", nargs=2, metavar=("ARCH", "BATCH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    print(json.dumps(run(archs=args.archs, batches=args.batches), indent=1))


if __name__ == "__main__":
    main()
