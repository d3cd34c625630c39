"""A soak: the real window used for an hour (or --minutes), memory and lateness per minute.

Scripted use, in cycles over every architecture: the architecture switched
through the dock's combo, a short training run started with the Train
button (fresh or continued), the noise slider moved while it trains, paused
and resumed, every third run stopped; the K-means lab run and stopped; the
latent map projected by PCA and by t-SNE (through the Latent space tab's
state: no projection control has landed in the window yet); the loss plot,
the view, the K-means assignments and the model exported to a temporary
folder. The runs leave recovery checkpoints as the real program's do.

Every minute one JSON line: the resident memory, the lateness of a 10 ms GUI
timer (p99 and maximum over the minute), the exceptions so far (sys and
threading excepthooks, Qt critical messages, model-thread job tracebacks)
and what was done. At the end a summary: the growth after the first five
minutes (target < 100 MB), the lateness (targets: p99 < 50 ms, max < 200 ms)
and the exceptions (target 0).

    python tests/benchmarks/soak.py [--minutes 60] [--quick]   # --quick: 10 minutes
    python tests/benchmarks/soak.py --monkey                   # the long monkey: 10 seeds x 2,000

Outside CI (it loads the machine); run it with `nice`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ARCHS = ("simple", "sparse", "deep", "conv", "denoise")
TICK_MS = 10
TRAIN_LIMIT = (2000, 500)  # digits per run: a run of seconds, not minutes
EPOCHS = 2
TARGETS = {"growth_after_5_min_mb": 100, "p99_late_ms": 50, "max_late_ms": 200, "exceptions": 0}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Record:
    """What the soak saw: lateness ticks of the current minute, exceptions, counts."""

    def __init__(self):
        self.late_ms: list[float] = []
        self.exceptions: list[str] = []
        self.errors_shown = 0
        self.done: dict[str, int] = {}
        self.minutes: list[dict] = []
        self.phase = "start"  # what the scenario does now
        self.late_phases: dict[str, float] = {}  # phase -> its worst lateness, over 100 ms
        self.stalls: list[dict] = []  # StallWatch's samples

    def crashed(self, what: str) -> None:
        self.exceptions.append(what)
        print(f"soak: exception in {self.phase}: {what}", file=sys.stderr, flush=True)

    def count(self, what: str) -> None:
        self.done[what] = self.done.get(what, 0) + 1


class _JobFailures(logging.Handler):
    """A model-thread job's traceback (workers.py logs it) is an exception too."""

    def __init__(self, record: Record):
        super().__init__(logging.ERROR)
        self.record = record

    def emit(self, entry: logging.LogRecord) -> None:
        if "Traceback" in entry.getMessage():
            self.record.crashed(entry.getMessage())


def _hook_exceptions(record: Record) -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def on_exception(kind, value, tb):
        record.crashed(f"{kind.__name__}: {value}")
        sys.__excepthook__(kind, value, tb)

    def on_qt_message(kind, _context, message):
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            record.crashed(f"Qt {kind.name}: {message}")

    sys.excepthook = on_exception
    threading.excepthook = lambda a: record.crashed(
        f"in thread {a.thread}: {a.exc_type.__name__}: {a.exc_value}")
    qInstallMessageHandler(on_qt_message)
    logging.getLogger("explorer").addHandler(_JobFailures(record))


