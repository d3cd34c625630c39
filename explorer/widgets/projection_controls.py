"""The projection chooser both map tabs share: PCA / t-SNE / UMAP, its parameters, Cancel.

Only widgets: it says what the user chose (`choice_changed` with a
`ProjectionChoice`) and that they want the running projection stopped
(`cancel_requested`); the tab's state runs the job and tells this row what
is happening (`show_running`, `show_choice`). Only the chosen method's own
parameters are shown, so the row stays one line wide.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from explorer.core.projection import default_params
from explorer.core.projection_runs import METHOD_LABELS, ProjectionChoice

_TIPS = {
    "pca": "PCA: the two directions of largest variance; a straight view of the code, "
           "exactly invertible",
    "tsne": "t-SNE: keeps each digit's neighbours together; sizes and gaps are not to scale",
    "umap": "UMAP: keeps neighbours together like t-SNE, with more of the global layout",
}


def _named(widget, name: str, tip: str):
    widget.setObjectName(name)
    widget.setToolTip(tip)
    widget.setAccessibleName(tip)
    return widget


class ProjectionControls(QWidget):
    """`projection_combo`, the method's parameters, and a Cancel for a running map."""

    choice_changed = Signal(object)  # ProjectionChoice
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.combo: QComboBox = _named(QComboBox(), "projection_combo",
                                       "How the codes are drawn in 2-D: PCA, t-SNE or UMAP")
        for text, method in METHOD_LABELS:
            self.combo.addItem(text, method)
            self.combo.setItemData(self.combo.count() - 1, _TIPS[method], Qt.ItemDataRole.ToolTipRole)
        tsne, umap = default_params("tsne"), default_params("umap")
        self.perplexity_spin = _named(QDoubleSpinBox(), "projection_perplexity_spin",
                                      "t-SNE perplexity: about how many neighbours each digit keeps")
        self.perplexity_spin.setRange(2.0, 100.0)
        self.perplexity_spin.setDecimals(0)
        self.perplexity_spin.setValue(float(tsne["perplexity"]))
        self.neighbours_spin = _named(QSpinBox(), "projection_neighbors_spin",
                                      "UMAP n_neighbors: larger keeps more of the global layout")
        self.neighbours_spin.setRange(2, 200)
        self.neighbours_spin.setValue(int(umap["n_neighbors"]))
        self.min_dist_spin = _named(QDoubleSpinBox(), "projection_min_dist_spin",
                                    "UMAP min_dist: how tightly neighbours may be packed")
        self.min_dist_spin.setRange(0.0, 0.99)
        self.min_dist_spin.setSingleStep(0.05)
        self.min_dist_spin.setValue(float(umap["min_dist"]))
        self.cancel_button = _named(QPushButton("Cancel"), "projection_cancel_button",
                                    "Stop computing this map; the map on screen stays")
        self.cancel_button.setEnabled(False)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("projection_progress_label")
        self._param_rows: dict[str, list[QWidget]] = {"pca": [], "tsne": [], "umap": []}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("map"))
        row.addWidget(self.combo)
        for method, name, spin in (("tsne", "perplexity", self.perplexity_spin),
                                   ("umap", "neighbours", self.neighbours_spin),
                                   ("umap", "min dist", self.min_dist_spin)):
            label = QLabel(name)
            row.addWidget(label)
            row.addWidget(spin)
            self._param_rows[method] += [label, spin]
            spin.editingFinished.connect(self._emit)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress_label, 1)
        self.combo.currentIndexChanged.connect(lambda _i: (self._show_params(), self._emit()))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._show_params()
        self._last: ProjectionChoice = self.choice()

    def choice(self) -> ProjectionChoice:
        method = self.combo.currentData()
        if method == "tsne":
            return ProjectionChoice.of("tsne", perplexity=float(self.perplexity_spin.value()))
        if method == "umap":
            return ProjectionChoice.of("umap", n_neighbors=int(self.neighbours_spin.value()),
                                       min_dist=round(float(self.min_dist_spin.value()), 2))
        return ProjectionChoice()

    def set_projection(self, method: str, **params) -> None:
        """Choose a method and its parameters as the user would (emits choice_changed
        once). Raises ValueError for an unknown method or parameter, or a value out
        of its box's range, naming it, and then changes nothing."""
        spins = {"tsne": {"perplexity": self.perplexity_spin},
                 "umap": {"n_neighbors": self.neighbours_spin, "min_dist": self.min_dist_spin},
                 "pca": {}}
        if method not in spins:
            raise ValueError(f"unknown projection {method!r}: one of {', '.join(spins)}")
        for name, value in params.items():
            spin = spins[method].get(name)
            if spin is None:
                known = ", ".join(spins[method]) or "none"
                raise ValueError(f"{method} has no parameter {name!r} (it has: {known})")
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not spin.minimum() <= value <= spin.maximum():
                raise ValueError(f"{name} must be a number from {spin.minimum():g} to "
                                 f"{spin.maximum():g}, got {value!r}")
        for name, value in params.items():
            spin = spins[method][name]
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(method))
        self.combo.blockSignals(False)
        self._show_params()
        self._emit()

    def select(self, method: str) -> None:
        """Choose a method as the user would (emits choice_changed)."""
        self.combo.setCurrentIndex(self.combo.findData(method))

    def show_choice(self, choice: ProjectionChoice) -> None:
        """Show this choice without asking for it (after a cancel: the map on screen)."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(choice.method))
        self.combo.blockSignals(False)
        self._show_params()
        self._last = self.choice()

    def show_running(self, running: bool, text: str = "") -> None:
        self.cancel_button.setEnabled(running)
        self.progress_label.setText(text)

    def _show_params(self) -> None:
        method = self.combo.currentData()
        for m, widgets in self._param_rows.items():
            for w in widgets:
                w.setVisible(m == method)

    def _emit(self) -> None:
        choice = self.choice()
        if choice != self._last:  # editingFinished also fires on a mere focus change
            self._last = choice
            self.choice_changed.emit(choice)
