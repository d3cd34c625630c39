"""The K-means derivation beside the plot, and the numbers that show it holding.

`DerivationView` is the seed's derivation with the half step just taken lit
up; `StepReadout` shows what that step did (J, the iteration, how many
points changed cluster, convergence, clusters left empty); `JPlot` draws J
after every half step, a curve the derivation says can never go up.

Rich text in a QTextBrowser rather than rendered LaTeX: Qt draws <sub>,
<sup> and the Unicode symbols (Σ, μ, ‖ ‖, ∂) crisply at any size, it needs
no extra dependency, and the text stays selectable for a lecturer to copy.
The highlight is a background colour on one table cell. The Run animation
alternates it several times a second and setHtml + layout costs ~5 ms, so
each (highlight, dimension) variant is laid out once, kept as a
QTextDocument, and swapped in with setDocument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QGridLayout, QLabel, QTextBrowser, QWidget

from explorer.widgets.formatting import format_loss, plural
from explorer.widgets.plot_style import style_axes
from explorer.widgets.theme import relative_font, text_colour

# The same hues as the J plot's markers, so "this block" and "that dot" match.
ASSIGN_COLOR = (31, 119, 180)
UPDATE_COLOR = (230, 110, 10)
ASSIGN_BACKGROUND = "#d8e8f6"
UPDATE_BACKGROUND = "#fde2c6"
ASSIGN_ACCENT = "#1f77b4"
UPDATE_ACCENT = "#d9620b"

_OBJECTIVE = """
<p style="margin:0"><b>The objective.</b> With <i>r</i><sub><i>ij</i></sub> = 1 when point
<i>i</i> belongs to cluster <i>j</i> (and 0 otherwise), K-means minimises the mean squared
distance of the points to their centroids:</p>
<p align="center" style="margin:4px 0; font-size:large">
<i>J</i> = (1/<i>m</i>)
&nbsp;Σ<sub><i>i</i>=1</sub><sup><i>m</i></sup>&nbsp;Σ<sub><i>j</i>=1</sub><sup><i>K</i></sup>
<i>r</i><sub><i>ij</i></sub>&nbsp;‖<i>x</i><sub><i>i</i></sub> −
μ<sub><i>j</i></sub>‖<sup>2</sup></p>
<p style="margin:0">over the points <i>x</i><sub><i>i</i></sub> ∈ ℝ<sup>{dim}</sup>. It
alternates two half steps; each finds the best value of one set of unknowns with the other
held fixed, so <b>neither can raise <i>J</i></b>.</p>
"""

_ASSIGN = """
<p style="margin:0"><b><span style="color:{accent}">r-step (assignment)</span>{mark}</b>
&nbsp;With the centroids μ fixed, <i>J</i> separates over the points: point <i>i</i> adds
only Σ<sub><i>j</i></sub> <i>r</i><sub><i>ij</i></sub>‖<i>x</i><sub><i>i</i></sub> −
μ<sub><i>j</i></sub>‖<sup>2</sup>, which is smallest when its one 1 sits on the nearest
centroid:</p>
<p align="center" style="margin:4px 0; font-size:large">
<i>r</i><sub><i>ij</i></sub> = 1 &nbsp;if&nbsp; <i>j</i> = argmin<sub><i>k</i></sub>
‖<i>x</i><sub><i>i</i></sub> − μ<sub><i>k</i></sub>‖<sup>2</sup>, &nbsp;0 otherwise.</p>
"""

_UPDATE = """
<p style="margin:0"><b><span style="color:{accent}">μ-step (update)</span>{mark}</b>
&nbsp;With the assignments <i>r</i> fixed, <i>J</i> is a convex quadratic in each
μ<sub><i>j</i></sub>; its minimum is where the gradient vanishes:</p>
<p align="center" style="margin:4px 0; font-size:large">
∂<i>J</i>&thinsp;/&thinsp;∂μ<sub><i>j</i></sub> = −(2/<i>m</i>)
Σ<sub><i>i</i></sub> <i>r</i><sub><i>ij</i></sub> (<i>x</i><sub><i>i</i></sub> −
μ<sub><i>j</i></sub>) = 0<br>⇒&nbsp;&nbsp;
μ<sub><i>j</i></sub> = (Σ<sub><i>i</i></sub> <i>r</i><sub><i>ij</i></sub>
<i>x</i><sub><i>i</i></sub>) / (Σ<sub><i>i</i></sub> <i>r</i><sub><i>ij</i></sub>)</p>
<p style="margin:0">Each centroid moves to the mean of its points. A cluster left with no
point keeps its μ<sub><i>j</i></sub> (it adds nothing to <i>J</i>).</p>
"""

_CONVERGENCE = """
<p style="margin:0"><b>Why it stops.</b> <i>J</i> ≥ 0 never rises and there are finitely
many assignments, so the steps reach a point where an r-step moves no point:
<i>converged</i>, a local (not always the global) minimum; another seed may find a lower
<i>J</i>.</p>
"""


class DerivationView(QTextBrowser):
    """The seed's derivation of the two K-means steps, as rich text.

    `highlight("assign" | "update" | None)` colours the block of the step
    just taken; `highlighted` says which one is lit.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("kmeans_derivation")
        self.setAccessibleName("Derivation of the K-means steps")
        self.setOpenLinks(False)
        self.setMinimumWidth(200)
        self.highlighted: str | None = None
        self.dimension: int | str = "d"
        # Not the browser itself: setDocument deletes a replaced document that
        # is the browser's child, and these are meant to be reused.
        self._owner = QObject(self)
        self._documents: dict[tuple[str | None, int | str], QTextDocument] = {}
        self._render()

    def highlight(self, kind: str | None) -> None:
        if kind not in ("assign", "update", None):
            raise ValueError(f"highlight takes 'assign', 'update' or None, got {kind!r}")
        if kind != self.highlighted:
            self.highlighted = kind
            self._render()

    def set_dimension(self, dim: int | None) -> None:
        """The dimension of the clustered points, shown as x_i ∈ ℝ^d."""
        value: int | str = "d" if dim is None else int(dim)
        if value != self.dimension:
            self.dimension = value
            self._render()

    def _render(self) -> None:
        lit = self.highlighted
        key = (lit, self.dimension)
        document = self._documents.get(key)
        if document is None:
            document = QTextDocument(self._owner)
            document.setDefaultFont(self.font())
            document.setHtml(self._html())
            self._documents[key] = document
        scroll = self.verticalScrollBar().value()
        self.setDocument(document)
        self.verticalScrollBar().setValue(scroll)  # switching must not jump to the top
        if lit is not None:
            # The step just taken is what the class is looking at: bring it into view.
            self.scrollToAnchor(lit)

    def _html(self) -> str:
        lit = self.highlighted
        just_done = (' <span style="font-weight:normal; color:#555">'
                     '&nbsp;◀ just taken</span>')
        assign = _ASSIGN.format(accent=ASSIGN_ACCENT, mark=just_done if lit == "assign" else "")
        update = _UPDATE.format(accent=UPDATE_ACCENT, mark=just_done if lit == "update" else "")
        rows = [
            (_OBJECTIVE.format(dim=self.dimension), None),
            (assign, ASSIGN_BACKGROUND if lit == "assign" else None),
            (update, UPDATE_BACKGROUND if lit == "update" else None),
            (_CONVERGENCE, None),
        ]
        anchors = ("objective", "assign", "update", "convergence")
        cells = "".join(
            f'<tr><td{f" bgcolor={bg!r}" if bg else ""} style="padding:5px">'
            f'<a name="{name}"></a>{html}</td></tr>'
            for name, (html, bg) in zip(anchors, rows, strict=True))
        return f'<table width="100%" cellspacing="3" cellpadding="0">{cells}</table>'


