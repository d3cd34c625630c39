"""The model dock's table of layers: name, type, output shape and parameters."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from explorer.features.model.state import LayerTable
from explorer.widgets.theme import relative_font

MIN_ROWS, MAX_ROWS = 3, 10  # the height it takes, in rows; more rows scroll


class LayerTableWidget(QTableWidget):
    """Shows a `LayerTable`; as tall as its rows, within MIN_ROWS..MAX_ROWS."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 4, parent)
        self.setObjectName("layer_table")
        self.setHorizontalHeaderLabels(["Layer", "Type", "Output", "Params"])
        self.horizontalHeaderItem(2).setToolTip("Output shape of one image "
                                                "(Keras adds the batch dimension)")
        self.verticalHeader().setVisible(False)
        relative_font(self, 0.92)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        # Long names ("max_pooling2d_1") elide rather than push Params out of sight.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 5)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.fit_height(MIN_ROWS)

    def show_table(self, table: LayerTable) -> None:
        cells = table.cells()
        self.setRowCount(len(cells))
        for r, (texts, tooltip) in enumerate(cells):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(tooltip)
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
        self.setEnabled(True)
        self.fit_height(len(cells))

    def show_nothing(self) -> None:
        """No model to describe yet: empty and greyed."""
        self.setRowCount(0)
        self.setEnabled(False)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # presentation mode: rows grow with the text
            self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 5)
            self.fit_height(self.rowCount())

    def fit_height(self, n_rows: int) -> None:
        """As tall as its rows, up to ten: the simple model's three rows
        should not leave a hole that pushes the Train button off screen."""
        rows = max(MIN_ROWS, min(n_rows, MAX_ROWS))
        height = (self.horizontalHeader().sizeHint().height()
                  + rows * self.verticalHeader().defaultSectionSize()
                  + 2 * self.frameWidth())
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
