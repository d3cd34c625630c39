""""What this map keeps": the current map's figures and a plain sentence on them.

Shown under both map tabs' plots. The figures come from
`core.embedding_quality.map_quality` (computed by the tab on the model
thread); this widget only words them: 10-NN label agreement on the map
against the full code space, trustworthiness, and the core's first
sentence (what the map keeps of how the code groups the digits). The
others (what trustworthiness means; t-SNE's distances are not to scale) are
its tooltip: under a plot, every line of text is a line less of the plot.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.core.embedding_quality import METHOD_NAMES, MapQuality, describe_parts


def figures(q: MapQuality) -> str:
    """The figures: "What this t-SNE map keeps: ..."."""
    name = METHOD_NAMES.get(q.method, q.method)
    return (f"<b>What this {name} map keeps:</b> {q.k}-NN label agreement "
            f"<b>{q.map_agreement:.0%}</b> on the map, <b>{q.full_agreement:.0%}</b> in the "
            f"full {q.dim}-d code · trustworthiness <b>{q.trustworthiness:.2f}</b>.")


class MapQualityView(QWidget):
    """One wrapped paragraph: the figures, then what they mean (in grey)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("map_quality_view")
        # One label, not two: a sentence that starts on the figures' last line
        # saves a line of the plot above it.
        self.figures_label = QLabel("")
        self.figures_label.setObjectName("map_quality_figures")
        self.figures_label.setWordWrap(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.figures_label)
        self.quality: MapQuality | None = None
        self.sentence = ""

    def show_quality(self, q: MapQuality | None) -> None:
        self.quality = q
        if q is None:
            self.show_waiting("")
            return
        parts = describe_parts(q)
        self.sentence = parts[0]
        self.figures_label.setText(f"{figures(q)} <span style='color:#555'>{html.escape(parts[0])}"
                                   "</span>")
        self.setToolTip(" ".join(parts))

    def show_waiting(self, text: str) -> None:
        """No figures yet (the map is being made or measured)."""
        self.quality = None
        self.figures_label.setText(f"<b>What this map keeps:</b> {text}" if text else "")
        self.sentence = ""
        self.setToolTip("")
