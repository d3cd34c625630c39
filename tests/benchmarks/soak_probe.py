"""The soak's instruments: lateness of a GUI timer, exceptions, stalls, memory.

`Driver` advances a scenario (a generator yielding predicates or seconds)
from a GUI timer, so the event loop runs freely between its steps; a 10 ms
timer measures how late the GUI thread is; `StallWatch` samples the threads'
stacks when it is very late; `hook_exceptions` records what reaches the
excepthooks, Qt's critical messages and the model thread's job tracebacks.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

TICK_MS = 10


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
        self.over_200_ms: dict[str, int] = {}  # phase -> how many ticks were later than 200 ms
        self.peak_rss_mb = 0.0  # the highest sample of the current minute
        self.peak_rss_in: dict[str, float] = {}  # phase -> the highest sample in it, MB
        self.stalls: list[dict] = []  # StallWatch's samples
        self.longest_stalls: list[dict] = []  # the 12 longest of them

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


def hook_exceptions(record: Record) -> None:
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


class StallWatch(threading.Thread):
    """Where the GUI thread is when a tick is over 300 ms late: its stack and the
    other threads', sampled once per stall, and again if it lasts over 2 s (why
    a stall happens, not only that), with how long it lasted."""

    def __init__(self, driver: Driver, gui_ident: int):
        super().__init__(name="soak-stall-watch", daemon=True)
        self.driver, self.gui_ident = driver, gui_ident
        self.stalls: list[dict] = []
        self.running = True

    def longest(self, n: int) -> list[dict]:
        done = [stall for stall in self.stalls if "late_s" in stall]
        return sorted(done, key=lambda stall: -stall["late_s"])[:n]

    def _stacks(self) -> dict:
        import traceback

        stacks = {}
        for ident, frame in sys._current_frames().items():
            if ident == threading.get_ident():
                continue
            name = "gui" if ident == self.gui_ident else f"thread {ident}"
            stacks[name] = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                            for f in traceback.extract_stack(frame)[-8:]]
        return stacks

    def run(self) -> None:
        stall: dict | None = None  # the one going on
        started = 0.0  # the tick it follows
        while self.running:
            time.sleep(0.05)
            last = self.driver.last_tick
            if stall is not None and last != started:
                stall["late_s"] = round(last - started, 2)
                if stall["late_s"] >= 1.0:  # as it happens: an hour's run may not reach its end
                    print("soak: stall " + json.dumps(stall), file=sys.stderr, flush=True)
                stall = None
            if not last or time.perf_counter() - last < 0.3:
                continue
            if stall is None:
                started = last
                stall = {"phase": self.driver.record.phase, "stacks": self._stacks()}
                self.stalls.append(stall)
            elif "stacks_after_2_s" not in stall and time.perf_counter() - last > 2.0:
                stall["stacks_after_2_s"] = self._stacks()
            elif "stacks_after_10_s" not in stall and time.perf_counter() - last > 10.0:
                stall["stacks_after_10_s"] = self._stacks()


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
            if late > 200:
                over = self.record.over_200_ms
                over[self.record.phase] = over.get(self.record.phase, 0) + 1
        self.last_tick = now

    def step(self) -> None:
        now = time.monotonic()
        rss, phase, peaks = rss_mb(), self.record.phase, self.record.peak_rss_in
        self.record.peak_rss_mb = max(self.record.peak_rss_mb, rss)  # every 25 ms
        if rss > peaks.get(phase, 0.0):
            peaks[phase] = round(rss, 1)
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
        self.record.peak_rss_mb = max(self.record.peak_rss_mb, rss_mb())
        line = {"minute": round((time.monotonic() - self.started) / 60, 2),
                "rss_mb": round(rss_mb(), 1), "peak_rss_mb": round(self.record.peak_rss_mb, 1),
                "ticks": int(late.size),
                "p99_late_ms": round(float(np.percentile(late, 99)), 1),
                "max_late_ms": round(float(late.max()), 1),
                "exceptions": len(self.record.exceptions),
                "errors_shown": self.record.errors_shown, "done": dict(self.record.done)}
        self.record.peak_rss_mb = 0.0
        self.record.minutes.append(line)
        print(json.dumps(line), flush=True)
