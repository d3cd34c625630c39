"""Run mutated cases of one file kind through its loader and judge each outcome.

A case passes when the loader returns an object, or raises the project's own
error for that kind with a message; and in either case took at most
`CASE_LIMIT_S` and allocated at most `allocation_budget(size)`. Anything
else is an escape, recorded with what reproduces it: (kind, seed, case).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fuzz_kinds import Kind, clear

CASE_LIMIT_S = 2.0
# What a loader may allocate for a file of n bytes: decoding bytes to float32
# pixels and the split's copies take about 5x the decoded size; 40x the file
# leaves room for that, and the fixed part covers a small gzip that expands
# within untrusted.SMALL_BYTES. A 76 KB bomb of 78 MB of zeros exceeds it.
BUDGET_FIXED = 64 << 20
BUDGET_PER_BYTE = 40


def allocation_budget(size: int) -> int:
    return BUDGET_FIXED + BUDGET_PER_BYTE * size


@dataclass
class Escape:
    case: int
    why: str  # "exception", "no message", "slow", "memory"
    detail: str
    mutation: str


@dataclass
class KindReport:
    kind: str
    seed: int
    tried: int = 0
    loaded: int = 0
    refused: int = 0
    escapes: list[Escape] = field(default_factory=list)
    slowest_s: float = 0.0
    largest_allocation_mb: float = 0.0
    refusal_samples: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        out = asdict(self)
        out["escaped"] = len(self.escapes)
        out["slowest_s"] = round(self.slowest_s, 3)
        out["largest_allocation_mb"] = round(self.largest_allocation_mb, 1)
        return out


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KB on Linux


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_case(kind: Kind, seed: int, case: int, folder: Path) -> tuple[str, str, float, int, str]:
    """One case: (outcome, detail, seconds, bytes allocated, mutation)."""
    clear(folder)
    rng = random.Random(f"{kind.name}:{seed}:{case}")
    path, mutation = kind.make_case(rng, folder)
    budget = allocation_budget(_size(folder))
    traced = tracemalloc.is_tracing()
    if traced:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    rss_before = _max_rss_bytes()
    t0 = time.perf_counter()
    try:
        kind.load(path)
        outcome, detail = "loaded", ""
    except kind.errors as exc:
        message = str(exc).strip()
        outcome, detail = ("refused", message) if message else ("no message", type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - anything else is exactly what we look for
        outcome, detail = "exception", f"{type(exc).__name__}: {str(exc)[:300]}"
    seconds = time.perf_counter() - t0
    allocated = _max_rss_bytes() - rss_before
    if traced:
        allocated = max(allocated, tracemalloc.get_traced_memory()[1] - base)
    if outcome in ("loaded", "refused"):
        if seconds > CASE_LIMIT_S:
            outcome, detail = "slow", f"{seconds:.2f} s ({outcome}: {detail[:200]})"
        elif allocated > budget:
            outcome, detail = "memory", (f"{allocated / 2**20:,.0f} MB allocated, budget "
                                         f"{budget / 2**20:,.0f} MB ({outcome}: {detail[:200]})")
    return outcome, detail, seconds, allocated, mutation


def run_kind(kind: Kind, cases: int, seed: int = 0, first: int = 0,
             progress=None, on_result=None) -> KindReport:
    """Cases first..first+cases-1 of `kind`; `progress(case)` is told before each,
    `on_result(case, outcome, detail, seconds, allocated, mutation)` after."""
    report = KindReport(kind.name, seed)
    # tracemalloc sees numpy's and Python's allocations exactly, but slows
    # TensorFlow's Python code several times: the Keras kinds rely on the
    # resident-set high-water mark alone.
    trace = not kind.uses_keras
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{kind.name}-") as tmp:
        folder = Path(tmp) / "case"
        folder.mkdir()
        # Build the seeds outside the measurement and warm the loader up: its
        # first load imports (Keras traces, PIL finds its plugins), which made
        # case 0 "slow" on a loaded machine for the imports' sake.
        warm_up, _ = kind.make_case(random.Random(0), folder)
        try:
            kind.load(warm_up)
        except Exception:  # noqa: BLE001 - the real cases report what a load raises
            pass
        if trace:
            tracemalloc.start()
        try:
            for case in range(first, first + cases):
                if progress is not None:
                    progress(case)
                result = run_case(kind, seed, case, folder)
                add_result(report, case, *result)
                if on_result is not None:
                    on_result(case, *result)
        finally:
            if trace:
                tracemalloc.stop()
    return report


def add_result(report: KindReport, case: int, outcome: str, detail: str, seconds: float,
               allocated: int, mutation: str) -> None:
    report.tried += 1
    report.slowest_s = max(report.slowest_s, seconds)
    report.largest_allocation_mb = max(report.largest_allocation_mb, allocated / 2**20)
    if outcome == "loaded":
        report.loaded += 1
    elif outcome == "refused":
        report.refused += 1
        if len(report.refusal_samples) < 5 and detail not in report.refusal_samples:
            report.refusal_samples.append(detail[:200])
    else:
        report.escapes.append(Escape(case, outcome, detail, mutation))


def keep_case(kind: Kind, seed: int, case: int, folder: Path) -> Path:
    """Write one case's files into `folder` (to look at or to load by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    clear(folder)
    path, mutation = kind.make_case(random.Random(f"{kind.name}:{seed}:{case}"), folder)
    print(f"{kind.name} case {case} (seed {seed}): {mutation}\n  -> {path}", file=sys.stderr)
    return path
