"""UMAP of 8,000 simple-model codes, its first-call compilation reported apart.

Not a pytest test. Run ``python tests/benchmarks/bench_umap.py [--quick]
[--with-pynndescent]``; it prints one JSON object. ``run(quick)`` returns the
same dict for an aggregating runner; run_all gives it a fresh interpreter,
which is what makes the compilation figure a first call's.

Data: the shipped simple model's codes of the 8,000 embedded training digits.
In this process, in order:

* ``import_s``: importing umap-learn (after TensorFlow, which the program has
  loaded anyway and which umap-learn imports when it is installed);
* ``compile_s``: ``neighbour_maps.warm_up_umap()``, the numba compilation the
  first UMAP of a process pays (what the UI can do ahead of time);
* ``first_map_s`` / ``second_map_s``: ``umap_2d`` on the 8,000 codes twice,
  at its defaults and seed 0; their ``compile_seconds`` must be 0 (all
  compiled by the warm-up) and the two close (nothing left to compile);
* agreement: the share of digits whose 10 nearest neighbours vote for their
  own digit, on the map and in the 32-d code.

``--with-pynndescent`` also times, in a fresh interpreter, umap-learn's own
route (its pynndescent index) from cold, to show what the exact neighbours
save. Target: the map keeps the code's 10-NN agreement within 0.05.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parents[1]))

from simple_codes import machine, simple_codes  # noqa: E402

N_POINTS = 8000
TARGET_GAP = 0.05

_PYNNDESCENT_ROUTE = """
import sys, time, json, warnings
sys.path[:0] = [{here!r}, {root!r}]
from simple_codes import simple_codes
codes, labels = simple_codes("train", {n})
import umap
warnings.simplefilter("ignore")
t0 = time.perf_counter()
umap.UMAP(random_state=0).fit_transform(codes)
first = time.perf_counter() - t0
t0 = time.perf_counter()
umap.UMAP(random_state=0).fit_transform(codes)
print(json.dumps([first, time.perf_counter() - t0]))
"""


def _pynndescent_route(n: int) -> tuple[float, float]:
    code = _PYNNDESCENT_ROUTE.format(here=str(HERE), root=str(HERE.parents[1]), n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=1800, check=True)
    first, second = json.loads(out.stdout.strip().splitlines()[-1])
    return first, second


def run(quick: bool = False, with_pynndescent: bool = False) -> dict[str, Any]:
    n = 2000 if quick else N_POINTS
    codes, labels = simple_codes("train", n)  # imports TensorFlow, as the program does
    from explorer.core import neighbour_maps
    from explorer.core.embedding_quality import knn_label_agreement

    t0 = time.perf_counter()
    neighbour_maps._import_umap()
    import_s = time.perf_counter() - t0
    compile_s = neighbour_maps.warm_up_umap()
    first = neighbour_maps.umap_2d(codes, seed=0)
    second = neighbour_maps.umap_2d(codes, seed=0)
    map_q = knn_label_agreement(first.coords, labels)
    code_q = knn_label_agreement(codes, labels)
    out: dict[str, Any] = {
        "benchmark": "umap",
        "points": n,
        "import_s": round(import_s, 2),
        "compile_s": round(compile_s, 2),
        "first_map_s": round(first.seconds, 2),
        "second_map_s": round(second.seconds, 2),
        "compile_in_maps_s": [first.compile_seconds, second.compile_seconds],
        "map_agreement": round(map_q, 4),
        "code_agreement": round(code_q, 4),
        "params": first.param_dict,
        "target": f"compilation reported apart; map 10-NN agreement within {TARGET_GAP} of the code's",
        "met": bool(code_q - map_q <= TARGET_GAP and first.compile_seconds == 0.0),
        "machine": machine(),
    }
    if with_pynndescent:
        cold, warm = _pynndescent_route(n)
        out["umap_own_route_first_s"] = round(cold, 2)
        out["umap_own_route_second_s"] = round(warm, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 codes instead of 8,000")
    parser.add_argument("--with-pynndescent", action="store_true",
                        help="also time umap-learn's own neighbour index from cold")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick, args.with_pynndescent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
