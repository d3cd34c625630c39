"""The Latent codes tab's view: the code pictures, the chosen code's bars, the sparsity figures.

It only lays out widgets and binds them to `LatentCodesState` (state.py),
which holds the codes, the chosen code and the sparsity records and decides
when to ask the model; the pyqtgraph drawing is in code_view.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core import views
from explorer.features.latent_codes.code_view import ActivationHistogram, CodeBars, LatentCodeView
from explorer.features.latent_codes.comparison import SparsityComparison
from explorer.features.latent_codes.comparison_view import ComparisonView
from explorer.features.latent_codes.state import LatentCodesState, SparsityRecord
from explorer.services.features import ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.code_colours import code_lut


class LatentPanel(QWidget, FeatureView):
    """Codes as pictures, a bar chart of the chosen code, and sparsity figures.

    It shows the codes of the digits of the session's DigitSelection (the
    ones the Reconstructions tab shows, with its noise).
    """

    feature_key = "latent_codes"
    about = ("The <b>code</b> is the handful of numbers the encoder makes of each digit: all the "
             "decoder gets. Under each digit is its code as a small picture, brighter for larger "
             "values; click one to see its numbers as bars. A "
             "<b>sparse</b> autoencoder is penalised for large codes (an L1 term), so most of its "
             "numbers stay near zero and each digit uses a few of them, which makes codes easier "
             "to read and compare; its mean activation is far lower than the simple model's.")

    code_selected = Signal(int)  # column of the digit whose code is in the bar chart
    stats_updated = Signal(object)  # SparsityStats of the current model

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.state = LatentCodesState(session, is_shown=self.isVisible, parent=self)
        self.comparison = SparsityComparison(session, is_shown=self.isVisible, parent=self)
        self._build()

        state = self.state
        state.codes_changed.connect(self._show_codes)
        state.code_selected.connect(self._show_selected_code)
        state.code_cleared.connect(self._clear_highlight)
        state.sparsity_text_changed.connect(self.sparsity_label.setText)
        state.stats_updated.connect(self._show_stats)
        self.latent_view.column_clicked.connect(state.select_code)
        state.code_selected.connect(lambda _c: self.details.setCurrentWidget(self.code_bars))
        self._show_codes()
        self.sparsity_label.setText(state.sparsity_text)

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.caption_label = QLabel()
        self.caption_label.setObjectName("latent_caption")
        self.caption_label.setWordWrap(True)
        self.export_latent_button = QPushButton("Export PNG…")
        self.export_latent_button.setObjectName("export_latent_button")
        self.export_latent_button.setToolTip("Save the digits over their code pictures")
        self.export_latent_button.clicked.connect(lambda: self.export_png())

        self.latent_view = LatentCodeView()
        self.latent_view.setObjectName("latent_view")
        self.latent_view.setAccessibleName("Latent codes of the shown digits")
        self.code_bars = CodeBars()
        self.code_bars.setObjectName("code_bars")

        self.sparsity_label = QLabel()
        self.sparsity_label.setObjectName("sparsity_label")
        self.sparsity_label.setWordWrap(True)
        self.sparsity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.comparison_view = ComparisonView(self.comparison)
        self.activation_histogram = ActivationHistogram()
        self.activation_histogram.setObjectName("activation_histogram")
        self.sparsity_table = QTableWidget(0, 4)
        self.sparsity_table.setObjectName("sparsity_table")
        self.sparsity_table.setHorizontalHeaderLabels(
            ["model", "mean activation", "zero activations", "seed (Keras blog)"])
        self.sparsity_table.verticalHeader().setVisible(False)
        self.sparsity_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sparsity_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.sparsity_table.setSizePolicy(QSizePolicy.Policy.Expanding,
                                          QSizePolicy.Policy.Maximum)
        self.sparsity_table.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(self.caption_label, 1)
        top.addWidget(self.export_latent_button)
        stats = QWidget()
        column = QVBoxLayout(stats)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.sparsity_label)
        column.addWidget(self.activation_histogram, 1)
        column.addWidget(self.sparsity_table)
        # One at a time below the codes: a chosen code's values, the
        # activations of the test split, and the seed's simple-against-sparse.
        self.details = QTabWidget()
        self.details.setObjectName("latent_details")
        self.details.addTab(self.code_bars, "Chosen code")
        self.details.addTab(stats, "Activations")
        self.details.addTab(self.comparison_view, "Simple against sparse")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.latent_view, 3)
        layout.addWidget(self.details, 2)

    # -------------------------------------------------------------- public
    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Code values", self.code_bars),
                ExportablePlot("Activation histogram", self.activation_histogram)]

    @property
    def current_view(self) -> views.ReconView | None:
        return self.state.current_view

    @property
    def current_codes(self) -> np.ndarray | None:
        return self.state.current_codes

    @property
    def code_images(self) -> list[np.ndarray]:
        return self.state.code_images

    @property
    def levels(self) -> tuple[float, float]:
        return self.state.levels

    @property
    def selected_code(self) -> int | None:
        return self.state.selected_code

    @property
    def latest_stats(self) -> views.SparsityStats | None:
        return self.state.latest_stats

    @property
    def sparsity_records(self) -> dict[str, SparsityRecord]:
        return self.state.sparsity_records

    @property
    def colour_bar(self):
        return self.latent_view.colour_bar

    @property
    def bar_values(self) -> np.ndarray:
        """The heights in the bar chart now (empty before a code is chosen)."""
        return self.code_bars.values

    def select_code(self, column: int) -> None:
        """Show the code of the digit in `column` as bars."""
        self.state.select_code(column)

    def export_png(self, path: str | None = None) -> str | None:
        """Save the digits over their code pictures as a PNG; returns the path."""
        if path is None and self.state.can_export:
            path = self._ask_png_path(f"{self.state.current_view.arch_id}_codes.png")
            if not path:
                return None
        return self.state.export_png(path, code_lut())

    def shutdown(self) -> None:
        self.state.stop()
        self.comparison.stop()

    # ------------------------------------------------------------ binding
    def _ask_png_path(self, default_name: str) -> str | None:
        """The file dialog, in one place so tests can replace it."""
        path, _ = QFileDialog.getSaveFileName(self, "Export the codes as PNG",
                                              str(Path.home() / default_name),
                                              "PNG images (*.png)")
        return path or None

    def _show_codes(self) -> None:
        state = self.state
        self.latent_view.draw(state.drawing)
        self.caption_label.setText(state.caption)
        self.export_latent_button.setEnabled(state.can_export)

    def _show_selected_code(self, column: int) -> None:
        state = self.state
        self.code_bars.show_code(state.selected_values(), state.levels[1], state.selected_title())
        self.latent_view.set_highlight(column if state.code_images else None)
        self.code_selected.emit(column)

    def _clear_highlight(self) -> None:
        self.latent_view.set_highlight(None)

    def _show_stats(self, stats: views.SparsityStats) -> None:
        self.activation_histogram.show_counts(stats.edges, stats.counts)
        self._fill_table()
        self.stats_updated.emit(stats)

    def _fill_table(self) -> None:
        table = self.sparsity_table
        rows = self.state.comparison_rows()
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row.cells):
                item = QTableWidgetItem(text)
                item.setToolTip(row.tooltip)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        both = self.state.shows_comparison
        table.setVisible(both)
        if both:
            table.setFixedHeight(table.horizontalHeader().height()
                                 + sum(table.rowHeight(r) for r in range(len(rows))) + 4)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.state.on_shown()
        self.comparison.on_shown()
