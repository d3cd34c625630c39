"""The one place where threads are made.

All Keras work runs on a single long-lived "model thread", so the model is
never touched from two threads at once and never from the GUI thread:

* `ModelWorker.submit(key, fn, on_done)` queues a view; a newer view with
  the same key replaces a pending one (a dragged slider asks dozens of
  times, only the latest answer matters), and the answer of a superseded
  view never reaches the UI.
* `ModelWorker.command(name, fn, on_done, on_error)` queues a command (save,
  load, export, train, reset): never replaced, run in order, each answered
  with its result or its error.
* Training is a command too. While it runs, the training callback calls
  `serve_pending()` between batches, so the panels' small requests are still
  answered, on the same thread, without waiting for the run to end.

Results come back to the GUI thread through a queued Qt signal and are
dispatched there to the callback given with the job. The signal carries only
the job's number; the result itself waits in a dict. A Python object in a
queued signal is copied by Qt while it holds its signal-slot lock, and the
copy needs the GIL: if the GUI thread, holding the GIL, is meanwhile
destroying a Qt object (which needs that lock), both threads wait for ever.
Plain ints cannot cause it. (Garbage collection on the model thread was a
second route to the same hang: see services/gui_collector.py.)
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.tasks import Cancelled, TaskState
from explorer.services import gui_collector

log = logging.getLogger(__name__)

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()
# How long a close waits, at most, for a step that cannot be interrupted
# (TensorFlow's import, a graph being traced) before giving the thread up.
STRAGGLER_WAIT_MS = 60_000
_abandoned: list[QThread] = []  # never destroyed while running: that aborts
# The model thread runs this much nicer than the GUI thread, and so do the
# threads TensorFlow and tf.data start from it (a Linux thread inherits its
# creator's nice value). On two cores the runtime's threads took the CPU the
# GUI thread needed to paint: a 4-minute soak on each setting, one after the
# other, had a GUI-timer p99 of 40-49 ms and maxima of 146-172 ms a minute at
# the same nice, 30-38 ms and 98-131 ms at +10, with as many runs done.
MODEL_THREAD_NICENESS = 10


def running_threads() -> list[QThread]:
    """Threads made here that are still running (tests fail on leftovers)."""
    return [t for t in list(_threads) if _is_running(t)]


def _is_running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is already gone
        return False


_workers: weakref.WeakSet[ModelWorker] = weakref.WeakSet()


def _a_model_thread_is_busy() -> bool:
    return any(worker.running_job for worker in list(_workers))


def collect_garbage_on_gui_thread_only() -> None:
    """Install the GuiThreadCollector, which waits for idle model threads (once; GUI thread)."""
    gui_collector.install(_a_model_thread_is_busy)


def yield_cpu_to_the_gui() -> None:
    """Make the calling thread (a model thread) nicer by MODEL_THREAD_NICENESS.

    Linux only, where a thread has a nice value of its own (a native thread
    id names it to setpriority). Elsewhere the same call would name another
    process, so the thread keeps QThread's LowPriority alone. Raising a nice
    value needs no privilege; the kernel caps it at 19.
    """
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid,
                       os.getpriority(os.PRIO_PROCESS, tid) + MODEL_THREAD_NICENESS)
    except OSError as exc:  # a sandbox may refuse it: the thread runs as it is
        log.info("model thread priority unchanged: %s", exc)


def make_thread(name: str) -> QThread:
    thread = QThread()
    thread.setObjectName(name)
    _threads.add(thread)
    return thread


class JobState(TaskState):
    """Handed to job functions: the core task contract, answered by the worker.

    A view is cancelled once a newer request with its key replaced it, or
    `ModelWorker.cancel(key)` forgot it; a command is never cancelled.
    """

    def __init__(self, worker: ModelWorker, job: _Job):
        self._worker, self._job = worker, job

    @property
    def key(self) -> str:
        return self._job.key

    def is_cancelled(self) -> bool:
        return self._worker._is_stale(self._job)

    def set_progress(self, fraction: float, text: str = "") -> None:
        self._worker.job_progress.emit(self._job.key, float(fraction), text or self._job.title)


@dataclass
class _Job:
    key: str
    token: int
    fn: Callable[[JobState], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[str], None] | None
    during_training: bool
    title: str = ""  # what the status bar calls the job while it reports progress
    is_command: bool = False
    keep_on_shutdown: bool = False
    done: bool = field(default=False)


class ModelWorker(QObject):
    """Runs jobs one after another on one thread of its own.

    Two kinds of job. A *view* (`submit`) answers a question about the
    model for the screen: a newer request with the same key replaces a
    pending one, and only the latest answer is delivered. A *command*
    (`command`) changes or writes something the user asked for (save, load,
    export, train, reset): commands are never replaced or dropped, run in
    the order given, and each reports its success or its error. A command
    says itself whether it must still run when the window closes.
    """

    # A job's token: its result (or error message) waits in self._answers.
    _job_finished = Signal(int)
    _job_failed = Signal(int)
    job_progress = Signal(str, float, str)  # key, fraction, what is being done
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending: dict[str, _Job] = {}
        self._latest: dict[str, int] = {}
        self._callbacks: dict[int, _Job] = {}
        self._answers: dict[int, Any] = {}  # token -> result or error message
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._in_training = False
        self._deferred: list[_Job] = []  # heavy jobs held back during training
        self.running_job = False  # set on the model thread; read by the collector
        _workers.add(self)
        collect_garbage_on_gui_thread_only()  # before the thread can allocate
        self._thread = make_thread("model-worker")
        self._job_finished.connect(self._dispatch_result)
        self._job_failed.connect(self._dispatch_error)
        self._loop = _Loop(self)
        self._loop.moveToThread(self._thread)
        self._thread.started.connect(self._loop.run)
        # Below the GUI thread: on Windows and macOS this is the priority; on
        # Linux Qt ignores it and yield_cpu_to_the_gui sets a nice value.
        self._thread.start(QThread.Priority.LowPriority)

    # ----------------------------------------------------------- GUI thread
    def submit(self, key: str, fn: Callable[[JobState], Any],
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None,
               during_training: bool = True, title: str = "") -> int:
        """Queue the view `fn(state)`; on_done(result) runs on the GUI thread.

        A newer view with the same key replaces this one while it waits, and
        the answer of a replaced or cancelled view never reaches the UI.
        during_training=False keeps a heavy job (encoding every digit) waiting
        until a training run ends rather than slowing it down.
        """
        return self._enqueue(key, fn, on_done, on_error, during_training, title)

    def command(self, name: str, fn: Callable[[JobState], Any],
                on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[str], None] | None = None,
                during_training: bool = True, keep_on_shutdown: bool = False,
                title: str = "") -> int:
        """Queue the command `fn(state)`: run in order, never replaced or dropped.

        keep_on_shutdown=True: it still runs if the window closes while it
        waits (a save the user asked for); otherwise a pending command is
        dropped at shutdown with the rest.
        """
        token = next(self._tokens)
        return self._enqueue(f"{name}#{token}", fn, on_done, on_error, during_training, title,
                             is_command=True, keep_on_shutdown=keep_on_shutdown, token=token)

    def _enqueue(self, key, fn, on_done, on_error, during_training, title,
                 is_command=False, keep_on_shutdown=False, token=None) -> int:
        with self._lock:
            token = token if token is not None else next(self._tokens)
            job = _Job(key, token, fn, on_done, on_error, during_training, title,
                       is_command, keep_on_shutdown)
            if not is_command:
                self._latest[key] = token
            replaced = self._pending.get(key)
            self._pending[key] = job
            self._callbacks[token] = job
            if replaced is not None:
                self._callbacks.pop(replaced.token, None)
        self._queue.put(job)
        return token

    def cancel(self, key: str) -> None:
        """Forget the view with this key: its answer will not be delivered."""
        with self._lock:
            self._latest[key] = -1
            job = self._pending.pop(key, None)
            if job is not None:
                self._callbacks.pop(job.token, None)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the thread after the running job and the commands that must
        still run; True if it ended.

        A stop takes effect between batches, but TensorFlow's import and the
        tracing of a graph cannot be interrupted and take seconds on a busy
        machine. A QThread destroyed while it runs aborts the whole process
        ("QThread: Destroyed while thread is still running"), so after
        `timeout_ms` this keeps waiting, up to STRAGGLER_WAIT_MS.
        """
        with self._lock:
            for key, job in list(self._pending.items()):
                if not job.keep_on_shutdown:
                    del self._pending[key]
            self._callbacks.clear()  # no answer reaches a window that is going
            self._answers.clear()
        self._queue.put(None)
        self._thread.quit()
        if self._thread.wait(timeout_ms):
            return True
        log.warning("the model thread is finishing a step that cannot be interrupted; "
                    "waiting for it")
        if self._thread.wait(STRAGGLER_WAIT_MS):
            return True
        _abandoned.append(self._thread)
        return False

    def _take_answer(self, token: int) -> tuple[_Job | None, Any]:
        with self._lock:
            return self._callbacks.pop(token, None), self._answers.pop(token, None)

    @Slot(int)
    def _dispatch_result(self, token: int) -> None:
        job, result = self._take_answer(token)
        if job is None or self._is_stale(job):
            return  # superseded or cancelled: the UI never sees it
        if job.on_done is not None:
            job.on_done(result)

    @Slot(int)
    def _dispatch_error(self, token: int) -> None:
        job, message = self._take_answer(token)
        if job is None or self._is_stale(job):
            return
        if job.on_error is not None:
            job.on_error(message)
        else:
            log.error("background job %s failed: %s", job.key, message)

    # -------------------------------------------------------- model thread
    def _is_stale(self, job: _Job) -> bool:
        """A view replaced by a newer one with its key, or cancelled; never a command."""
        return not job.is_command and self._latest.get(job.key) != job.token

    def _take(self, job: _Job) -> bool:
        """Claim a queued job; False if it was replaced or already run."""
        with self._lock:
            if job.done or self._pending.get(job.key) is not job:
                return False
            if self._in_training and not job.during_training:
                return False  # stays pending; re-queued when training ends
            job.done = True
            del self._pending[job.key]
            return True

    def _run(self, job: _Job) -> None:
        state = JobState(self, job)
        try:
            result = job.fn(state)
        except Cancelled:
            return
        except Exception as exc:  # reported to the UI, never raised into Qt
            log.debug("job %s failed", job.key, exc_info=True)
            message = str(exc) or type(exc).__name__
            if not isinstance(exc, (ValueError, RuntimeError, OSError)):
                message = f"{type(exc).__name__}: {message}"
            log.error("job %s failed:\n%s", job.key, traceback.format_exc())
            self._answer(job, message, self._job_failed)
            return
        self._answer(job, result, self._job_finished)

    def _answer(self, job: _Job, answer: Any, signal) -> None:
        with self._lock:
            if job.token not in self._callbacks:
                return  # superseded, cancelled or shutting down: nobody would take it
            self._answers[job.token] = answer
        signal.emit(job.token)

    def serve_pending(self, max_jobs: int = 4) -> None:
        """Run waiting jobs now: called by the training loop between batches."""
        for _ in range(max_jobs):
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is None:  # shutdown marker: leave it for the loop
                self._queue.put(None)
                return
            if self._take(job):
                self._run(job)
            elif not job.done and self._in_training and not job.during_training:
                self._deferred.append(job)

    def set_training(self, active: bool) -> None:
        """Called on the model thread around a training job."""
        self._in_training = active
        if not active:
            for job in self._deferred:
                self._queue.put(job)
            self._deferred = []


class _Loop(QObject):
    """The model thread's main loop: takes jobs off the queue until told to stop."""

    def __init__(self, worker: ModelWorker):
        super().__init__()
        self.worker = worker

    @Slot()
    def run(self) -> None:
        worker = self.worker
        yield_cpu_to_the_gui()
        while True:
            job = worker._queue.get()
            if job is None:
                break
            if worker._take(job):
                worker.busy_changed.emit(True)
                with gui_collector.job_gate:  # not while the GUI thread frees older garbage
                    worker.running_job = True
                try:
                    worker._run(job)
                finally:
                    worker.running_job = False
                worker.busy_changed.emit(worker._queue.qsize() > 0)
        worker.busy_changed.emit(False)
        QThread.currentThread().quit()
