"""The pace of the K-means lab's Run button: one half step per tick, until there is no more."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

DEFAULT_SPEED = 4  # half steps per second: slow enough to follow in a lecture


class RunAnimation(QObject):
    """Calls `advance()` `speed` times a second while running; stops when it returns False.

    The first call comes at once on `start()`, so a click shows a step
    without waiting a whole interval.
    """

    running_changed = Signal(bool)

    def __init__(self, advance: Callable[[], bool], parent: QObject | None = None):
        super().__init__(parent)
        self._advance = advance
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self.speed = DEFAULT_SPEED
        self.set_speed(DEFAULT_SPEED)

    @property
    def is_running(self) -> bool:
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        """Time between two ticks."""
        return self._timer.interval()

    def set_speed(self, ticks_per_second: int) -> None:
        if ticks_per_second < 1:
            raise ValueError(f"the speed must be at least 1 half step/s, got {ticks_per_second}")
        self.speed = int(ticks_per_second)
        self._timer.setInterval(max(1, 1000 // self.speed))

    def start(self) -> None:
        if not self.is_running:
            self._timer.start()
            self.running_changed.emit(True)
        self.tick()

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.running_changed.emit(False)

    def tick(self) -> None:
        """One frame (the timer calls this; tests call it to step the animation by hand)."""
        if not self._advance():
            self.stop()