# ------------------------------------------------------------ the scenario
def scenario(w, out: Path, record: Record, deadline: float):
    """The scripted use, as a generator: it yields what to wait for (a
    predicate, or seconds), so the event loop runs freely in between."""
    from explorer.core import projection
    from explorer.features.latent_space.jobs import Projector

    s, panel, k, lab = w.session, w.model_panel, w.kmeans_panel, w.latent_space_panel.lab
    slider = w.recon_panel.noise_slider
    tsne = Projector("tsne", lambda codes, state: projection.project(codes, "tsne", state))
    yield lambda: s.is_ready
    # The start (TensorFlow's import, the first build) is bench_startup's: the
    # soak's lateness counts from here.
    record.late_ms.clear()
    record.late_phases.clear()
    cycle = 0
    while time.monotonic() < deadline:
        arch = ARCHS[cycle % len(ARCHS)]
        record.phase = f"switch to {arch}"
        combo = panel.architecture_combo
        combo.setCurrentIndex(combo.findData(arch))
        record.count("architecture switches")
        yield lambda arch=arch: not s.is_busy and s.arch_id == arch and s.is_ready
        # A training run: noise moves while it trains, a pause, every third one stopped.
        record.phase = f"train {arch}"
        w.show_feature(w.training_panel)
        panel.train_limit = TRAIN_LIMIT
        panel.epochs_spin.setValue(EPOCHS)
        panel.continue_check.setChecked(cycle % 2 == 1)
        panel.train_button.click()
        record.count("training runs")
        yield 0.2
        for i in range(6):
            yield 0.5
            slider.setValue((slider.value() + 7) % (slider.maximum() + 1))
            record.count("noise moves")
            if i == 2 and s.is_training:
                panel.pause_button.click()
                record.count("pauses")
                yield 1.0
                panel.pause_button.click()
        if cycle % 3 == 2 and s.is_training:
            panel.stop_button.click()
            record.count("stops")
        yield lambda: not s.is_busy
        # K-means: run the animation a while, then stop it.
        record.phase = "k-means"
        w.show_feature(k)
        yield (lambda: k.points is not None and k.run_button.isEnabled(), 120)
        if k.run_button.isEnabled():
            k.run_button.click()
            record.count("k-means runs")
            yield 2.0
            if k.is_running:
                k.toggle_run()
        # A projection of the latent map: t-SNE and PCA in turn.
        w.show_feature(w.latent_space_panel)
        before = lab.map.answer
        record.phase = "t-SNE map" if cycle % 2 == 0 else "PCA map"
        lab.map.set_projector(tsne if cycle % 2 == 0 else Projector())
        record.count("projections")
        yield (lambda before=before: lab.map.answer is not before, 300)
        # Exports into the temporary folder.
        record.phase = "exports"
        w.show_feature(w.training_panel)
        w.exporter.export_plot_svg(0, str(out / "loss.svg"))
        w.exporter.export_view_png(str(out / "view.png"))
        w.show_feature(k)
        for export in k.file_exports():
            if export.available():
                w.exporter.export_file(export, str(out / "assignments.csv"))
        w.exporter.export_model_keras(str(out / "model.keras"))
        record.count("export rounds")
        yield lambda: not s.is_busy
        yield 0.5
        cycle += 1


class StallWatch(threading.Thread):
    """Where the GUI thread is when a tick is over 300 ms late: its stack and the
    model thread's, sampled once per stall (why a stall happens, not only that)."""

    def __init__(self, driver: Driver, gui_ident: int):
        super().__init__(name="soak-stall-watch", daemon=True)
        self.driver, self.gui_ident = driver, gui_ident
        self.stalls: list[dict] = []
        self.running = True

    def run(self) -> None:
        import traceback

        sampled_at = 0.0
        while self.running:
            time.sleep(0.05)
            last = self.driver.last_tick
            if not last or time.perf_counter() - last < 0.3 or last == sampled_at:
                continue
            sampled_at = last
            stacks = {}
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                name = "gui" if ident == self.gui_ident else f"thread {ident}"
                stacks[name] = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                                for f in traceback.extract_stack(frame)[-8:]]
            self.stalls.append({"phase": self.driver.record.phase, "stacks": stacks})


class Driver:
    """Advances the scenario from a GUI timer; reports every minute."""

    def __init__(self, app, steps, record: Record, started: float):
        from PySide6.QtCore import Qt, QTimer

        self.app, self.steps, self.record, self.started = app, steps, record, started
        self.wait_for, self.until = None, 0.0
        self.step_timer = QTimer()
        self.step_timer.timeout.connect(self.step)
        self.step_timer.start(25)
        self.ticker = QTimer()
        self.ticker.setTimerType(Qt.TimerType.PreciseTimer)
        self.ticker.timeout.connect(self.tick)
        self.last_tick = 0.0
        self.ticker.start(TICK_MS)
        self.report_timer = QTimer()
        self.report_timer.timeout.connect(self.report)
        self.report_timer.start(60_000)

    def tick(self) -> None:
        now = time.perf_counter()
        if self.last_tick:
            late = max(0.0, (now - self.last_tick) * 1000 - TICK_MS)
            self.record.late_ms.append(late)
            phases = self.record.late_phases
            if late > 100 and late > phases.get(self.record.phase, 0):
                phases[self.record.phase] = round(late, 1)
        self.last_tick = now

    def step(self) -> None:
        now = time.monotonic()
        if now < self.until or (self.wait_for is not None and not self.wait_for()):
            return
        self.wait_for, self.until = None, 0.0
        try:
            what = next(self.steps)
        except StopIteration:
            self.report()
            self.app.quit()
            return
        if isinstance(what, (int, float)):
            self.until = now + what
        else:
            predicate, limit = what if isinstance(what, tuple) else (what, 600)
            give_up = now + limit
            self.wait_for = lambda: predicate() or time.monotonic() > give_up

    def report(self) -> None:
        late = np.asarray(self.record.late_ms or [0.0])
        self.record.late_ms = []
        line = {"minute": round((time.monotonic() - self.started) / 60, 2),
                "rss_mb": round(rss_mb(), 1), "ticks": int(late.size),
                "p99_late_ms": round(float(np.percentile(late, 99)), 1),
                "max_late_ms": round(float(late.max()), 1),
                "exceptions": len(self.record.exceptions),
                "errors_shown": self.record.errors_shown, "done": dict(self.record.done)}
        self.record.minutes.append(line)
        print(json.dumps(line), flush=True)


