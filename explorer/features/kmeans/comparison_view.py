"""The "Full code vs map" page: both K-means clusterings side by side, and where they differ.

Left: the points on the map coloured by K-means in the full code space;
right: coloured by K-means on the map itself, each map cluster in the colour
of the full-space cluster matched to it (so the same colour means the same
group). The digits on which the two disagree are drawn solid and outlined,
the others faded, in both. Below: ARI, NMI and a sentence. One scatter item
per cluster and kind (one brush each), as in the lab's plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.cluster_agreement import FullVersusMap
from explorer.core.latent_points import PointSet, group_by_label, padded_bounds
from explorer.features.kmeans.plot_items import MAX_K, color
from explorer.widgets.plot_style import style_axes

OUTLINE = (30, 30, 30, 200)
FADED_ALPHA = 55  # agreeing points stay visible as the shape of the cloud


class _ClusterScatter(pg.PlotWidget):
    def __init__(self, title: str, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setBackground("w")
        item = self.getPlotItem()
        item.setTitle(title, size="9pt")
        item.hideAxis("left")
        item.hideAxis("bottom")
        style_axes(item)
        self.setMenuEnabled(False)
        self.setMinimumSize(100, 90)  # below that the page scrolls (see the panel)
        self.items = [pg.ScatterPlotItem(size=3, pen=None,
                                         brush=pg.mkBrush(*color(j), FADED_ALPHA))
                      for j in range(MAX_K)]
        self.disagree_items = [pg.ScatterPlotItem(size=5, pen=pg.mkPen(*OUTLINE, width=0.6),
                                                  brush=pg.mkBrush(*color(j)))
                               for j in range(MAX_K)]
        for it in (*self.items, *self.disagree_items):
            self.addItem(it)
        for it in self.disagree_items:
            it.setZValue(5)

    def show_clusters(self, coords: np.ndarray, colours: np.ndarray, disagree: np.ndarray) -> None:
        marked = np.zeros(len(coords), dtype=bool)
        marked[disagree] = True
        for items, keep in ((self.items, ~marked), (self.disagree_items, marked)):
            groups = group_by_label(np.where(keep, colours, -1), MAX_K)
            for j, it in enumerate(items):
                it.setData(pos=coords[groups[j]])

    @property
    def disagreeing_shown(self) -> int:
        return sum(len(it.getData()[0]) for it in self.disagree_items if it.getData()[0] is not None)

    def show_view(self, coords: np.ndarray) -> None:
        x0, x1, y0, y1 = padded_bounds(coords)
        self.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)


class FullVersusMapView(QWidget):
    """Two small plots and the agreement between them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("kmeans_full_vs_map")
        self.full_plot = _ClusterScatter("K-means in the full code", "kmeans_full_clusters_plot")
        self.map_plot = _ClusterScatter("K-means on the map", "kmeans_map_clusters_plot")
        self.agreement_label = QLabel("")
        self.agreement_label.setObjectName("kmeans_full_vs_map_label")
        self.agreement_label.setWordWrap(True)
        plots = QHBoxLayout()
        plots.addWidget(self.full_plot)
        plots.addWidget(self.map_plot)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(plots, 1)
        column.addWidget(self.agreement_label)

    def show_comparison(self, points: PointSet, result: FullVersusMap) -> None:
        c = result.comparison
        matched = c.matching[result.map_labels]  # each map cluster in its full-space colour
        matched = np.where(matched < 0, MAX_K - 1, matched)
        for plot, colours in ((self.full_plot, result.full_labels), (self.map_plot, matched)):
            plot.show_clusters(points.coords, colours, c.disagree)
            plot.show_view(points.coords)
        if c.n_disagree == 0:
            sentence = "the same partition: the map shows the clusters of the full code."
        else:
            sentence = (f"{c.agreement:.0%} of the digits are in matching clusters; the "
                        f"{c.n_disagree:,} where the two differ are drawn solid, outlined.")
        self.agreement_label.setText(f"<b>ARI {c.ari:.2f} · NMI {c.nmi:.2f}</b>: {sentence}")
        self.agreement_label.setToolTip(c.describe())

    def say(self, text: str) -> None:
        self.agreement_label.setText(text)
