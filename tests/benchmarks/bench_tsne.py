"""t-SNE of 2,000 simple-model codes: the program's tsne_2d against scikit-learn's TSNE.

Not a pytest test. Run ``python tests/benchmarks/bench_tsne.py [--quick]
[--sweep]``; it prints one JSON object. ``run(quick)`` returns
the same dict for an aggregating runner.

Data: the shipped simple model's codes of the 2,000 embedded test digits.
Both sides run in this process, alternating (ours, scikit-learn, ours, ...),
each with seed 0, and the medians are compared:

* time: the whole call, data in, map out (scikit-learn: ``TSNE(random_state=0)
  .fit_transform``, its defaults: 1,000 iterations, Barnes-Hut, PCA start;
  ours: ``neighbour_maps.tsne_2d`` at its defaults);
* quality: the share of digits whose 10 nearest neighbours on the map vote
  for their own digit (and the same in the 32-d code for reference);
* first frame: seconds from the call to the first ``on_frame`` (the PCA
  starting layout, drawn before the neighbour search) and to the first
  frame of the optimisation itself.

Target: ours at least 2x faster, agreement within 0.02 of scikit-learn's,
first frame under 1 s.

``--sweep`` instead times the settings the defaults were chosen from
(openTSNE at its own defaults, fewer iterations, a coarser Barnes-Hut, two
threads), alternating, two rounds, with agreement and trustworthiness.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simple_codes import machine, simple_codes  # noqa: E402

N_POINTS = 2000
TARGET_RATIO = 2.0
TARGET_AGREEMENT_GAP = 0.02
TARGET_FIRST_FRAME_S = 1.0


def _ours(codes, **params) -> tuple[float, Any, float, float]:
    from explorer.core import neighbour_maps

    t0 = time.perf_counter()
    firsts: dict[str, float] = {}

    def on_frame(frame) -> None:
        key = "start" if frame.phase == "start" else "optimising"
        firsts.setdefault(key, time.perf_counter() - t0)

    result = neighbour_maps.tsne_2d(codes, seed=0, on_frame=on_frame, **params)
    return time.perf_counter() - t0, result.coords, firsts["start"], firsts["optimising"]


def _sklearn(codes) -> tuple[float, Any]:
    from sklearn.manifold import TSNE

    t0 = time.perf_counter()
    coords = TSNE(random_state=0).fit_transform(codes)
    return time.perf_counter() - t0, coords


SWEEP = {  # name: openTSNE.TSNE keyword arguments
    "openTSNE defaults (250 + 500)": {},
    "125 + 250": {"early_exaggeration_iter": 125, "n_iter": 250},
    "100 + 200": {"early_exaggeration_iter": 100, "n_iter": 200},
    "125 + 250, theta 0.8": {"early_exaggeration_iter": 125, "n_iter": 250, "theta": 0.8},
    "125 + 250, 2 threads": {"early_exaggeration_iter": 125, "n_iter": 250, "n_jobs": 2},
}


def sweep(rounds: int = 2) -> dict[str, Any]:
    import openTSNE

    from explorer.core.embedding_quality import knn_label_agreement, trustworthiness

    codes, labels = simple_codes("test", N_POINTS)
    codes = codes.astype("float64")
    openTSNE.TSNE(n_iter=10, early_exaggeration_iter=10).fit(codes[:300])  # first-call set-up
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in SWEEP}
    seen["scikit-learn TSNE"] = []
    for _ in range(rounds):
        for name, kwargs in SWEEP.items():
            t0 = time.perf_counter()
            coords = openTSNE.TSNE(random_state=0, **kwargs).fit(codes)
            seen[name].append((time.perf_counter() - t0, knn_label_agreement(coords, labels),
                               trustworthiness(codes, coords)))
        seconds, coords = _sklearn(codes)
        seen["scikit-learn TSNE"].append((seconds, knn_label_agreement(coords, labels),
                                          trustworthiness(codes, coords)))
    return {"benchmark": "tsne_sweep", "points": N_POINTS, "rounds": rounds, "machine": machine(),
            "settings": {name: {"s": round(statistics.median(v[0] for v in runs), 2),
                                "agreement": round(statistics.median(v[1] for v in runs), 4),
                                "trustworthiness": round(statistics.median(v[2] for v in runs), 4)}
                         for name, runs in seen.items()}}


def run(quick: bool = False) -> dict[str, Any]:
    from explorer.core import neighbour_maps
    from explorer.core.embedding_quality import knn_label_agreement

    codes, labels = simple_codes("test", N_POINTS)
    codes = codes.astype("float64")
    _ours(codes[:300], early_iterations=10, iterations=10)  # imports and first-call set-up
    _sklearn(codes[:300])
    rounds = 1 if quick else 3
    ours_s, sk_s, ours_q, sk_q, first_s, first_opt_s = [], [], [], [], [], []
    for _ in range(rounds):
        seconds, coords, first, first_opt = _ours(codes)
        ours_s.append(seconds)
        ours_q.append(knn_label_agreement(coords, labels))
        first_s.append(first)
        first_opt_s.append(first_opt)
        seconds, coords = _sklearn(codes)
        sk_s.append(seconds)
        sk_q.append(knn_label_agreement(coords, labels))
    ours, sk = statistics.median(ours_s), statistics.median(sk_s)
    ratio = sk / ours
    gap = statistics.median(sk_q) - statistics.median(ours_q)
    first = statistics.median(first_s)
    out: dict[str, Any] = {
        "benchmark": "tsne",
        "points": N_POINTS,
        "rounds": rounds,
        "ours_s": round(ours, 2),
        "sklearn_s": round(sk, 2),
        "ratio": round(ratio, 2),
        "ours_runs_s": [round(v, 2) for v in ours_s],
        "sklearn_runs_s": [round(v, 2) for v in sk_s],
        "ours_agreement": round(statistics.median(ours_q), 4),
        "sklearn_agreement": round(statistics.median(sk_q), 4),
        "code_agreement": round(knn_label_agreement(codes, labels), 4),
        "first_frame_s": round(first, 3),
        "first_optimised_frame_s": round(statistics.median(first_opt_s), 3),
        "ours_params": dict(neighbour_maps.TSNE_DEFAULTS, theta=neighbour_maps.TSNE_THETA,
                            threads=neighbour_maps.TSNE_THREADS),
        "target": (f"ours >= {TARGET_RATIO:g}x faster than sklearn TSNE, 10-NN agreement within "
                   f"{TARGET_AGREEMENT_GAP}, first frame < {TARGET_FIRST_FRAME_S:g} s"),
        "met": bool(ratio >= TARGET_RATIO and gap <= TARGET_AGREEMENT_GAP
                    and first < TARGET_FIRST_FRAME_S),
        "machine": machine(),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    parser.add_argument("--sweep", action="store_true",
                        help="time the settings the defaults were chosen from instead")
    args = parser.parse_args(argv)
    print(json.dumps(sweep() if args.sweep else run(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