def soak(minutes: float) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        tmp = Path(tmp)
        os.environ["AUTOENCODER_EXPLORER_HOME"] = str(tmp / "home")  # never the user's own
        (tmp / "out").mkdir()
        from PySide6.QtWidgets import QApplication

        from explorer.core.data import load_embedded
        from explorer.ui.main_window import MainWindow

        app = QApplication.instance() or QApplication([])
        record = Record()
        _hook_exceptions(record)
        window = MainWindow(dataset=load_embedded(), arch_id="simple",
                            recovery_folder=tmp / "checkpoints")
        window.session.error_raised.connect(
            lambda _m: setattr(record, "errors_shown", record.errors_shown + 1))
        window.session.guard.ask = None  # a script: never ask (a modal box would stall it)
        window.resize(1280, 800)
        window.show()
        started = time.monotonic()
        steps = scenario(window, tmp / "out", record, started + minutes * 60)
        driver = Driver(app, steps, record, started)
        watch = StallWatch(driver, threading.get_ident())
        watch.start()
        app.exec()
        watch.running = False
        driver.ticker.stop()
        record.stalls = watch.stalls
        window.close()
        left = sorted(p.name for p in (tmp / "checkpoints").glob("*.json"))
    return summary(record, minutes, left)


def summary(record: Record, minutes: float, checkpoints_left: list[str]) -> dict:
    rows = record.minutes
    rss = [r["rss_mb"] for r in rows]
    base = min(5, max(0, len(rss) // 2 - 1))  # a short soak: from its middle
    growth = round(rss[-1] - rss[base], 1) if rss else 0.0
    p99 = max((r["p99_late_ms"] for r in rows), default=0.0)
    worst = max((r["max_late_ms"] for r in rows), default=0.0)
    return {
        "benchmark": "soak", "minutes": minutes, "rss_mb_per_minute": rss,
        "growth_after_minute_mb": {"from_minute": base + 1, "mb": growth},
        "worst_minute_p99_late_ms": p99, "max_late_ms": worst,
        "p99_late_ms_per_minute": [r["p99_late_ms"] for r in rows],
        "max_late_ms_per_minute": [r["max_late_ms"] for r in rows],
        "exceptions": [e.strip().splitlines()[-1] for e in record.exceptions[:20]],
        "n_exceptions": len(record.exceptions),
        "errors_shown": record.errors_shown, "done": record.done,
        "checkpoints_left": checkpoints_left, "late_over_100_ms_in": record.late_phases,
        "stalls_over_300_ms": len(record.stalls), "stall_samples": record.stalls[:12], "targets": TARGETS,
        "met": {"growth": growth < TARGETS["growth_after_5_min_mb"],
                "p99": p99 < TARGETS["p99_late_ms"], "max": worst < TARGETS["max_late_ms"],
                "exceptions": not record.exceptions},
    }


def long_monkey(seeds: int, actions: int) -> dict:
    """The monkey test at soak size, in its own pytest run."""
    env = dict(os.environ, EXPLORER_MONKEY_SEEDS=",".join(str(s) for s in range(1, seeds + 1)),
               EXPLORER_MONKEY_ACTIONS=str(actions), EXPLORER_MONKEY_HANG_S="3600",
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "tests/ui/test_monkey.py"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("monkey seed")]
    return {"benchmark": "long_monkey", "seeds": seeds, "actions": actions,
            "passed": run.returncode == 0, "seconds": round(time.perf_counter() - t0),
            "per_seed": lines, "tail": "" if run.returncode == 0 else run.stdout[-3000:]}


def run(quick: bool = False) -> dict:
    """For run_all.py (opt-in: `--only soak`): 10 minutes quick, else the hour."""
    return soak(10 if quick else 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--quick", action="store_true", help="10 minutes")
    parser.add_argument("--monkey", action="store_true",
                        help="the long monkey instead: --seeds x --actions")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--actions", type=int, default=2000)
    args = parser.parse_args()
    if args.monkey:
        print(json.dumps(long_monkey(args.seeds, args.actions)))
        return
    print(json.dumps(soak(10 if args.quick else args.minutes)))


if __name__ == "__main__":
    main()