class StepReadout(QWidget):
    """J after the last half step and what that step did, as labels.

    objectNames: kmeans_objective ("J = 12.3456"), kmeans_converged_label,
    kmeans_iteration_label, kmeans_changed_label, kmeans_empty_label and
    kmeans_message_label (a hint, or a problem to fix, in red).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.objective_label = self._label("kmeans_objective", "J = –")
        relative_font(self.objective_label, 1.35, bold=True)
        self.objective_label.setWordWrap(False)
        self.objective_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.converged_label = self._label("kmeans_converged_label")
        self.iteration_label = self._label("kmeans_iteration_label")
        self.changed_label = self._label("kmeans_changed_label")
        self.empty_label = self._label("kmeans_empty_label")
        text_colour(self.empty_label, "#a5460a")
        self.message_label = self._label("kmeans_message_label")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.objective_label, 0, 0)
        grid.addWidget(self.converged_label, 0, 1, Qt.AlignmentFlag.AlignRight)
        for row, label in enumerate((self.iteration_label, self.changed_label,
                                     self.empty_label, self.message_label), start=1):
            grid.addWidget(label, row, 0, 1, 2)

    @staticmethod
    def _label(name: str, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def say(self, text: str, problem: bool = False) -> None:
        """A line under the numbers: a hint (blue) or a problem to fix (red)."""
        self.message_label.setText(text)
        text_colour(self.message_label, "#a01010" if problem else "#1f4e8c")

    def show_state(self, st: Any) -> None:
        """Describe a KMeansStepper (None: nothing to step yet)."""
        if st is None:
            self.objective_label.setText("J = –")
            for label in (self.converged_label, self.iteration_label, self.changed_label,
                          self.empty_label):
                label.setText("")
            return
        self.objective_label.setText(f"J = {format_loss(st.objective())}")
        self.iteration_label.setText(
            f"iteration {st.iteration} ({plural(len(st.history), 'half step')})"
            + ("" if st.is_assigned else " · J as if assigned; points grey until Assign"))
        if not st.is_assigned:
            changed = "no assignment yet"
        elif sum(kind == "assign" for kind, _ in st.history) == 1:
            changed = f"first assignment: all {st.m:,} points coloured"
        else:
            n = st.last_changed
            changed = f"{n:,} point{'' if n == 1 else 's'} changed cluster in the last assignment"
        self.changed_label.setText(changed)
        done = st.converged
        self.converged_label.setText("converged ✓" if done else "not converged")
        text_colour(self.converged_label, "#1a7f1a" if done else "#666666")
        relative_font(self.converged_label, 1.0, bold=done)
        empty = st.empty_clusters
        if not empty:
            text = ""
        elif len(empty) == 1:
            text = f"cluster {empty[0]} is empty: its centroid stays where it was"
        else:
            names = ", ".join(str(j) for j in empty[:-1]) + f" and {empty[-1]}"
            text = f"clusters {names} are empty: their centroids stay where they were"
        self.empty_label.setText(text)


class JPlot(pg.PlotWidget):
    """J after every half step (objectName "kmeans_j_plot").

    One grey line through all values (it visibly never goes up) and one
    marker style per kind of half step.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.setObjectName("kmeans_j_plot")
        self.setAccessibleName("The objective J after every half step")
        # Readable at 600 pixels of window height too (it was squashed to 30).
        self.setMinimumHeight(110)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "half step")
        item.setLabel("left", "J")
        style_axes(item)
        item.setMenuEnabled(False)
        self.legend = item.addLegend(offset=(-6, 6), labelTextColor="k",
                                     brush=pg.mkBrush(255, 255, 255, 215),
                                     pen=pg.mkPen(190, 190, 190))
        self.line = pg.PlotDataItem(pen=pg.mkPen(120, 120, 120, width=1.5))
        self.assign_item = pg.PlotDataItem(
            pen=None, symbol="o", symbolSize=8, symbolBrush=pg.mkBrush(*ASSIGN_COLOR),
            symbolPen=pg.mkPen("w"), name="after assignment (r-step)")
        self.update_item = pg.PlotDataItem(
            pen=None, symbol="s", symbolSize=8, symbolBrush=pg.mkBrush(*UPDATE_COLOR),
            symbolPen=pg.mkPen("w"), name="after update (μ-step)")
        for it in (self.line, self.assign_item, self.update_item):
            self.addItem(it)

    def set_history(self, history: Sequence[tuple[str, float]]) -> None:
        x = np.arange(1, len(history) + 1, dtype=np.float64)
        j = np.array([v for _, v in history], dtype=np.float64)
        is_assign = np.array([kind == "assign" for kind, _ in history], dtype=bool)
        self.line.setData(x, j)
        self.assign_item.setData(x[is_assign], j[is_assign])
        self.update_item.setData(x[~is_assign], j[~is_assign])
        # Whole half steps on x, from the start; y follows the data (or a
        # neutral 0..1 after a reset, not the previous run's range).
        self.setXRange(0.5, max(len(history), 6) + 0.5, padding=0)
        if len(history):
            self.enableAutoRange(axis="y")
        else:
            self.setYRange(0, 1, padding=0)
