"""The Training tab: live loss curves, progress and ETA of the current run.

Per-batch losses arrive at up to ~30 Hz (throttled in the trainer). They are
appended to plain buffers and drawn by a 33 ms timer only when something new
came in, so a fast model never makes the GUI redraw faster than the screen.
Earlier runs stay on the plot, faded, so two optimizers or two architectures
can be compared on the same axes; "Clear" empties it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core import training
from explorer.services.features import ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.formatting import (
    format_duration,
    format_learning_rate,
    format_loss,
    format_rate,
    plural,
    progress_fraction,
    progress_text,
    run_label,
)
from explorer.widgets.plot_style import style_axes

REDRAW_INTERVAL_MS = 100  # 10 redraws a second: live to the eye, and the GUI thread
# then takes under a tenth of a core from the training it shares two cores with
PROGRESS_STEPS = 1000

# The current run: the usual blue for training, orange for validation.
BATCH_COLOR = (120, 160, 220)
TRAIN_COLOR = (31, 119, 180)
VAL_COLOR = (255, 127, 14)
# Earlier runs: one hue each, so that faded runs can still be told apart.
RUN_PALETTE = ((44, 160, 44), (148, 103, 189), (214, 39, 40), (140, 86, 75),
               (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
FADED_ALPHA = 110
NO_RUN_TITLE = "This run (none yet)"


@dataclass
class RunCurves:
    """The points of one run and the plot items that draw them."""

    number: int
    label: str
    config: training.TrainConfig | None
    batch_x: list[float] = field(default_factory=list)
    batch_y: list[float] = field(default_factory=list)
    epoch_x: list[float] = field(default_factory=list)
    train_y: list[float] = field(default_factory=list)
    val_y: list[float] = field(default_factory=list)
    items: dict[str, pg.PlotDataItem] = field(default_factory=dict)

    def clear_points(self) -> None:
        for buffer in (self.batch_x, self.batch_y, self.epoch_x, self.train_y, self.val_y):
            buffer.clear()


class TrainingPanel(QWidget, FeatureView):
    """The first tab. Listens to the session; never touches the model."""

    feature_key = "training_tab"

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("training_panel")
        self.runs: list[RunCurves] = []
        self._current: RunCurves | None = None
        self._run_count = 0
        self._batch_dirty = False
        self._last_batch: training.BatchProgress | None = None
        self._epochs_done = 0
        self._t_start = 0.0
        self._t_end: float | None = None
        self._paused_since: float | None = None
        self._paused_s = 0.0
        self._build()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._connect()
        self._show_idle()

    # ---------------------------------------------------------------- public
    @property
    def current_curves(self) -> dict[str, pg.PlotDataItem]:
        """The plot items of the newest run: keys "batch", "train", "val"."""
        return dict(self._current.items) if self._current else {}

    @property
    def current_run(self) -> RunCurves | None:
        return self._current

    def clear_plot(self) -> None:
        """Remove every run from the plot; a run in progress keeps drawing."""
        for run in list(self.runs):
            if run is self._current and self.session.is_training:
                run.clear_points()
                self._draw_run(run)
                continue
            self._remove_items(run)
        self.runs = [self._current] if (self._current and self.session.is_training) else []
        if not self.runs:
            self._current = None
        self._hide_history()
        self._update_placeholder()

    def set_log_scale(self, on: bool) -> None:
        self.log_scale_check.setChecked(on)

    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Loss curves", self.loss_plot)]

    # -------------------------------------------------------------- building
    def _build(self) -> None:
        plot = pg.PlotWidget(background="w")
        plot.setObjectName("loss_plot")
        item = plot.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "binary cross-entropy")
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(False)  # the context menu's options confuse a live demo
        style_axes(item, cached=True)  # redrawn 10 times a second while training
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor="k",
                                     brush=pg.mkBrush(255, 255, 255, 210),
                                     pen=pg.mkPen(180, 180, 180))
        self.loss_plot = plot
        self.placeholder = pg.TextItem("", color=(110, 110, 110), anchor=(0.5, 0.5))
        self.placeholder.setZValue(-5)
        item.addItem(self.placeholder, ignoreBounds=True)
        # The history saved with the loaded weights: shown until a run starts.
        self.history_curves = {
            "train": pg.PlotDataItem(pen=pg.mkPen(110, 110, 110, 200, width=1.5,
                                                   style=Qt.PenStyle.SolidLine),
                                     symbol="o", symbolSize=4,
                                     symbolBrush=pg.mkBrush(110, 110, 110, 200),
                                     symbolPen=None),
            "val": pg.PlotDataItem(pen=pg.mkPen(110, 110, 110, 200, width=1.5,
                                                 style=Qt.PenStyle.DashLine)),
        }
        self._history_shown = False

        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setObjectName("log_scale_check")
        self.log_scale_check.setToolTip("A logarithmic loss axis shows the late, slow "
                                        "improvements and diverging runs alike.")
        self.clear_plot_button = QPushButton("Clear")
        self.clear_plot_button.setObjectName("clear_plot_button")
        self.clear_plot_button.setToolTip("Remove every run from the plot")

        self.status_label = QLabel()
        self.status_label.setObjectName("training_status_label")
        self.status_label.setWordWrap(True)
        font = self.status_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.status_label.setFont(font)

        self.training_progress = QProgressBar()
        self.training_progress.setObjectName("training_progress")
        self.training_progress.setRange(0, PROGRESS_STEPS)
        self.training_progress.setTextVisible(True)
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speed_label")
        self.losses_label = QLabel()
        self.losses_label.setObjectName("losses_label")

        settings = QGroupBox(NO_RUN_TITLE)
        settings.setObjectName("run_settings_box")
        self.settings_box = settings
        form = QFormLayout(settings)
        self.settings_labels: dict[str, QLabel] = {}
        for key, title in (("arch", "Model"), ("optimizer", "Optimizer"),
                           ("lr", "Learning rate"), ("batch", "Batch size"),
                           ("epochs", "Epochs"), ("noise", "Noise factor"),
                           ("data", "Data")):
            label = QLabel("–")
            label.setObjectName(f"run_{key}_label")
            label.setWordWrap(True)
            self.settings_labels[key] = label
            form.addRow(title, label)
        settings.setMinimumWidth(190)
        settings.setMaximumWidth(260)

        side = QVBoxLayout()
        side.addWidget(settings)
        side.addWidget(self.log_scale_check)
        side.addWidget(self.clear_plot_button)
        side.addStretch(1)

        middle = QHBoxLayout()
        middle.addWidget(plot, 1)
        middle.addLayout(side)

        bottom = QHBoxLayout()
        bottom.addWidget(self.speed_label, 1)
        bottom.addWidget(self.losses_label)

        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addLayout(middle, 1)
        layout.addWidget(self.training_progress)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        s = self.session
        s.backend_ready.connect(self._show_idle)
        s.model_changed.connect(lambda _arch: self._show_history())
        s.training_started.connect(self._on_training_started)
        s.batch_finished.connect(self._on_batch)
        s.epoch_finished.connect(self._on_epoch)
        s.training_ended.connect(self._on_training_ended)
        s.paused_changed.connect(self._on_paused_changed)
        self.log_scale_check.toggled.connect(self._on_log_scale)
        self.clear_plot_button.clicked.connect(self.clear_plot)

    # ------------------------------------------------------------- run life
    def _on_training_started(self, config: training.TrainConfig) -> None:
        if self._current is not None:
            self._fade(self._current)
        self._hide_history()
        self._run_count += 1
        run = RunCurves(self._run_count, run_label(self._run_count, config.arch_id,
                                                   config.optimizer), config)
        self._add_items(run)
        self.runs.append(run)
        self._current = run
        self._last_batch = None
        self._epochs_done = 0
        self._t_start = time.monotonic()
        self._t_end = None
        self._paused_s = 0.0
        self._paused_since = None
        self._show_settings(config)
        self.status_label.setText("training")
        self.training_progress.setValue(0)
        self.training_progress.setFormat(progress_text(1, config.epochs, 0, 0)
                                         .replace(" · batch 0/0", ""))
        self.speed_label.setText("starting...")
        self.losses_label.setText("")
        self._update_placeholder()
        self._fix_x_range(config.epochs)
        self._redraw_timer.start()

    def _fix_x_range(self, epochs: int) -> None:
        """Span the whole run on x from the start: the curve grows across the
        plot (showing how far along it is), and the x axis is not re-laid-out
        and repainted with every batch."""
        x_max = float(epochs)
        for run in self.runs:
            if run.batch_x:
                x_max = max(x_max, run.batch_x[-1])
            if run.epoch_x:
                x_max = max(x_max, run.epoch_x[-1])
        item = self.loss_plot.getPlotItem()
        item.enableAutoRange(x=False)
        item.setXRange(0, x_max, padding=0.02)
        if not self.log_scale_check.isChecked():
            # y is managed by _follow_y too: pyqtgraph's auto-range moves it
            # with every batch, and each move repaints the axis text (7 ms of
            # GUI thread, holding the GIL the training thread needs).
            item.enableAutoRange(y=False)

    def _follow_y(self, run: RunCurves, refit: bool = False) -> None:
        """Keep the current run's losses in view, moving the y range rarely.

        The range grows when a point leaves it, with room below for a
        falling loss, so it does not move batch after batch; at an epoch's end
        (`refit`) it shrinks only if the losses fill under half of it. Each
        move repaints the axis on the GUI thread. Log scale keeps pyqtgraph's
        auto-range.
        """
        item = self.loss_plot.getPlotItem()
        if self.log_scale_check.isChecked() or not run.batch_y and not run.train_y:
            return
        values = np.asarray(run.batch_y + run.train_y + run.val_y, dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            return
        lo, hi = float(values.min()), float(values.max())
        (view_lo, view_hi) = item.getViewBox().viewRange()[1]
        span = max(hi - lo, 1e-6)
        outside = lo < view_lo or hi > view_hi
        too_loose = refit and span < 0.5 * (view_hi - view_lo)
        if outside or too_loose:
            item.setYRange(max(lo - 0.25 * span, 0.0), hi + 0.05 * span, padding=0)

    def _on_batch(self, progress: training.BatchProgress) -> None:
        run = self._current or self._adopt_unknown_run()
        run.batch_x.append(progress.fractional_epoch)
        run.batch_y.append(progress.loss)
        self._last_batch = progress
        self._batch_dirty = True

    def _on_epoch(self, result: training.EpochResult) -> None:
        run = self._current or self._adopt_unknown_run()
        run.epoch_x.append(float(result.epoch))
        run.train_y.append(result.train_loss)
        run.val_y.append(np.nan if result.val_loss is None else result.val_loss)
        self._epochs_done = result.epoch
        self._draw_epochs(run)
        self._follow_y(run, refit=True)
        val = format_loss(result.val_loss)
        self.losses_label.setText(f"epoch {result.epoch}: train {format_loss(result.train_loss)}"
                                  f" · validation {val}")

    def _on_training_ended(self, result: training.TrainResult) -> None:
        self._redraw()
        self._redraw_timer.stop()
        self.loss_plot.getPlotItem().enableAutoRange()
        self._on_paused_changed(False)  # a run stopped while paused: count the pause
        self._t_end = time.monotonic()
        run = self._current
        epochs = run.config.epochs if run and run.config else result.epochs_done
        if result.status == "finished":
            self.status_label.setText(f"finished: {plural(result.epochs_done, 'epoch')}")
            self.training_progress.setValue(PROGRESS_STEPS)
            self.training_progress.setFormat(f"finished · {result.epochs_done}/{epochs} epochs")
        elif result.status == "stopped":
            self.status_label.setText(f"stopped after {plural(result.epochs_done, 'epoch')}")
            self.training_progress.setFormat(f"stopped · {result.epochs_done}/{epochs} epochs")
        else:
            message = (result.error or "unknown error").splitlines()[0]
            self.status_label.setText(f"failed: {message}")
            self.training_progress.setFormat(f"failed · {result.epochs_done}/{epochs} epochs")
        self.speed_label.setText(f"elapsed {format_duration(self._elapsed())}")

    def _on_paused_changed(self, paused: bool) -> None:
        now = time.monotonic()
        if paused:
            self._paused_since = now
            self.status_label.setText("paused")
        else:
            if self._paused_since is not None:
                self._paused_s += now - self._paused_since
            self._paused_since = None
            if self.session.is_training:
                self.status_label.setText("training")

    def _adopt_unknown_run(self) -> RunCurves:
        """Progress of a run started before this panel existed: draw it anyway."""
        self._run_count += 1
        run = RunCurves(self._run_count, f"run {self._run_count}", None)
        self._add_items(run)
        self.runs.append(run)
        self._current = run
        self._t_start = time.monotonic()
        self._redraw_timer.start()
        return run

    # --------------------------------------------------------------- drawing
    def _redraw(self) -> None:
        """Timer tick: draw what came in since the last tick, if anything did."""
        if not self._batch_dirty or self._current is None:
            return
        self._batch_dirty = False
        run = self._current
        run.items["batch"].setData(np.asarray(run.batch_x, dtype=float),
                                   np.asarray(run.batch_y, dtype=float))
        self._follow_y(run)
        p = self._last_batch
        if p is None:
            return
        epochs = run.config.epochs if run.config else p.epoch + 1
        self.training_progress.setValue(round(PROGRESS_STEPS * progress_fraction(
            p.epoch, epochs, p.batch, p.batches_per_epoch)))
        self.training_progress.setFormat(progress_text(p.epoch + 1, epochs, p.batch,
                                                       p.batches_per_epoch))
        self.speed_label.setText(f"{format_rate(p.samples_per_s)} · elapsed "
                                 f"{format_duration(self._elapsed())} · "
                                 f"{format_duration(p.eta_s)} left")
        if run.config is not None:
            self.settings_labels["data"].setText(
                f"{plural(p.batches_per_epoch, 'batch', 'batches')} per epoch")

    def _draw_epochs(self, run: RunCurves) -> None:
        x = np.asarray(run.epoch_x, dtype=float)
        run.items["train"].setData(x, np.asarray(run.train_y, dtype=float))
        val = np.asarray(run.val_y, dtype=float)
        finite = np.isfinite(val)  # no validation split: nothing to draw
        run.items["val"].setData(x[finite], val[finite])

    def _draw_run(self, run: RunCurves) -> None:
        run.items["batch"].setData(np.asarray(run.batch_x, dtype=float),
                                   np.asarray(run.batch_y, dtype=float))
        self._draw_epochs(run)

    def _add_items(self, run: RunCurves) -> None:
        plot = self.loss_plot.getPlotItem()
        batch = pg.PlotDataItem(pen=pg.mkPen(*BATCH_COLOR, 150, width=1))
        train = pg.PlotDataItem(pen=pg.mkPen(*TRAIN_COLOR, width=2.5), symbol="o",
                                symbolSize=7, symbolBrush=pg.mkBrush(*TRAIN_COLOR),
                                symbolPen=pg.mkPen("w"))
        val = pg.PlotDataItem(pen=pg.mkPen(*VAL_COLOR, width=2.5), symbol="s",
                              symbolSize=7, symbolBrush=pg.mkBrush(*VAL_COLOR),
                              symbolPen=pg.mkPen("w"))
        batch.setZValue(10)
        train.setZValue(12)
        val.setZValue(11)
        # Items go in without names: the legend entries are added by hand so
        # that fading a run can replace its three entries by one.
        for key, item in (("batch", batch), ("train", train), ("val", val)):
            plot.addItem(item)
            run.items[key] = item
        self.legend.addItem(batch, "loss per batch")
        self.legend.addItem(train, "training loss (epoch)")
        self.legend.addItem(val, "validation loss (epoch)")

    def _fade(self, run: RunCurves) -> None:
        """An earlier run: thin, translucent, one legend entry naming it."""
        color = RUN_PALETTE[(run.number - 1) % len(RUN_PALETTE)]
        for item in run.items.values():
            self.legend.removeItem(item)
        run.items["batch"].setPen(pg.mkPen(*color, 45, width=1))
        run.items["train"].setPen(pg.mkPen(*color, FADED_ALPHA, width=2))
        run.items["val"].setPen(pg.mkPen(*color, FADED_ALPHA, width=2,
                                         style=Qt.PenStyle.DashLine))
        for key in ("train", "val"):
            run.items[key].setSymbol(None)
        for z, key in enumerate(("batch", "val", "train")):
            run.items[key].setZValue(1 + z)
        self.legend.addItem(run.items["train"], f"{run.label} (dashed: validation)")

    def _remove_items(self, run: RunCurves) -> None:
        plot = self.loss_plot.getPlotItem()
        for item in run.items.values():
            self.legend.removeItem(item)
            plot.removeItem(item)
        run.items.clear()

    def _on_log_scale(self, on: bool) -> None:
        self.loss_plot.getPlotItem().setLogMode(y=on)
        self.loss_plot.getPlotItem().enableAutoRange()
        self._update_placeholder()  # an empty plot keeps its centred hint

    # ------------------------------------------------ the loaded weights' history
    def _show_history(self) -> None:
        """At start or after a switch, plot what the pre-trained weights went through."""
        self._hide_history()
        meta = self.session.metadata
        if self.runs or meta is None or not meta.history:
            self._update_placeholder()
            return
        train = np.array([h[0] for h in meta.history], dtype=float)
        val = np.array([np.nan if h[1] is None else h[1] for h in meta.history], dtype=float)
        x = np.arange(1, len(train) + 1, dtype=float)
        finite = np.isfinite(val)
        plot = self.loss_plot.getPlotItem()
        self.history_curves["train"].setData(x, train)
        self.history_curves["val"].setData(x[finite], val[finite])
        for item in self.history_curves.values():
            plot.addItem(item)
        self.legend.addItem(self.history_curves["train"],
                            f"loaded weights: {meta.arch_id}, {meta.optimizer}, "
                            f"{plural(meta.epochs, 'epoch')}")
        self.legend.addItem(self.history_curves["val"], "loaded weights: validation")
        self._history_shown = True
        self._show_loaded_settings(meta)
        self._update_placeholder()

    def _hide_history(self) -> None:
        if not self._history_shown:
            return
        if self._current is None:  # nothing else to describe: back to dashes
            self.settings_box.setTitle(NO_RUN_TITLE)
            for label in self.settings_labels.values():
                label.setText("–")
        plot = self.loss_plot.getPlotItem()
        for item in self.history_curves.values():
            self.legend.removeItem(item)
            plot.removeItem(item)
        self._history_shown = False

    # ----------------------------------------------------------- small bits
    def _show_idle(self) -> None:
        if not self.session.is_ready:
            self.status_label.setText("loading TensorFlow...")
            self.training_progress.setFormat("no run yet")
        elif not self.session.is_training and self._current is None:
            self.status_label.setText("idle")
            self.training_progress.setFormat("no run yet")
        self.training_progress.setValue(0)
        self._update_placeholder()

    def _update_placeholder(self) -> None:
        # An empty legend still draws its frame: a stray box on an empty plot.
        self.legend.setVisible(bool(self.legend.items))
        if self.runs or self._history_shown:
            if self.placeholder.isVisible():
                self.placeholder.setVisible(False)
                self.loss_plot.getPlotItem().enableAutoRange()
            return
        if not self.session.is_ready:
            text = "loading TensorFlow..."
        else:
            text = "Click Train (Ctrl+T): the loss curves draw here as the model learns."
        self.placeholder.setText(text)
        self.placeholder.setVisible(True)
        # An empty plot has no range of its own: pin one, centre the text in it.
        self.loss_plot.getPlotItem().getViewBox().setRange(xRange=(0, 1), yRange=(0, 1),
                                                           padding=0)
        self.placeholder.setPos(0.5, 0.5)

    def _show_loaded_settings(self, meta) -> None:
        """Until a run starts: how the loaded weights were trained."""
        self.settings_box.setTitle("Loaded weights")
        values = {"arch": meta.arch_id, "optimizer": meta.optimizer,
                  "lr": format_learning_rate(meta.learning_rate),
                  "batch": str(meta.batch_size), "epochs": str(meta.epochs),
                  "noise": f"{meta.noise:g}", "data": meta.data_source}
        for key, text in values.items():
            self.settings_labels[key].setText(text)

    def _show_settings(self, config: training.TrainConfig) -> None:
        self.settings_box.setTitle("This run")
        labels = self.settings_labels
        labels["arch"].setText(config.arch_id)
        labels["optimizer"].setText(config.optimizer)
        labels["lr"].setText(format_learning_rate(config.effective_learning_rate))
        labels["batch"].setText(str(config.batch_size))
        labels["epochs"].setText(str(config.epochs))
        labels["noise"].setText(f"{config.effective_noise:g}")
        labels["data"].setText("–")

    def _elapsed(self) -> float:
        """Time the run has trained, pauses not counted (as the trainer's ETA)."""
        if not self._t_start:
            return 0.0
        now = self._t_end if self._t_end is not None else time.monotonic()
        paused = self._paused_s
        if self._paused_since is not None:
            paused += now - self._paused_since
        return max(0.0, now - self._t_start - paused)
