"""The Time-lapse tab: the probe digits' map epoch by epoch, with the loss and K-means scores.

The state is `TimelapseState` (state.py); this view lays out the map (one
scatter item per digit, coloured as on the Latent space map), the scrubber
(`timelapse_slider`) with Play, the loss curves with a cursor at the
frame's epoch, and purity and NMI per epoch with the same cursor. The view
stays put while the frames play (the bounds of every frame), so the cloud is
seen to spread and split as the code learns.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSplitter, QVBoxLayout, QWidget

from explorer.features.timelapse.state import TimelapseState
from explorer.services.features import DemoAction, ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.plot_style import style_axes

# matplotlib's tab10, as the Latent space map: one colour per digit.
DIGIT_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
CURSOR = (200, 30, 30)


def _plot(name: str, title: str, x_label: str = "epoch") -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setObjectName(name)
    plot.setBackground("w")
    item = plot.getPlotItem()
    item.setTitle(title, size="9pt")
    item.setLabel("bottom", x_label)
    item.showGrid(x=True, y=True, alpha=0.2)
    style_axes(item)
    plot.setMenuEnabled(False)
    plot.setMinimumSize(160, 110)
    return plot


class TimelapsePanel(QWidget, FeatureView):
    """The "Time-lapse" tab: `state` holds the frames, the widgets show one of them."""

    feature_key = "timelapse"
    about = ("The same 1,000 test digits, encoded after every epoch of a run and drawn on one "
             "map: drag the slider or press Play to watch the codes sort themselves into digits "
             "as the model learns, with the loss and K-means' purity and NMI at that epoch.")

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.state = TimelapseState(session, self)
        self._build()
        self._bind()
        self.state.load_saved()

    def _build(self) -> None:
        self.map_plot = _plot("timelapse_map", "The probe digits' codes (PCA, aligned frame to frame)",
                              "")
        self.map_plot.getPlotItem().hideAxis("bottom")
        self.map_plot.getPlotItem().hideAxis("left")
        self.map_plot.setMouseEnabled(False, False)
        self.digit_items = [pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*c))
                            for c in DIGIT_COLOURS]
        for item in self.digit_items:
            self.map_plot.addItem(item)
        # Two rows along the top, above the cloud (a column covered its left edge; one
        # row of ten did not fit a 1,024-wide window).
        self.legend = self.map_plot.getPlotItem().addLegend(offset=(4, 2), labelTextSize="8pt",
                                                            colCount=5)
        for d, item in enumerate(self.digit_items):
            self.legend.addItem(item, str(d))
        self.loss_plot = _plot("timelapse_loss_plot", "Loss")
        self.loss_plot.getPlotItem().addLegend(offset=(-4, 4), labelTextSize="8pt")
        self.train_curve = self.loss_plot.plot(pen=pg.mkPen((31, 119, 180), width=2), name="train")
        self.val_curve = self.loss_plot.plot(pen=pg.mkPen((255, 127, 14), width=2), name="validation")
        self.scores_plot = _plot("timelapse_scores_plot", "K-means (K = 10) on the full codes")
        self.scores_plot.getPlotItem().addLegend(offset=(-4, -4), labelTextSize="8pt")
        self.purity_curve = self.scores_plot.plot(pen=pg.mkPen((44, 160, 44), width=2), name="purity")
        self.nmi_curve = self.scores_plot.plot(pen=pg.mkPen((148, 103, 189), width=2), name="NMI")
        self.scores_plot.setYRange(0, 1, padding=0.02)
        self.cursors = []
        for plot in (self.loss_plot, self.scores_plot):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen(*CURSOR, width=1.5))
            plot.addItem(line)
            self.cursors.append(line)
        self.loss_cursor, self.scores_cursor = self.cursors
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("timelapse_play_button")
        self.play_button.setToolTip("Replay the map epoch by epoch")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelapse_slider")
        self.slider.setToolTip("Scrub through the epochs")
        self.slider.setAccessibleName("Time-lapse epoch")
        self.epoch_label = QLabel("")
        self.epoch_label.setObjectName("timelapse_epoch_label")
        self.epoch_label.setMinimumWidth(260)
        self.message_label = QLabel("")
        self.message_label.setObjectName("timelapse_message")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #555;")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.epoch_label)
        curves = QSplitter(Qt.Orientation.Vertical)
        curves.addWidget(self.loss_plot)
        curves.addWidget(self.scores_plot)
        curves.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.map_plot)
        split.addWidget(curves)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([560, 380])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_label)
        layout.addWidget(split, 1)
        layout.addLayout(controls)

    def _bind(self) -> None:
        s = self.state
        self.slider.valueChanged.connect(s.set_index)
        self.play_button.clicked.connect(s.toggle_play)
        s.changed.connect(self._on_changed)
        s.frame_changed.connect(self._show_frame)
        s.playing_changed.connect(lambda on: self.play_button.setText("Pause" if on else "Play"))
        s.message_changed.connect(self._show_message)

    # -------------------------------------------------------- declarations
    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Time-lapse map", self.map_plot),
                ExportablePlot("Time-lapse loss", self.loss_plot),
                ExportablePlot("Time-lapse purity and NMI", self.scores_plot)]

    def demo_actions(self) -> list[DemoAction]:
        return [DemoAction("timelapse_play_action", "&Play / pause the time-lapse", ("Ctrl+Shift+L",),
                           self.play_button, "Time-lapse", show_first=True)]

    def shutdown(self) -> None:
        self.state.stop()

    # ------------------------------------------------------------- drawing
    def _show_message(self, text: str) -> None:
        note = self.state.memory_note()
        self.message_label.setText(f"{text} {note}." if note else text)

    def _on_changed(self) -> None:
        t = self.state.timelapse
        n = len(t) if t is not None else 0
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setValue(self.state.index)
        self.slider.blockSignals(False)
        for w in (self.slider, self.play_button):
            w.setEnabled(n > 1)
        if t is None:
            for item in (*self.digit_items, self.train_curve, self.val_curve, self.purity_curve,
                         self.nmi_curve):
                item.setData([], [])
            self.epoch_label.setText("")
            return
        x0, x1, y0, y1 = t.bounds()
        top = y1 + 0.15 * (y1 - y0)  # room for the legend's rows
        self.map_plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, top), padding=0)
        epochs = t.epochs.astype(float)
        for curve, values in ((self.train_curve, t.train_loss), (self.val_curve, t.val_loss),
                              (self.purity_curve, t.purity), (self.nmi_curve, t.nmi)):
            known = np.isfinite(values)
            curve.setData(epochs[known], values[known])
        self._groups = [np.flatnonzero(t.labels == d) for d in range(len(DIGIT_COLOURS))]
        self._show_message(self.state.message)

    def _show_frame(self, index: int) -> None:
        t = self.state.timelapse
        if t is None:
            return
        coords = t.coords[index]
        for item, rows in zip(self.digit_items, self._groups, strict=True):
            item.setData(pos=coords[rows])
        epoch = int(t.epochs[index])
        for line in self.cursors:
            line.setValue(epoch)
        self.slider.blockSignals(True)
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        loss = t.train_loss[index]
        loss_text = f" · loss {loss:.4f}" if np.isfinite(loss) else ""
        self.epoch_label.setText(f"epoch {epoch} of {int(t.epochs[-1])} · purity "
                                 f"{t.purity[index]:.2f} · NMI {t.nmi[index]:.2f}{loss_text}")
