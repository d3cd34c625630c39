"""The Training tab's view: live loss curves, progress and ETA of the current run.

It lays out the plot and the labels and draws what its state
(`TrainingRuns`, in state.py) announces: the runs' points, the readout, the
settings box, the loaded weights' history. Earlier runs stay on the plot,
faded, so two optimizers or two architectures can be compared on the same
axes (the five latest: state.RUNS_ON_PLOT); "Clear" empties it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
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

from explorer.features.training.curves import LoadedHistory, Run
from explorer.features.training.state import (
    SETTING_ROWS,
    Readout,
    RunSettings,
    TrainingRuns,
)
from explorer.services.features import ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.plot_style import style_axes
from explorer.widgets.theme import relative_font

PROGRESS_STEPS = 1000

# The current run: the usual blue for training, orange for validation.
BATCH_COLOR = (120, 160, 220)
TRAIN_COLOR = (31, 119, 180)
VAL_COLOR = (255, 127, 14)
# Earlier runs: one hue each, so that faded runs can still be told apart.
RUN_PALETTE = ((44, 160, 44), (148, 103, 189), (214, 39, 40), (140, 86, 75),
               (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
FADED_ALPHA = 110
HISTORY_GREY = (110, 110, 110, 200)


class RunCurves:
    """A run as the plot draws it: the state's `Run` and the items that show it.

    `items` holds "batch", "train" and "val"; every other attribute (number,
    label, config, batch_x, train_y, ...) is the run's own.
    """

    def __init__(self, run: Run, items: dict[str, pg.PlotDataItem]):
        self.run = run
        self.items = items

    def __getattr__(self, name: str):
        return getattr(self.run, name)


class TrainingPanel(QWidget, FeatureView):
    """The first tab. Draws its state's runs; never touches the model."""

    feature_key = "training_tab"
    about = ("An autoencoder learns to copy each 28 x 28 digit through a narrow <b>code</b>: the "
             "encoder squeezes 784 pixels into a few numbers, the decoder rebuilds the picture "
             "from them. The <b>loss</b> says how far the copies are from the originals (binary "
             "cross-entropy, lower is better); it falls as the model learns, and the validation "
             "curve shows whether it also works on digits it does not train on.")

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("training_panel")
        self.state = TrainingRuns(session, self)
        self._curves: dict[Run, RunCurves] = {}
        self._build()
        self._bind()
        self._show_readout(self.state.readout)
        self._show_settings(self.state.settings)
        self.state.show_idle()

    # ---------------------------------------------------------------- public
    @property
    def runs(self) -> list[RunCurves]:
        """Every run on the plot, oldest first."""
        return [self._curves[run] for run in self.state.runs]

    @property
    def current_run(self) -> RunCurves | None:
        run = self.state.current
        return self._curves[run] if run is not None else None

    @property
    def current_curves(self) -> dict[str, pg.PlotDataItem]:
        """The plot items of the newest run: keys "batch", "train", "val"."""
        current = self.current_run
        return dict(current.items) if current else {}

    def clear_plot(self) -> None:
        """Remove every run from the plot; a run in progress keeps drawing."""
        self.state.clear()

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
            "train": pg.PlotDataItem(pen=pg.mkPen(*HISTORY_GREY, width=1.5,
                                                   style=Qt.PenStyle.SolidLine),
                                     symbol="o", symbolSize=4,
                                     symbolBrush=pg.mkBrush(*HISTORY_GREY), symbolPen=None),
            "val": pg.PlotDataItem(pen=pg.mkPen(*HISTORY_GREY, width=1.5,
                                                 style=Qt.PenStyle.DashLine)),
        }

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
        relative_font(self.status_label, 1.15, bold=True)

        self.training_progress = QProgressBar()
        self.training_progress.setObjectName("training_progress")
        self.training_progress.setRange(0, PROGRESS_STEPS)
        self.training_progress.setTextVisible(True)
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speed_label")
        self.losses_label = QLabel()
        self.losses_label.setObjectName("losses_label")

        settings = QGroupBox()
        settings.setObjectName("run_settings_box")
        self.settings_box = settings
        form = QFormLayout(settings)
        self.settings_labels: dict[str, QLabel] = {}
        for key, title in SETTING_ROWS:
            label = QLabel()
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

    def _bind(self) -> None:
        state = self.state
        state.run_started.connect(self._on_run_started)
        state.runs_cleared.connect(self._on_runs_cleared)
        state.batches_due.connect(self._draw_batches)
        state.epoch_added.connect(self._draw_epoch)
        state.run_ended.connect(self._on_run_ended)
        state.readout_changed.connect(self._show_readout)
        state.settings_changed.connect(self._show_settings)
        state.history_changed.connect(self._show_history)
        state.placeholder_changed.connect(self._show_placeholder)
        state.x_span_changed.connect(self._fix_x_range)
        state.log_scale_changed.connect(self._on_log_scale)
        self.log_scale_check.toggled.connect(state.set_log_scale)
        self.clear_plot_button.clicked.connect(self.clear_plot)

    # ------------------------------------------------------------- the runs
    def _on_run_started(self, run: Run, previous: Run | None) -> None:
        if previous is not None:
            self._fade(self._curves[previous])
        self._curves[run] = RunCurves(run, self._add_items())

    def _on_runs_cleared(self, removed: list[Run], kept: Run | None) -> None:
        for run in removed:
            self._remove_items(self._curves.pop(run))
        if kept is not None:
            self._draw_batches(kept, follow=False)
            self._draw_epoch(kept, follow=False)

    def _on_run_ended(self, _run: Run | None) -> None:
        self.loss_plot.getPlotItem().enableAutoRange()

    def _draw_batches(self, run: Run, follow: bool = True) -> None:
        self._curves[run].items["batch"].setData(*run.batch_curve())
        if follow:
            self._follow_y(run)

    def _draw_epoch(self, run: Run, follow: bool = True) -> None:
        items = self._curves[run].items
        items["train"].setData(*run.train_curve())
        items["val"].setData(*run.val_curve())
        if follow:
            self._follow_y(run, refit=True)

    def _follow_y(self, run: Run, refit: bool = False) -> None:
        item = self.loss_plot.getPlotItem()
        y_range = self.state.y_range_for(run, tuple(item.getViewBox().viewRange()[1]), refit)
        if y_range is not None:
            item.setYRange(*y_range, padding=0)

    def _fix_x_range(self, span: float) -> None:
        item = self.loss_plot.getPlotItem()
        item.enableAutoRange(x=False)
        item.setXRange(0, span, padding=0.02)
        if self.state.follows_y:
            # pyqtgraph's auto-range would move y with every batch, and each
            # move repaints the axis text (7 ms of GUI thread, holding the GIL
            # the training thread needs).
            item.enableAutoRange(y=False)

    def _add_items(self) -> dict[str, pg.PlotDataItem]:
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
        items = {"batch": batch, "train": train, "val": val}
        for item in items.values():
            plot.addItem(item)
        self.legend.addItem(batch, "loss per batch")
        self.legend.addItem(train, "training loss (epoch)")
        self.legend.addItem(val, "validation loss (epoch)")
        return items

    def _fade(self, curves: RunCurves) -> None:
        """An earlier run: thin, translucent, one legend entry naming it."""
        color = RUN_PALETTE[(curves.number - 1) % len(RUN_PALETTE)]
        items = curves.items
        for item in items.values():
            self.legend.removeItem(item)
        items["batch"].setPen(pg.mkPen(*color, 45, width=1))
        items["train"].setPen(pg.mkPen(*color, FADED_ALPHA, width=2))
        items["val"].setPen(pg.mkPen(*color, FADED_ALPHA, width=2, style=Qt.PenStyle.DashLine))
        for key in ("train", "val"):
            items[key].setSymbol(None)
        for z, key in enumerate(("batch", "val", "train")):
            items[key].setZValue(1 + z)
        self.legend.addItem(items["train"], f"{curves.label} (dashed: validation)")

    def _remove_items(self, curves: RunCurves) -> None:
        plot = self.loss_plot.getPlotItem()
        for item in curves.items.values():
            self.legend.removeItem(item)
            plot.removeItem(item)
        curves.items.clear()

    def _on_log_scale(self, on: bool) -> None:
        self.log_scale_check.setChecked(on)
        self.loss_plot.getPlotItem().setLogMode(y=on)
        self.loss_plot.getPlotItem().enableAutoRange()

    # ------------------------------------------------------------- the texts
    def _show_readout(self, readout: Readout) -> None:
        self.status_label.setText(readout.status)
        self.training_progress.setValue(round(PROGRESS_STEPS * readout.progress))
        self.training_progress.setFormat(readout.progress_text)
        self.speed_label.setText(readout.speed)
        self.losses_label.setText(readout.losses)

    def _show_settings(self, settings: RunSettings) -> None:
        self.settings_box.setTitle(settings.title)
        for key, text in settings.values.items():
            self.settings_labels[key].setText(text)

    def _show_history(self, history: LoadedHistory | None) -> None:
        plot = self.loss_plot.getPlotItem()
        if history is None:
            for item in self.history_curves.values():
                self.legend.removeItem(item)
                plot.removeItem(item)
            return
        self.history_curves["train"].setData(history.train_x, history.train_y)
        self.history_curves["val"].setData(history.val_x, history.val_y)
        for item in self.history_curves.values():
            plot.addItem(item)
        self.legend.addItem(self.history_curves["train"], history.train_title)
        self.legend.addItem(self.history_curves["val"], history.val_title)

    def _show_placeholder(self, text: str) -> None:
        # An empty legend still draws its frame: a stray box on an empty plot.
        self.legend.setVisible(bool(self.legend.items))
        item = self.loss_plot.getPlotItem()
        if not text:
            if self.placeholder.isVisible():
                self.placeholder.setVisible(False)
                item.enableAutoRange()
            return
        self.placeholder.setText(text)
        self.placeholder.setVisible(True)
        # An empty plot has no range of its own: pin one, centre the text in it.
        item.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.placeholder.setPos(0.5, 0.5)
