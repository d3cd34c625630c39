"""Sweep throughput and the engine's overhead per trial.

Throughput: the same trials (simple at four code sizes, conv at two numbers of
filters, on the embedded 8,000 / 2,000 split) run two ways, each in its own
process:

- "sequential": one after another in one process through `run_trial`
  directly, with TensorFlow's default threads (one per core);
- "sweep": through `sweep.run_sweep` on a local cluster of 2 worker
  processes with one thread each (TensorFlow held to one thread per worker).

Each side first runs one small warm-up trial per process (TensorFlow's import,
the data's loading), then times the trials: the ratio of the sequential time
to the sweep's is the sweep's throughput relative to one process (target:
>= 0.9). The cold figures, from the process's start to the last trial
(imports, the cluster's start-up, the warm-up and all), are reported beside
it. The two sides run as pairs, back to back in alternating order (sequential,
sweep; sweep, sequential; ...), and the median of the pairs' ratios is
reported, as the machine is shared and its load drifts.

Overhead: a warm one-worker cluster runs many tiny trials (256 digits, one
epoch); the sweep's wall time less the sum of the trials' own time on the
worker, per trial, is what the engine adds: submitting, scheduling, moving the
weights back, writing each trial's files and sweep.csv (target: < 1 s).

    python tests/benchmarks/bench_sweep.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATA = None  # the embedded split
TINY = (256, 64)


def _trials(quick: bool):
    from explorer.core import sweep

    epochs = 1 if quick else 3
    return (sweep.plan("simple", (16, 32, 64, 128), epochs=epochs)
            + sweep.plan("conv", (4, 8), epochs=max(1, epochs - 1)))


def _warmup_trial(code_size: int):
    from explorer.core.sweep_trial import TrialSpec

    return TrialSpec("simple", code_size, "adam", 1, 64)


def _sequential(quick: bool) -> dict:
    t_start = time.perf_counter()
    from explorer.core import models
    from explorer.core.sweep_trial import DataRef, run_trial

    models.import_keras()
    run_trial(_warmup_trial(3), DataRef(DATA, *TINY))
    trials = _trials(quick)
    t0 = time.perf_counter()
    seconds = [run_trial(t, DataRef(DATA)).seconds for t in trials]
    end = time.perf_counter()
    return {"warm_s": end - t0, "cold_s": end - t_start, "trial_s": seconds}


def _sweep(quick: bool) -> dict:
    t_start = time.perf_counter()
    from explorer.core import sweep

    trials = _trials(quick)
    with sweep.open_cluster(sweep.ClusterSpec(workers=2)) as (client, _), \
            tempfile.TemporaryDirectory() as tmp:
        # One warm-up trial per worker: both workers import TensorFlow, load the data.
        warm = [_warmup_trial(3), _warmup_trial(5)]
        sweep.run_sweep(warm, Path(tmp) / "warm", sweep.DataRef(DATA, *TINY), client=client)
        t0 = time.perf_counter()
        outcome = sweep.run_sweep(trials, Path(tmp) / "sweep", sweep.DataRef(DATA), client=client)
        end = time.perf_counter()
    if outcome.status != "finished":
        raise RuntimeError(f"sweep {outcome.status}: {outcome.failed}")
    return {"warm_s": end - t0, "cold_s": end - t_start,
            "trial_s": [r.seconds for r in outcome.finished],
            "workers": sorted({r.worker for r in outcome.finished})}


def _overhead(quick: bool) -> dict:
    from explorer.core import sweep

    n = 6 if quick else 12
    trials = sweep.plan("simple", range(2, 2 + n), epochs=1, batch_size=64)
    data = sweep.DataRef(DATA, *TINY)
    with sweep.open_cluster(sweep.ClusterSpec(workers=1)) as (client, _), \
            tempfile.TemporaryDirectory() as tmp:
        sweep.run_sweep([_warmup_trial(1)], Path(tmp) / "warm", data, client=client)
        t0 = time.perf_counter()
        outcome = sweep.run_sweep(trials, Path(tmp) / "sweep", data, client=client)
        wall = time.perf_counter() - t0
    worker_s = sum(r.seconds for r in outcome.finished)
    return {"trials": n, "wall_s": wall, "worker_s": worker_s,
            "overhead_per_trial_s": (wall - worker_s) / n}


def _in_process(side: str, quick: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", side] + (["--quick"] * quick),
                         capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{side} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False, repeats: int | None = None) -> dict:
    repeats = repeats or (1 if quick else 3)
    pairs = []
    for i in range(repeats):
        # A pair runs back to back, in alternating order, so that the load
        # of a shared machine weighs on both of its sides alike.
        order = ("sequential", "sweep") if i % 2 == 0 else ("sweep", "sequential")
        pair = {side: _in_process(side, quick) for side in order}
        pairs.append(pair)
    overhead = _in_process("overhead", quick)

    def median(side: str, key: str) -> float:
        return statistics.median(p[side][key] for p in pairs)

    ratios = [p["sequential"]["warm_s"] / p["sweep"]["warm_s"] for p in pairs]
    cold = [p["sequential"]["cold_s"] / p["sweep"]["cold_s"] for p in pairs]
    ratio = statistics.median(ratios)
    per_trial = overhead["overhead_per_trial_s"]
    return {
        "benchmark": "sweep", "trials": len(_trials(quick)), "repeats": repeats,
        "target": "2 one-thread workers >= 0.9 x one process's throughput; "
                  "engine overhead < 1 s per trial",
        "sequential_s": round(median("sequential", "warm_s"), 2),
        "sweep_s": round(median("sweep", "warm_s"), 2), "ratio": round(ratio, 3),
        "pair_ratios": [round(r, 3) for r in ratios],
        "sequential_cold_s": round(median("sequential", "cold_s"), 2),
        "sweep_cold_s": round(median("sweep", "cold_s"), 2),
        "cold_ratio": round(statistics.median(cold), 3),
        "runs": {side: [round(p[side]["warm_s"], 2) for p in pairs]
                 for side in ("sequential", "sweep")},
        "sweep_workers": pairs[-1]["sweep"]["workers"],
        "overhead_per_trial_s": round(per_trial, 3), "overhead": overhead,
        "met": ratio >= 0.9 and per_trial < 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--side", choices=["sequential", "sweep", "overhead"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        fn = {"sequential": _sequential, "sweep": _sweep, "overhead": _overhead}[args.side]
        print(json.dumps(fn(args.quick)))
        return
    print(json.dumps(run(args.quick, args.repeats)))


if __name__ == "__main__":
    main()
