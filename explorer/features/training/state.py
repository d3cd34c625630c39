"""The Training tab's state: the runs, what the labels say, and when to redraw.

`TrainingRuns` listens to the session's training signals and keeps every run's
points (earlier runs stay, to be compared with the current one), the
readout of the run in progress (status, progress, speed, elapsed time and
ETA: the trainer's own figures, pauses not counted), the settings box and
the loaded weights' history. It makes no widget: the panel draws what its
signals announce.

Per-batch losses arrive at up to ~30 Hz (throttled in the trainer). They are
appended to plain buffers and announced by a 100 ms timer only when
something new came in, so a fast model never makes the GUI redraw faster
than it needs to.

The clock keeps going between reports: an epoch's validation pass sends no
batch for seconds, and the elapsed time and ETA shown then run on from the
trainer's last figures (the status says "validating after epoch k of n"),
standing still only while the run is paused.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import training
from explorer.core.store import Metadata
from explorer.features.training.curves import LoadedHistory, Run, x_span, y_range_to_show
from explorer.services.session import Session
from explorer.widgets.formatting import (
    NOT_AVAILABLE,
    format_duration,
    format_learning_rate,
    format_loss,
    format_rate,
    plural,
    progress_fraction,
    progress_text,
    run_label,
)

# Earlier runs stay on the plot for comparison, but not all of them: every
# curve costs each repaint (the soak's lateness grew run by run with 60 of
# them on the plot), and a legend of more than a handful is not read.
RUNS_ON_PLOT = 6  # the current run and the five before it
REDRAW_INTERVAL_MS = 100  # 10 redraws a second: live to the eye, and the GUI thread
# then takes under a tenth of a core from the training it shares two cores with
LOADING_TEXT = "loading TensorFlow..."
NO_RUN_YET = "no run yet"
NO_RUN_TITLE = "This run (none yet)"
CLICK_TRAIN = "Click Train (Ctrl+T): the loss curves draw here as the model learns."
# The settings box's rows: key and title.
SETTING_ROWS = (("arch", "Model"), ("optimizer", "Optimizer"), ("lr", "Learning rate"),
                ("batch", "Batch size"), ("epochs", "Epochs"), ("noise", "Noise factor"),
                ("data", "Data"))


@dataclass(frozen=True)
class Readout:
    """The texts about the run in progress (or the last one)."""

    status: str = ""
    progress: float = 0.0  # the share of the run done, 0..1
    progress_text: str = NO_RUN_YET
    speed: str = ""  # samples/s, elapsed time, time left
    losses: str = ""  # the last epoch's losses


@dataclass(frozen=True)
class RunSettings:
    """The settings box: what the current run (or the loaded weights) was trained with."""

    title: str
    values: dict[str, str]  # SETTING_ROWS key -> text

    @classmethod
    def empty(cls) -> RunSettings:
        return cls(NO_RUN_TITLE, {key: NOT_AVAILABLE for key, _title in SETTING_ROWS})

    @classmethod
    def of_run(cls, config: training.TrainConfig) -> RunSettings:
        return cls("This run", {
            "arch": config.arch_id, "optimizer": config.optimizer,
            "lr": format_learning_rate(config.effective_learning_rate),
            "batch": str(config.batch_size), "epochs": str(config.epochs),
            "noise": f"{config.effective_noise:g}", "data": NOT_AVAILABLE})

    @classmethod
    def of_weights(cls, meta: Metadata) -> RunSettings:
        return cls("Loaded weights", {
            "arch": meta.arch_id, "optimizer": meta.optimizer,
            "lr": format_learning_rate(meta.learning_rate),
            "batch": str(meta.batch_size), "epochs": str(meta.epochs),
            "noise": f"{meta.noise:g}", "data": meta.data_source})


class TrainingRuns(QObject):
    """The run history and the readout of the Training tab; no widgets."""

    run_started = Signal(object, object)  # (Run, the run it takes over from, or None)
    runs_cleared = Signal(object, object)  # (the runs removed, the run kept drawing or None)
    batches_due = Signal(object)  # Run: batch points came in since the last redraw
    epoch_added = Signal(object)  # Run: it has one more epoch point
    run_ended = Signal(object)  # Run (None if none was seen): the plot may auto-range again
    readout_changed = Signal(object)  # Readout
    settings_changed = Signal(object)  # RunSettings
    history_changed = Signal(object)  # LoadedHistory to draw, or None to remove it
    placeholder_changed = Signal(str)  # the empty plot's hint; "" hides it
    x_span_changed = Signal(float)  # draw x over (0, span) from now on
    log_scale_changed = Signal(bool)

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.runs: list[Run] = []  # oldest first; the last is the current run
        self._ready = session.is_ready
        self._running = False
        self._run_count = 0
        self._dirty = False  # batch points not yet announced
        self._last_batch: training.BatchProgress | None = None
        self._elapsed_s = 0.0
        self._eta_s = math.nan
        self._clock_at = 0.0  # time.monotonic() of the trainer's last figures
        self._paused = False
        self._phase = "training"
        self._log_scale = False
        self._history: LoadedHistory | None = None
        self._readout = Readout()
        self._settings = RunSettings.empty()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.redraw_due)
        self._session = session
        session.backend_ready.connect(self._on_backend_ready)
        session.model_changed.connect(self._on_model_changed)
        session.training_started.connect(self.begin_run)
        session.batch_finished.connect(self.add_batch)
        session.epoch_finished.connect(self.add_epoch)
        session.training_ended.connect(self.end_run)
        session.paused_changed.connect(self.set_paused)
        session.training_progress.connect(self.set_phase)

    # ------------------------------------------------------------ read
    @property
    def current(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    @property
    def readout(self) -> Readout:
        return self._readout

    @property
    def settings(self) -> RunSettings:
        return self._settings

    @property
    def history(self) -> LoadedHistory | None:
        return self._history

    @property
    def elapsed_s(self) -> float:
        """Seconds the current run has trained, pauses not counted (the trainer's clock)."""
        return self._elapsed_s

    @property
    def log_scale(self) -> bool:
        return self._log_scale

    @property
    def follows_y(self) -> bool:
        """Whether the y range is managed here (else the plot auto-ranges it: log scale)."""
        return not self._log_scale

    @property
    def placeholder(self) -> str:
        """The hint an empty plot shows; "" when there is something to draw."""
        if self.runs or self._history is not None:
            return ""
        return LOADING_TEXT if not self._ready else CLICK_TRAIN

    def y_range_for(self, run: Run, view_range: tuple[float, float],
                    refit: bool = False) -> tuple[float, float] | None:
        """The y range to move to (see curves.y_range_to_show), None to stay."""
        return y_range_to_show(run, view_range, refit) if self.follows_y else None

    # ----------------------------------------------------------- act
    def show_idle(self) -> None:
        changes: dict = {"progress": 0.0}
        if not self._ready:
            changes.update(status=LOADING_TEXT, progress_text=NO_RUN_YET)
        elif not self._running and self.current is None:
            changes.update(status="idle", progress_text=NO_RUN_YET)
        self._set_readout(**changes)
        self.placeholder_changed.emit(self.placeholder)

    def set_log_scale(self, on: bool) -> None:
        if on == self._log_scale:
            return
        self._log_scale = on
        self.log_scale_changed.emit(on)
        self.placeholder_changed.emit(self.placeholder)  # an empty plot keeps its hint

    def clear(self) -> None:
        """Forget every run; a run in progress keeps drawing, from no points."""
        kept = self.current if self._running else None
        removed = [run for run in self.runs if run is not kept]
        if kept is not None:
            kept.clear_points()
        self.runs = [kept] if kept is not None else []
        self.runs_cleared.emit(removed, kept)
        self.hide_history()
        self.placeholder_changed.emit(self.placeholder)

    def show_loaded_history(self, meta: Metadata | None) -> None:
        """At start or after a switch: what the loaded weights went through."""
        self.hide_history()
        history = LoadedHistory.of(meta) if meta is not None and not self.runs else None
        if history is not None:
            self._history = history
            self.history_changed.emit(history)
            self._set_settings(RunSettings.of_weights(meta))
        self.placeholder_changed.emit(self.placeholder)

    def hide_history(self) -> None:
        if self._history is None:
            return
        if self.current is None:  # nothing else to describe: back to dashes
            self._set_settings(RunSettings.empty())
        self._history = None
        self.history_changed.emit(None)

    # ------------------------------------------------------- run life
    def begin_run(self, config: training.TrainConfig) -> None:
        previous = self.current
        self.hide_history()
        run = self._new_run(run_label(self._run_count + 1, config.arch_id, config.optimizer),
                            config)
        self.run_started.emit(run, previous)
        self._drop_oldest_runs()
        self._set_settings(RunSettings.of_run(config))
        first = progress_text(1, config.epochs, 0, 0).replace(" · batch 0/0", "")
        self._set_readout(status="training", progress=0.0, progress_text=first,
                          speed="starting...", losses="")
        self.placeholder_changed.emit(self.placeholder)
        self.x_span_changed.emit(x_span(self.runs, config.epochs))

    def add_batch(self, progress: training.BatchProgress) -> None:
        run = self.current or self._adopt_unknown_run()
        run.add_batch(progress)
        self._last_batch = progress
        self._take_elapsed(progress.elapsed_s, progress.eta_s)
        self._dirty = True
        if self._phase != "training" and not self._paused:
            self._phase = "training"
            self._set_readout(status="training")

    def set_phase(self, _fraction: float, text: str) -> None:
        """The trainer's own word on what it does: "validating after epoch 2 of 5"."""
        if self._running and not self._paused and text.startswith("validating"):
            self._phase = "validating"
            self._set_readout(status=text)

    @property
    def live_elapsed_s(self) -> float:
        """The elapsed time now: the trainer's last figure, run on while not paused."""
        if not self._running or self._paused:
            return self._elapsed_s
        return self._elapsed_s + time.monotonic() - self._clock_at

    @property
    def live_eta_s(self) -> float:
        if not self._running or self._paused:
            return self._eta_s
        return max(self._eta_s - (time.monotonic() - self._clock_at), 0.0)

    def add_epoch(self, result: training.EpochResult) -> None:
        run = self.current or self._adopt_unknown_run()
        run.add_epoch(result)
        self._take_elapsed(result.elapsed_s, result.eta_s)
        self.epoch_added.emit(run)
        self._set_readout(losses=f"epoch {result.epoch}: train {format_loss(result.train_loss)}"
                                 f" · validation {format_loss(result.val_loss)}")

    def redraw_due(self) -> None:
        """The timer's tick: announce what came in since the last one, if anything
        did, and move the clock on."""
        run = self.current
        if run is None:
            return
        p = self._last_batch
        if self._running and p is not None:
            self._set_readout(speed=f"{format_rate(p.samples_per_s)} · elapsed "
                                    f"{format_duration(self.live_elapsed_s)} · "
                                    f"{format_duration(self.live_eta_s)} left")
        if not self._dirty:
            return
        self._dirty = False
        self.batches_due.emit(run)
        if p is None:
            return
        epochs = run.config.epochs if run.config else p.epoch + 1
        self._set_readout(
            progress=progress_fraction(p.epoch, epochs, p.batch, p.batches_per_epoch),
            progress_text=progress_text(p.epoch + 1, epochs, p.batch, p.batches_per_epoch))
        if run.config is not None:
            data = f"{plural(p.batches_per_epoch, 'batch', 'batches')} per epoch"
            self._set_settings(replace(self._settings,
                                       values={**self._settings.values, "data": data}))

    def end_run(self, result: training.TrainResult) -> None:
        self.redraw_due()  # the last points, without waiting for the timer
        self._timer.stop()
        self._running = False
        run = self.current
        self.run_ended.emit(run)
        epochs = run.config.epochs if run and run.config else result.epochs_done
        done = f"{result.epochs_done}/{epochs} epochs"
        elapsed = f"elapsed {format_duration(self._elapsed_s)}"
        if result.status == "finished":
            self._set_readout(status=f"finished: {plural(result.epochs_done, 'epoch')}",
                              progress=1.0, progress_text=f"finished · {done}", speed=elapsed)
        elif result.status == "stopped":
            self._set_readout(status=f"stopped after {plural(result.epochs_done, 'epoch')}",
                              progress_text=f"stopped · {done}", speed=elapsed)
        else:
            message = (result.error or "unknown error").splitlines()[0]
            self._set_readout(status=f"failed: {message}", progress_text=f"failed · {done}",
                              speed=elapsed)

    def set_paused(self, paused: bool) -> None:
        if paused and not self._paused:
            self._elapsed_s, self._eta_s = self.live_elapsed_s, self.live_eta_s  # the clock stops
        self._paused = paused
        self._clock_at = time.monotonic()
        if paused:
            self._set_readout(status="paused")
        elif self._running:
            self._phase = "training"
            self._set_readout(status="training")

    # --------------------------------------------------------- helpers
    def _new_run(self, label: str, config: training.TrainConfig | None) -> Run:
        self._run_count += 1
        run = Run(self._run_count, label, config)
        self.runs.append(run)
        self._running = True
        self._paused = False
        self._phase = "training"
        self._last_batch = None
        self._elapsed_s, self._eta_s = 0.0, math.nan
        self._clock_at = time.monotonic()
        self._timer.start()
        return run

    def _drop_oldest_runs(self) -> None:
        if len(self.runs) <= RUNS_ON_PLOT:
            return
        dropped = self.runs[:-RUNS_ON_PLOT]
        self.runs = self.runs[-RUNS_ON_PLOT:]
        self.runs_cleared.emit(dropped, None)

    def _adopt_unknown_run(self) -> Run:
        """Progress of a run started before this tab existed: draw it anyway."""
        run = self._new_run(f"run {self._run_count + 1}", None)
        self.run_started.emit(run, None)
        self._drop_oldest_runs()
        return run

    def _take_elapsed(self, seconds: float, eta_s: float = math.nan) -> None:
        # Progress made without the trainer's clock has NaN: keep the last figure.
        if math.isfinite(seconds):
            self._elapsed_s = seconds
        self._eta_s = eta_s
        self._clock_at = time.monotonic()

    def _set_readout(self, **changes) -> None:
        readout = replace(self._readout, **changes)
        if readout != self._readout:
            self._readout = readout
            self.readout_changed.emit(readout)

    def _set_settings(self, settings: RunSettings) -> None:
        if settings != self._settings:
            self._settings = settings
            self.settings_changed.emit(settings)

    def _on_backend_ready(self) -> None:
        self._ready = True
        self.show_idle()

    def _on_model_changed(self, _arch_id: str) -> None:
        self.show_loaded_history(self._session.metadata)
