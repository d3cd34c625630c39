"""Fuzz every file kind the program reads; print one JSON report per kind.

    python tests/fuzz/run.py --cases 2000                # every kind, 2,000 cases each
    python tests/fuzz/run.py --kind npz --cases 500 --seed 3
    python tests/fuzz/run.py --kind keras --replay 17 --keep /tmp/case17

Each kind runs in a child process of its own, watched: a loader that hangs
(no case finished for `--hang-s` seconds) or kills the interpreter (a
segfault in a C library) is reported as an escape at the case it was on, and
the kind carries on from the next case. Per kind: tried, loaded, refused
(with the project's own error and message), escapes with what reproduces
each (kind, seed, case, mutation). Exit status 1 when anything escaped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]


def _child(kind_name: str, cases: int, seed: int, first: int) -> None:
    """Run cases in this process, one JSON line per case on stdout."""
    import fuzz_harness
    import fuzz_kinds

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    kind = fuzz_kinds.kinds()[kind_name]

    def progress(case: int) -> None:
        print(f"case {case}", file=sys.stderr, flush=True)

    def on_result(case: int, *result) -> None:
        print(json.dumps([case, *result]), flush=True)

    fuzz_harness.run_kind(kind, cases, seed, first, progress, on_result)


def _run_watched(kind: str, cases: int, seed: int, hang_s: float) -> dict:
    """Run a kind in child processes until all cases are done, past hangs and crashes."""
    import fuzz_harness

    report = fuzz_harness.KindReport(kind, seed)
    first = 0
    while first < cases:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--cases",
                                 str(cases - first), "--seed", str(seed), "--first", str(first)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        current, seen = [first], [False]
        alive = threading.Event()

        def watch(proc=proc, current=current, seen=seen, alive=alive) -> None:
            for line in proc.stderr:
                if line.startswith("case "):
                    current[0], seen[0] = int(line.split()[1]), True
                    alive.set()

        def collect(proc=proc) -> None:
            for line in proc.stdout:
                fuzz_harness.add_result(report, *json.loads(line))

        threads = [threading.Thread(target=t, daemon=True) for t in (watch, collect)]
        for t in threads:
            t.start()
        hung = False
        while proc.poll() is None:
            alive.clear()
            # Before the first case: TensorFlow's import and the seeds take longer.
            if not alive.wait(hang_s if seen[0] else 10 * hang_s) and proc.poll() is None:
                hung = True
                proc.kill()
                proc.wait()
        for t in threads:
            t.join(10)
        if proc.returncode == 0:
            break
        # The child died (or hung) at case current[0]: count it, go on after it.
        report.tried += 1
        report.escapes.append(fuzz_harness.Escape(
            current[0], "hang" if hung else "crash",
            f"no result in {hang_s:g} s" if hung else f"exit status {proc.returncode}",
            "see it with --replay CASE --keep DIR"))
        print(f"{kind}: case {current[0]} {'hung' if hung else 'crashed'}; continuing",
              file=sys.stderr)
        first = current[0] + 1
    return report.as_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kind", action="append", help="one kind (repeatable); default: all")
    parser.add_argument("--hang-s", type=float, default=30.0,
                        help="no case finished for this long: a hang (default 30)")
    parser.add_argument("--replay", type=int, metavar="CASE", help="run one case in-process")
    parser.add_argument("--keep", metavar="DIR", help="with --replay: write the case's files here")
    parser.add_argument("--child", metavar="KIND", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.cases, args.seed, args.first)
        return 0
    import fuzz_kinds

    names = args.kind or list(fuzz_kinds.kinds())
    unknown = sorted(set(names) - set(fuzz_kinds.kinds()))
    if unknown:
        parser.error(f"unknown kind(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(fuzz_kinds.kinds())}")
    if args.replay is not None:
        import fuzz_harness

        for name in names:
            kind = fuzz_kinds.kinds()[name]
            if args.keep:
                fuzz_harness.keep_case(kind, args.seed, args.replay, Path(args.keep))
            report = fuzz_harness.run_kind(kind, 1, args.seed, args.replay)
            print(json.dumps(report.as_json(), indent=1))
        return 0
    escaped = 0
    for name in names:
        report = _run_watched(name, args.cases, args.seed, args.hang_s)
        escaped += report["escaped"]
        print(json.dumps(report), flush=True)
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main())
