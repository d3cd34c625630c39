"""A run on a model compiled once against a run that compiles again, in one process.

Every training run used to `compile` its model afresh: the run traced its
step again, and the last run's traced functions became garbage that the
window's collector freed later, on the GUI thread (the hour-long soak's
stalls of seconds). `core.run_compile` compiles once per model and
optimizer kind and resets the optimizer instead. This measures both ways
on the same model, alternating run by run: the wall time of each run
(`training.train`), and the pause of the full garbage collection after it
(what the GUI thread would pay). It prints JSON: per-mode medians and the
ratios (compiled once / compiled each run; below 1 is better).

    python tests/benchmarks/bench_run_compile.py [--pairs 6] [--arch conv] [--epochs 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def measure(arch: str, pairs: int, epochs: int, n_train: int) -> dict:
    from explorer.core import models, run_compile, training
    from explorer.core.data import load_embedded

    dataset = load_embedded().subset(n_train, 200)
    config = training.TrainConfig.for_arch(arch, epochs=epochs)
    once = run_compile.compile_for_run

    def compile_each_run(model, optimizer="adam", learning_rate=None):
        models.compile_model(model, optimizer, learning_rate)

    rows = {"compiled once": {"run_s": [], "gc_ms": []},
            "compiled each run": {"run_s": [], "gc_ms": []}}
    # A model per mode: one compiled elsewhere would make the other compile afresh.
    prepare = {"compiled once": once, "compiled each run": compile_each_run}
    model_of = {}
    for mode in rows:
        run_compile.compile_for_run = prepare[mode]
        model_of[mode] = models.build(arch)
        training.train(model_of[mode], dataset, config)  # warm-up: the first trace, either way
    gc.collect()
    gc.disable()  # as in the window: collections only when asked
    try:
        for _ in range(pairs):
            for mode in rows:
                run_compile.compile_for_run = prepare[mode]
                model = model_of[mode]
                models.reinitialize(model)
                t0 = time.perf_counter()
                result = training.train(model, dataset, config)
                rows[mode]["run_s"].append(round(time.perf_counter() - t0, 3))
                assert result.status == "finished", result
                t0 = time.perf_counter()
                gc.collect()
                rows[mode]["gc_ms"].append(round((time.perf_counter() - t0) * 1000, 1))
                print(mode, rows[mode]["run_s"][-1], "s,", rows[mode]["gc_ms"][-1], "ms gc",
                      file=sys.stderr, flush=True)
    finally:
        run_compile.compile_for_run = once
        gc.enable()
    for row in rows.values():
        row["run_s_p50"] = statistics.median(row["run_s"])
        row["gc_ms_p50"] = statistics.median(row["gc_ms"])
        row["gc_ms_max"] = max(row["gc_ms"])
    a, b = rows["compiled once"], rows["compiled each run"]
    return {
        "benchmark": "run_compile", "arch": arch, "pairs": pairs, "epochs": epochs,
        "n_train": dataset.n_train, "rows": rows,
        "run_ratio": round(a["run_s_p50"] / b["run_s_p50"], 3),
        "gc_ratio": round(a["gc_ms_p50"] / max(b["gc_ms_p50"], 1e-3), 3),
    }


def run(quick: bool = False) -> dict:
    """For run_all.py."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return measure("conv", 3 if quick else 6, 1, 1000 if quick else 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="conv")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="3 pairs on 1,000 digits")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.n_train = 3, 1000
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(json.dumps(measure(args.arch, args.pairs, args.epochs, args.n_train)))


if __name__ == "__main__":
    main()
