"""A task state for tests: records every progress report and every check."""

from __future__ import annotations

from explorer.core.tasks import Task


class RecordingTask(Task):
    """`fractions` holds each reported fraction, `checks` counts `check()` calls.

    `cancel_at_check=n` cancels the task at its n-th check (1-based), so the
    n-th check raises `tasks.Cancelled`.
    """

    def __init__(self, cancel_at_check: int | None = None):
        super().__init__()
        self.fractions: list[float] = []
        self.texts: list[str] = []
        self.checks = 0
        self._cancel_at = cancel_at_check

    def set_progress(self, fraction: float, text: str = "") -> None:
        super().set_progress(fraction, text)
        self.fractions.append(float(fraction))
        self.texts.append(text)

    def check(self) -> None:
        self.checks += 1
        if self._cancel_at is not None and self.checks >= self._cancel_at:
            self.cancel()
        super().check()
