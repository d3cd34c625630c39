"""Run every benchmark and print one table (and the JSON of each).

    python tests/benchmarks/run_all.py            # full pass (about 15 minutes)
    python tests/benchmarks/run_all.py --quick    # a short pass
    python tests/benchmarks/run_all.py --only startup memory
    python tests/benchmarks/run_all.py --only soak    # opt-in: an hour (10 minutes with --quick)

Each benchmark compares the two sides of its target within one run,
alternating and repeating, so the figures are ratios or percentiles that
survive a shared, noisy machine better than absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCHMARKS = [
    # (name, module, what the figure is)
    ("startup", "bench_startup", "window painted / import tensorflow"),
    ("training", "bench_training", "app / bare model.fit samples/s"),
    ("run_compile", "bench_run_compile", "a run compiled once / compiled each run: time, GC pause"),
    ("responsiveness", "bench_responsiveness", "10 ms GUI timer lateness, conv training"),
    ("kmeans", "bench_kmeans", "one assign+update / sklearn Lloyd iteration"),
    ("kmeans_redraw", "bench_kmeans_redraw", "redraw 10,000 points + Voronoi"),
    ("tsne", "bench_tsne", "t-SNE of 2,000 codes: ours / scikit-learn"),
    ("umap", "bench_umap", "UMAP of 8,000 codes, compilation apart"),
    ("timelapse", "bench_timelapse", "training with the time-lapse / without"),
    ("map_responsiveness", "bench_map_responsiveness", "10 ms GUI timer lateness, t-SNE animating"),
    ("slider", "bench_slider", "noise slider to repaint, conv"),
    ("memory", "bench_memory", "peak RSS, 70,000 digits + 1 epoch"),
    ("predict_memory", "bench_predict_memory", "a pass over 10,000 digits: peak and time by batch"),
    ("sweep", "bench_sweep", "2 one-thread workers / one process; engine overhead per trial"),
    ("latent_hover", "bench_latent_hover", "mouse move on the latent map to the decoded digit, conv"),
    ("latent_stroke", "bench_latent_stroke", "a drawn stroke to every linked view, conv"),
    ("latent_grid", "bench_latent_grid", "15x15 decoder grid over the visible map, conv"),
    ("scene", "bench_scene", "a scene's K-means run saved, and restored by replaying it"),
    ("lesson_step", "bench_lesson_step", "lesson step switching architecture to reconstructions shown"),
    ("soak", "soak", "an hour of scripted use in the window (10 minutes quick)"),
]
OPT_IN = {"soak"}  # long: run only when named with --only


def _figure(name: str, r: dict) -> str:
    if name == "startup":
        return (f"{r['window_painted_s']:.2f} s / {r['import_tensorflow_s']:.2f} s = "
                f"{r['ratio']:.2f} (model ready {r['model_ready_s']:.2f} s)")
    if name == "training":
        return "; ".join(
            f"{a} {row['app_samples_per_s']:,} / {row['bare_samples_per_s']:,} = "
            f"{row['ratio']:.2f} (runs: app {_span(row['app_runs'])}, "
            f"bare {_span(row['bare_runs'])})" for a, row in r["rows"].items())
    if name == "run_compile":
        a, b = r["rows"]["compiled once"], r["rows"]["compiled each run"]
        return (f"{r['arch']} run p50 {a['run_s_p50']:.2f} s / {b['run_s_p50']:.2f} s = "
                f"{r['run_ratio']:.2f}; GC after a run p50 {a['gc_ms_p50']:.0f} ms / "
                f"{b['gc_ms_p50']:.0f} ms (max {a['gc_ms_max']:.0f} / {b['gc_ms_max']:.0f} ms)")
    if name == "responsiveness":
        return (f"worst of {r['repeats']} runs: p99 {r['p99_late_ms']:.1f} ms, "
                f"max {r['max_late_ms']:.1f} ms")
    if name == "kmeans":
        return (f"{r['ours_ms']:.3f} ms vs fit {r['sklearn_fit_ms']:.3f} ms = {r['ratio']:.2f} "
                f"(vs bare Lloyd iteration {r.get('ratio_vs_lloyd_iter', float('nan')):.2f})")
    if name == "kmeans_redraw":
        return (f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
                f"(previous path p50 {r['previous_path_p50_ms']:.1f} ms: {r['speedup']:.2f}x)")
    if name == "tsne":
        return (f"{r['ours_s']:.1f} s vs scikit-learn {r['sklearn_s']:.1f} s = {r['ratio']:.2f}x; "
                f"10-NN agreement {r['ours_agreement']:.3f} vs {r['sklearn_agreement']:.3f} "
                f"(code {r['code_agreement']:.3f}); first frame {r['first_frame_s']:.2f} s, "
                f"first optimised frame {r['first_optimised_frame_s']:.2f} s")
    if name == "umap":
        return (f"compile {r['compile_s']:.1f} s (once per process), then {r['first_map_s']:.1f} s "
                f"and {r['second_map_s']:.1f} s per map; import {r['import_s']:.1f} s; 10-NN "
                f"agreement {r['map_agreement']:.3f} (code {r['code_agreement']:.3f})")
    if name == "map_responsiveness":
        return (f"p99 {r['p99_late_ms']:.1f} ms, max {r['max_late_ms']:.1f} ms; "
                f"{r['frames_drawn']} frames drawn, first after {r['first_frame_s']:.2f} s; "
                f"map in {r['map_s']:.1f} s")
    if name == "timelapse":
        return "; ".join(
            f"{a} recording {row['record_ms_per_epoch']:.0f} ms = "
            f"{row['record_share_of_epoch']:.1%} of an epoch; samples/s with / without "
            f"{row['with_samples_per_s']:,} / {row['without_samples_per_s']:,} = {row['ratio']:.2f}"
            for a, row in r["rows"].items())
    if name == "latent_grid":
        return (f"conv p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
                f"(denoise p50 {r['denoise_p50_ms']:.1f} ms, p95 {r['denoise_p95_ms']:.1f} ms)")
    if name in ("slider", "latent_hover", "latent_stroke"):
        return f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms"
    if name == "scene":
        d, w = r["default"], r["worst"]
        return (f"{d['points']:,} points, {d['half_steps']} half steps: save {d['save_ms']:.0f} ms, "
                f"restore {d['restore_ms']:.0f} ms ({d['file_kb']:.0f} kB); {w['points']:,} points, "
                f"{w['half_steps']} half steps: restore {w['restore_ms']:.0f} ms")
    if name == "lesson_step":
        a, b = r["settled"], r["rapid"]
        return (f"settled: max {a['max_s']:.2f} s, revisits p50 {a['revisit_p50_s']:.2f} s "
                f"({a['switches']} switches); rapid: max {b['max_s']:.2f} s")
    if name == "predict_memory":
        return "; ".join(
            f"{row['arch']} at {row['batch']}: peak +{row['peak_over_start_mb']:.0f} MB, held "
            f"{row['held_after_mb']:+.0f} MB, {row['pass_s_p50']:.2f} s" for row in r["rows"])
    if name == "memory":
        return f"{r['peak_mb']:,} MB ({r['digits']:,} digits)"
    if name == "sweep":
        pairs = ", ".join(f"{v:.2f}" for v in r["pair_ratios"])
        return (f"{r['trials']} trials, one process / 2 one-thread workers: {r['ratio']:.2f} "
                f"(median of paired runs {pairs}; medians {r['sequential_s']:.1f} s / "
                f"{r['sweep_s']:.1f} s; start-up included {r['cold_ratio']:.2f}); engine "
                f"overhead {r['overhead_per_trial_s']:.2f} s per trial")
    if name == "soak":
        return (f"growth {r['growth_after_minute_mb']['mb']:+.0f} MB after minute "
                f"{r['growth_after_minute_mb']['from_minute']}, worst minute p99 "
                f"{r['worst_minute_p99_late_ms']:.0f} ms, max {r['max_late_ms']:.0f} ms, "
                f"{r['n_exceptions']} exceptions")
    return json.dumps(r)


def _span(values) -> str:
    return f"{min(values):,}-{max(values):,}"


def _run_one(module_name: str, quick: bool) -> dict:
    """Each benchmark in its own interpreter: Qt and TensorFlow state never leak across."""
    import subprocess

    code = (f"import json, sys; sys.path[:0] = [{str(HERE)!r}, {str(HERE.parents[1])!r}]; "
            f"import {module_name} as m; print(json.dumps(m.run({quick!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=3600, cwd=HERE.parents[1])
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else
                           f"exit code {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", help="names: " + ", ".join(b[0] for b in BENCHMARKS))
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if b[0] in args.only] if args.only else [
        b for b in BENCHMARKS if b[0] not in OPT_IN]
    results = {}
    for name, module, _ in chosen:
        t0 = time.perf_counter()
        try:
            results[name] = _run_one(module, args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            results[name] = {"error": str(exc), "met": False}
        results[name]["seconds"] = round(time.perf_counter() - t0, 1)
        print(json.dumps({name: results[name]}), flush=True)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"\nMachine: {machine}{' (quick pass)' if args.quick else ''}\n")
    print("| benchmark | target | measured | met |")
    print("| --- | --- | --- | --- |")
    for name, _module, _ in chosen:
        r = results[name]
        figure = r["error"] if "error" in r else _figure(name, r)
        target = r.get("target", "")
        print(f"| {name} | {target} | {figure} | {'yes' if r.get('met') else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
