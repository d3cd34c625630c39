"""Python's cyclic garbage collection, moved to a GUI-thread timer and kept clear of jobs.

Made once, with the first model thread (`services.workers`); the model
threads take `job_gate` before each job, so a job and a collection of the
older generations never overlap.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from explorer.core import keras_backend

_collector: GuiThreadCollector | None = None  # made with the first model thread
# Held by the collector while it frees older garbage, and taken by a model
# thread before it starts a job: the two never overlap.
job_gate = threading.Lock()


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collection, on a GUI-thread timer, kept clear of jobs.

    Why on the GUI thread: a collection runs on whichever thread happens to
    allocate, and the model thread allocates a lot (tracing a graph). A
    collection there destroyed a garbage Qt object of the GUI thread on the
    model thread: its destructor held Qt's lock and waited for the GIL,
    while the GUI thread, holding the GIL, waited for that lock (py-spy
    --native, a hung monkey test; a segfault in CI was likely the same). So
    automatic collection is off and this timer collects instead, by the same
    thresholds (as pyqtgraph's GarbageCollector does).

    Why not during a job: the garbage includes the TensorFlow functions of
    earlier runs and models, and freeing one (`atomic_function.__del__`)
    waits for the runtime the model thread is using to trace or train. The
    hour-long soak caught the window frozen for 4.7 s and 9.6 s that way.
    While a job runs only the youngest generation is collected (what was
    made in the last tenth of a second, not yet a function the runtime holds);
    the older generations wait for the model thread to be idle (10 s at
    most, then they are collected anyway), and the model thread does not
    start a job while they are collected (`job_gate`): freeing a function
    lets go of the GIL, and a job begun then would hold the runtime for the
    rest of the collection.
    """

    # Every tenth of a second, not every half: a young collection's cost grows
    # with what was made since the last one, and a model thread importing
    # openTSNE made some 95,000 objects in half a second, a 45-70 ms collection
    # that landed on a t-SNE frame's redraw (GUI-timer p99 41-55 ms while
    # t-SNE animated; 26-37 ms in six runs at 100 ms).
    INTERVAL_MS = 100
    # The older generations wait for an idle model thread at most 10 s: garbage
    # put off for a whole run, freed at once, froze the hour-long soak's window
    # for longer than collecting as it comes did.
    MAX_WAIT_MS = 10_000
    MAX_WAIT_CHECKS = MAX_WAIT_MS // INTERVAL_MS

    def __init__(self, model_busy: Callable[[], bool]):
        super().__init__()
        self._model_busy = model_busy
        self.threshold = gc.get_threshold()
        self.deferred = 0  # older-generation collections put off while a job ran
        self._waited = 0  # checks the older generations have waited, in a row
        keras_backend.take_over_garbage_collection()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(self.INTERVAL_MS)

    def check(self) -> None:
        young, middle, old = gc.get_count()
        if young <= self.threshold[0]:
            return
        gc.collect(0)
        if middle <= self.threshold[1]:
            return
        if self._model_busy() and self._waited < self.MAX_WAIT_CHECKS:
            self._defer()
            return
        with job_gate:
            if self._model_busy() and self._waited < self.MAX_WAIT_CHECKS:
                self._defer()  # a job began since the check above
                return
            self._waited = 0
            gc.collect(1)
            if old > self.threshold[2]:
                gc.collect(2)

    def _defer(self) -> None:
        self.deferred += 1
        self._waited += 1


def install(model_busy: Callable[[], bool]) -> None:
    """Install the GuiThreadCollector (once; from the GUI thread)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(model_busy)
