"""The Sweep tab's two plots: every trial's loss per epoch, and the loss against code size.

Drawing only: the numbers come ready in a `SweepPicture` (picture.py). One
PlotDataItem per curve, replaced when another sweep is shown.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

from explorer.features.sweeps.picture import SweepPicture
from explorer.widgets.plot_style import style_axes

# One colour per trial (matplotlib's tab10, then the same hues darker).
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
OPTIMIZER_COLORS = {"adam": (31, 119, 180), "adadelta": (214, 39, 40)}
ARCH_SYMBOLS = {"simple": "o", "sparse": "t", "deep": "s", "conv": "d", "denoise": "p"}
SEED_COLOR = (30, 30, 30)
LEGEND_ROWS = 8  # entries per column of the legend


def trial_color(index: int) -> tuple[int, int, int]:
    r, g, b = PALETTE[index % len(PALETTE)]
    if index // len(PALETTE) % 2:  # the second round: darker, so no two trials match
        r, g, b = (int(c * 0.6) for c in (r, g, b))
    return r, g, b


def _plot(name: str, bottom: str, title: str,
          left: str = "binary cross-entropy") -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    # Short: a title is as wide as its text at the least, and a wider one is cut off.
    item.setTitle(title, color="#333", size="10pt")
    item.setLabel("bottom", bottom)
    item.setLabel("left", left)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setMenuEnabled(False)
    style_axes(item)
    plot.setMinimumSize(160, 120)  # the tab still fits a 1,024 x 640 window
    return plot


def _legend(plot: pg.PlotWidget, offset: tuple[int, int] = (-10, 10)) -> pg.LegendItem:
    """offset: from the top right (negative x) or the bottom left (negative y) corner."""
    return plot.getPlotItem().addLegend(offset=offset, labelTextColor="k", labelTextSize="8pt",
                                        brush=pg.mkBrush(255, 255, 255, 210),
                                        pen=pg.mkPen(180, 180, 180))


class TrialCurvesPlot:
    """Training (solid) and validation (dashed) loss per epoch, one colour per trial."""

    def __init__(self):
        self.widget = _plot("sweep_curves_plot", "epoch (solid: training, dashed: validation)",
                            "Loss per epoch")
        self.legend = _legend(self.widget)
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}

    def show(self, picture: SweepPicture) -> None:
        item = self.widget.getPlotItem()
        for train, val in self.curves.values():
            for curve in (train, val):
                self.legend.removeItem(curve)
                item.removeItem(curve)
        self.curves.clear()
        self.legend.setColumnCount(math.ceil(len(picture.rows) / LEGEND_ROWS) or 1)
        for i, row in enumerate(picture.rows):
            color = trial_color(i)
            train = pg.PlotDataItem(list(row.epochs_x), list(row.train_y),
                                    pen=pg.mkPen(*color, width=2), symbol="o", symbolSize=5,
                                    symbolBrush=pg.mkBrush(*color), symbolPen=None)
            val = pg.PlotDataItem(list(row.val_x), list(row.val_y),
                                  pen=pg.mkPen(*color, width=2, style=Qt.PenStyle.DashLine))
            item.addItem(train)
            item.addItem(val)
            self.legend.addItem(train, row.short_label)
            self.curves[row.key] = (train, val)
        item.enableAutoRange()


class LossBySizePlot:
    """Final validation loss against the code's numbers (log scale), one line per
    architecture and optimizer, and the shipped models marked at the tutorial's sizes."""

    def __init__(self):
        self.widget = _plot("sweep_size_plot", "numbers in the code (log scale)",
                            "Loss against code size",
                            "validation loss (last epoch, mean of repeats)")
        # Bottom left: the lines fall from the top left, the marks sit low in the middle.
        self.legend = _legend(self.widget, offset=(10, -10))
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.seed_item: pg.PlotDataItem | None = None
        self.seed_labels: list[pg.TextItem] = []

    def show(self, picture: SweepPicture) -> None:
        item = self.widget.getPlotItem()
        self._clear()
        for line in picture.lines:
            color = OPTIMIZER_COLORS.get(line.optimizer, (90, 90, 90))
            curve = pg.PlotDataItem([math.log10(x) for x in line.code_numbers],
                                    list(line.val_loss), pen=pg.mkPen(*color, width=2.5),
                                    symbol=ARCH_SYMBOLS.get(line.arch_id, "o"), symbolSize=9,
                                    symbolBrush=pg.mkBrush(*color), symbolPen=pg.mkPen("w"))
            item.addItem(curve)
            self.legend.addItem(curve, line.label)
            self.lines[line.label] = curve
        marks = picture.seed_marks
        if marks:
            self.seed_item = pg.PlotDataItem([math.log10(m.code_numbers) for m in marks],
                                             [m.val_loss for m in marks], pen=None,
                                             symbol="star", symbolSize=14,
                                             symbolBrush=pg.mkBrush(*SEED_COLOR, 200),
                                             symbolPen=pg.mkPen("w"))
            item.addItem(self.seed_item)
            self.legend.addItem(self.seed_item, "shipped models")
            # Three of the five share 32 numbers: one label per place, their names stacked.
            places: dict[int, list] = {}
            for m in marks:
                places.setdefault(m.code_numbers, []).append(m)
            rightmost = max([*places, *(x for line in picture.lines for x in line.code_numbers)])
            for x, here in places.items():
                here.sort(key=lambda m: m.val_loss)
                # Right of the star, but left of the last one (it would run off the plot).
                anchor = (1.1, 0.5) if x == rightmost else (-0.1, 0.5)
                label = pg.TextItem("\n".join(f"{m.arch_id} {m.val_loss:.3f}" for m in here),
                                    color=SEED_COLOR, anchor=anchor)
                label.setPos(math.log10(x), sum(m.val_loss for m in here) / len(here))
                label.setToolTip("\n".join(f"{m.label}: validation loss {m.val_loss:.4f}"
                                           for m in here))
                item.addItem(label)
                self.seed_labels.append(label)
        self._ticks(picture)
        item.enableAutoRange()

    def _ticks(self, picture: SweepPicture) -> None:
        """Ticks at the code sizes there are (2, 8, 32, ...), not at powers of ten."""
        values = sorted({x for line in picture.lines for x in line.code_numbers}
                        | {m.code_numbers for m in picture.seed_marks})
        ticks = [(math.log10(v), f"{v:,}") for v in values]
        self.widget.getPlotItem().getAxis("bottom").setTicks([ticks, []])

    def _clear(self) -> None:
        item = self.widget.getPlotItem()
        for curve in [*self.lines.values(), *([self.seed_item] if self.seed_item else [])]:
            self.legend.removeItem(curve)
            item.removeItem(curve)
        for label in self.seed_labels:
            item.removeItem(label)
        self.lines.clear()
        self.seed_item = None
        self.seed_labels.clear()
