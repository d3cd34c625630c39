"""What `train` prints: a live bar per epoch in a terminal, one line per epoch elsewhere."""

from __future__ import annotations

import sys


def _format_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def epoch_line(r) -> str:
    """The one line that sums up an epoch (the whole output when not in a terminal)."""
    val = f"{r.val_loss:.4f}" if r.val_loss is not None else "n/a"
    return (f"Epoch {r.epoch}/{r.epochs}: train loss {r.train_loss:.4f}, validation loss {val}, "
            f"{r.samples_per_s:,.0f} samples/s, ETA {_format_seconds(r.eta_s)}")


class TerminalProgress:
    """A live progress bar for the epoch in a terminal; one summary line per epoch.

    When standard output is not a terminal (a log file, CI) only the summary
    lines are written, one per epoch, with no carriage returns or colours.
    The bar is rich's (Keras depends on it too); it is transient, so each
    finished epoch leaves only its summary line behind. Use it as a context
    manager so the bar is taken down however training ends.
    """

    def __init__(self, stream=None, console=None, epochs: int | None = None):
        self.stream = stream if stream is not None else sys.stdout
        self.epochs = epochs
        self.console = console
        if console is None and self.stream.isatty():
            from rich.console import Console

            self.console = Console(file=self.stream)
        self.is_tty = self.console is not None and self.console.is_terminal
        self._bar = None
        self._task = None
        self._epoch = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc) -> None:
        self._stop_bar()

    def _start_bar(self, p) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(TextColumn("Epoch {task.fields[epoch]}"), BarColumn(),
                             MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                             console=self.console, transient=True, refresh_per_second=8)
        self._bar.start()
        epoch = f"{p.epoch + 1}/{self.epochs}" if self.epochs else str(p.epoch + 1)
        self._task = self._bar.add_task("", total=p.batches_per_epoch, epoch=epoch, status="")
        self._epoch = p.epoch

    def _stop_bar(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar, self._task, self._epoch = None, None, None

    def on_batch(self, p) -> None:
        if not self.is_tty:
            return
        if self._bar is None or p.epoch != self._epoch:
            self._stop_bar()
            self._start_bar(p)
        status = (f"loss {p.loss:.4f}  {p.samples_per_s:,.0f} samples/s  "
                  f"ETA {_format_seconds(p.eta_s)}")
        self._bar.update(self._task, completed=p.batch, status=status)

    def on_epoch(self, r) -> None:
        self._stop_bar()
        if self.is_tty:
            self.console.print(epoch_line(r), highlight=False, markup=False)
        else:
            self.stream.write(epoch_line(r) + "\n")
            self.stream.flush()
