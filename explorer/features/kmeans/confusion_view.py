"""The K-means lab's clusters-against-digits map: how many of each digit every
cluster holds, with purity and NMI (objectName "kmeans_confusion")."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

from explorer.core import cluster_metrics
from explorer.features.kmeans.plot_items import color
from explorer.widgets.plot_style import style_axes


class ConfusionView(pg.PlotWidget):
    """Clusters (rows) against true digits (columns) (objectName "kmeans_confusion").

    Cells are shaded by the share of the cluster's points that are each digit
    and carry the count; a strip of the cluster colours on the left ties the
    rows to the scatter plot.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.setObjectName("kmeans_confusion")
        self.setAccessibleName("Clusters against true digits")
        item = self.getPlotItem()
        item.setLabel("bottom", "digit")
        item.setLabel("left", "cluster")
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        style_axes(item)
        item.getAxis("bottom").setTicks([[(c + 0.5, str(c)) for c in range(10)]])
        self.getViewBox().invertY(True)  # cluster 0 on top, as a table reads
        self.image = pg.ImageItem(axisOrder="row-major")
        # matplotlib's "Blues", written out: matplotlib is not a dependency
        blues = pg.ColorMap([0.0, 0.5, 1.0], [(247, 251, 255), (107, 174, 214), (8, 48, 107)])
        self.image.setLookupTable(blues.getLookupTable(nPts=256, alpha=False))
        self.swatches = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.addItem(self.swatches)
        self._texts: list[pg.TextItem] = []
        self._cells: list[tuple[str, object] | None] = []  # (text, colour) each shows
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(6.0, self._font.pointSizeF() * 0.75))
        self.counts: np.ndarray | None = None
        self.purity_label = QLabel()  # laid out under the map by the panel
        self.purity_label.setObjectName("kmeans_purity_label")
        self.purity_label.setToolTip(
            "Purity: share of points whose cluster's most common digit is their own. NMI: "
            "normalised mutual information between clusters and digits (1 = the same "
            "partition, 0 = unrelated).")
        self.placeholder = pg.TextItem("shown after the first assignment", color=(120, 120, 120),
                                       anchor=(0.5, 0.5))
        self.addItem(self.placeholder)
        self.placeholder.setPos(5, 5)
        self._frame(10)

    def show_agreement(self, labels: np.ndarray | None, truth: np.ndarray, k: int) -> None:
        """The table and the purity/NMI line for cluster labels against true digits."""
        if labels is None:
            self.set_counts(None)
            self.purity_label.setText("purity – · NMI –  (after the first assignment)")
            return
        counts = cluster_metrics.confusion_matrix(labels, truth, k)
        if self.counts is not None and np.array_equal(counts, self.counts):
            return  # the same table: the same figures (both are functions of it alone)
        self.set_counts(counts)
        # From the table: sorting the labels again for each figure cost 3 ms a redraw.
        self.purity_label.setText(f"purity {cluster_metrics.purity_from_table(counts):.3f} · "
                                  f"NMI {cluster_metrics.nmi_from_table(counts):.3f}")

    def set_counts(self, counts: np.ndarray | None) -> None:
        """(k, 10) counts, or None to clear (before the first assignment)."""
        if counts is None:
            self.counts = None
            self.image.clear()
            self.swatches.clear()
            for t in self._texts:
                t.hide()
            self.placeholder.show()
            self._frame(10)
            return
        self.placeholder.hide()
        counts = np.asarray(counts)
        if self.counts is not None and np.array_equal(counts, self.counts):
            return  # an update step leaves the labels, hence the table, as it was
        self.counts = counts.copy()
        k = counts.shape[0]
        totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
        share = counts / totals
        self.image.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, 10, k))
        strip = np.array([[(*color(j), 255)] for j in range(k)], dtype=np.uint8)
        self.swatches.setImage(strip, autoLevels=False, levels=(0, 255))
        self.swatches.setRect(QRectF(-0.7, 0, 0.55, k))
        self._frame(k)
        while len(self._texts) < counts.size:
            t = pg.TextItem(anchor=(0.5, 0.5))
            t.setFont(self._font)
            j, c = divmod(len(self._texts), 10)
            t.setPos(c + 0.5, j + 0.5)  # cell n is always at the same place
            self.addItem(t)
            self._texts.append(t)
            self._cells.append(None)
        for n, t in enumerate(self._texts):
            if n >= counts.size:
                t.hide()
                continue
            j, c = divmod(n, 10)
            cell = (str(int(counts[j, c])) if counts[j, c] else "",
                    "w" if share[j, c] > 0.55 else (40, 40, 40))
            if cell != self._cells[n]:  # a step changes a few cells: only those are laid out
                t.setText(cell[0], color=cell[1])
                self._cells[n] = cell
            t.show()

    def _frame(self, k: int) -> None:
        self.getPlotItem().getAxis("left").setTicks([[(j + 0.5, str(j)) for j in range(k)]])
        self.getViewBox().setRange(xRange=(-0.8, 10), yRange=(0, k), padding=0.02)
