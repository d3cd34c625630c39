"""Resident memory over a session of training runs, headless, through the core API the window uses.

The window's scripted session (65 three-epoch runs alternating simple and
sparse, the noise slider moved during each) grew by about 5 MB per run
without levelling off. This replays the same calls without Qt: per run, a
switch of architecture as the session makes it (the model built before
taken from a `ModelPool`, else built, pre-trained weights loaded with
`store.load_weights`), fresh weights (`models.reinitialize`),
`training.train` (compiled once per model, `core.run_compile`) with
reconstructions of ten noisy digits requested between batches
(`models.encode_and_reconstruct`, as the noise slider does), and the
cyclic garbage collected after each run, as the window's collector does.
It prints JSON: the resident set after every run and the growth per run
after the warm-up (least-squares slope). Target: well under 1 MB per run.

    python tests/benchmarks/bench_memory_growth.py [--runs 65] [--epochs 3] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_MB_PER_RUN = 1.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def slope(values: list[float]) -> float:
    """Least-squares growth per step."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    return num / sum((i - mean_x) ** 2 for i in range(n))


def session(runs: int, epochs: int, archs: list[str], n_train: int, n_test: int,
            warmup: int) -> dict:
    from explorer.core import models, store, training, variants
    from explorer.core.data import add_noise, load_embedded
    from explorer.core.model_pool import ModelPool

    dataset = load_embedded().subset(n_train, n_test)
    probe = dataset.x_test[:10]
    recon_calls = [0]
    model, pool = None, ModelPool()
    rss, seconds = [], []
    start_rss = rss_mb()
    for run in range(runs):
        t0 = time.perf_counter()
        arch = archs[run % len(archs)]
        if model is None or model.arch_id != arch:  # the session's architecture switch
            model = pool.take(variants.variant(arch))
            weights = store.weights_path(arch)
            if weights.exists():
                store.load_weights(model, weights)
        models.reinitialize(model)  # the Train button's fresh run
        noise = [0.0]

        def between_batches(model=model, noise=noise) -> None:
            # The noise slider, moved during the run: ten digits reconstructed.
            recon_calls[0] += 1
            if recon_calls[0] % 4 == 0:
                noise[0] = (noise[0] + 0.1) % 1.0
                models.encode_and_reconstruct(model, add_noise(probe, noise[0]))

        control = training.TrainControl(between_batches=between_batches)
        config = training.TrainConfig.for_arch(arch, epochs=epochs)
        result = training.train(model, dataset, config, None, control)
        assert result.status == "finished", result
        gc.collect()
        rss.append(round(rss_mb(), 1))
        seconds.append(round(time.perf_counter() - t0, 2))
        print(f"run {run + 1}/{runs} {arch}: {rss[-1]:.1f} MB", file=sys.stderr, flush=True)
    after = rss[warmup:]
    growth = slope(after)
    return {
        "benchmark": "memory_growth", "runs": runs, "epochs": epochs, "archs": archs,
        "n_train": dataset.n_train, "n_test": dataset.n_test, "warmup_runs": warmup,
        "rss_before_first_run_mb": round(start_rss, 1), "rss_mb_per_run": rss,
        "seconds_per_run": seconds,
        "growth_after_warmup_mb_per_run": round(growth, 3),
        "growth_total_after_warmup_mb": round(after[-1] - after[0], 1) if after else 0.0,
        "target_mb_per_run": TARGET_MB_PER_RUN, "met": growth < TARGET_MB_PER_RUN,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=65)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--archs", default="simple,sparse")
    parser.add_argument("--n-train", type=int, default=None, help="default: all 8,000")
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="20 runs of 1 epoch on 2,000 digits")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.epochs, args.n_train, args.n_test, args.warmup = 20, 1, 2000, 500, 6
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(json.dumps(session(args.runs, args.epochs, args.archs.split(","), args.n_train,
                             args.n_test, args.warmup)))


if __name__ == "__main__":
    main()
