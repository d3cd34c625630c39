"""One contract for every long job: progress and cooperative cancellation.

A core function that takes a while (training, encoding the test split, a
projection, a download, a sweep) takes a `TaskState` as a parameter, as
Orange3's `run_mds(..., state)` does, and defaults to `NO_TASK`, which
reports nowhere and never cancels. It calls `state.set_progress(fraction,
text)` now and then and `state.check()` at points where stopping is safe;
`check()` raises `Cancelled` once the caller has given up on the result.

The UI's model thread hands its jobs a subclass (workers.JobState); tests
and the command line use `Task`, a plain thread-safe implementation. Nothing
here probes its argument with getattr: a state is a TaskState.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Cancelled", "NO_TASK", "Task", "TaskState", "ensure"]


class Cancelled(Exception):
    """Raised by `TaskState.check()`: the caller no longer wants the result."""


class TaskState:
    """The base contract, and on its own a state that does nothing.

    Subclasses override `set_progress` (where progress goes) and
    `is_cancelled` (whether to stop); `check` and `subrange` follow.
    """

    def set_progress(self, fraction: float, text: str = "") -> None:
        """Report how far the job is, 0..1, with an optional short text."""

    def is_cancelled(self) -> bool:
        return False

    def check(self) -> None:
        """Raise `Cancelled` if the caller has given up on the job."""
        if self.is_cancelled():
            raise Cancelled

    def subrange(self, lo: float, hi: float) -> TaskState:
        """A state for one part of the job: its 0..1 maps onto [lo, hi] of this one.

        Used when one job calls another (encoding, then a projection), so the
        progress bar moves once across the whole.
        """
        return _Subrange(self, lo, hi)


NO_TASK = TaskState()


def ensure(state: TaskState | None) -> TaskState:
    """`state`, or the no-op state for None (public functions accept both)."""
    if state is None:
        return NO_TASK
    if not isinstance(state, TaskState):
        raise TypeError(f"expected a TaskState, got {type(state).__name__}")
    return state


class _Subrange(TaskState):
    def __init__(self, parent: TaskState, lo: float, hi: float):
        self.parent, self.lo, self.hi = parent, float(lo), float(hi)

    def set_progress(self, fraction: float, text: str = "") -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.parent.set_progress(self.lo + (self.hi - self.lo) * fraction, text)

    def is_cancelled(self) -> bool:
        return self.parent.is_cancelled()


class Task(TaskState):
    """A thread-safe state: `cancel()` from any thread; progress kept and forwarded.

    `on_progress(fraction, text)` (optional) is called on the job's own
    thread; `progress` and `text` hold the latest report.
    """

    def __init__(self, on_progress: Callable[[float, str], None] | None = None):
        self._cancelled = threading.Event()
        self._on_progress = on_progress
        self.progress = 0.0
        self.text = ""

    def set_progress(self, fraction: float, text: str = "") -> None:
        self.progress, self.text = float(fraction), text
        if self._on_progress is not None:
            self._on_progress(self.progress, text)

    def cancel(self) -> None:
        self._cancelled.set()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()
