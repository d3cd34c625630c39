"""The Sweep tab's view: a sweep folder's trials, their losses and their reconstructions.

Why its own tab and not the Training tab: the Training tab's plot follows
the run in progress (its x range is the run's, its y range moves as the loss
falls, Clear empties it) and the model dock's weights; a sweep is a finished
set of a dozen runs, read from disk, which is looked at side by side with the
loss-against-code-size curve and the reconstructions of the same trials.

Layout: the two plots side by side over the table of trials (a Load button
per row) and the grid of reconstructions; splitters between them, so every
part can shrink and the whole tab works in a 1,024 x 640 window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.features.sweeps.picture import SweepPicture, TrialRow
from explorer.features.sweeps.plots import LossBySizePlot, TrialCurvesPlot, trial_color
from explorer.features.sweeps.state import HOW_TO_MAKE, SweepBrowser
from explorer.services.features import ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.digit_grid import DigitGrid, GridRow
from explorer.widgets.elided_label import ElidedLabel
from explorer.widgets.formatting import format_count, format_loss
from explorer.widgets.theme import text_colour

COLUMNS = ("", "Trial", "Code", "Numbers", "Compression", "Parameters", "Train loss",
           "Val loss", "Epochs", "Seconds", "Worker")
ROW_HEIGHT = 52  # pixels per row of digits (and their captions): below it the grid scrolls
PROBLEM_COLOUR = "#a04000"


class SweepsPanel(QWidget, FeatureView):
    """The Sweep tab; the window adds it once a sweep is open (`sweep_shown`)."""

    feature_key = "sweeps"
    about = ("A sweep trains the same architecture with several code sizes and compares them: a "
             "larger code keeps more detail and lowers the loss, until extra numbers stop "
             "helping. Each row is one trial; pick one to see its reconstructions or load its "
             "weights.")
    sweep_shown = Signal()  # a sweep is on screen: bring the tab forward
    open_requested = Signal()  # the tab's "Open another sweep…" button

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("sweeps_panel")
        self.state = SweepBrowser(session, self)
        self.load_buttons: dict[str, QPushButton] = {}
        self._build()
        self.state.opened.connect(self.show_picture)
        self.state.reading_changed.connect(self._on_reading)
        self.state.trial_loaded.connect(lambda _key: self._mark_loaded())
        session.weights_info_changed.connect(lambda _note: self._mark_loaded())
        session.busy_changed.connect(lambda _busy: self._enable_loads())
        session.backend_ready.connect(self._enable_loads)

    # ---------------------------------------------------------------- public
    @property
    def picture(self) -> SweepPicture | None:
        return self.state.picture

    def open_folder(self, folder) -> None:
        self.state.open_folder(folder)

    def load_trial(self, key: str) -> bool:
        return self.state.load_trial(key)

    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Sweep: loss per epoch", self.curves.widget),
                ExportablePlot("Sweep: loss against code size", self.by_size.widget)]

    # -------------------------------------------------------------- building
    def _build(self) -> None:
        self.summary_label = ElidedLabel("No sweep is open.")
        self.summary_label.setObjectName("sweep_summary_label")
        self.open_button = QPushButton("Open another sweep…")
        self.open_button.setObjectName("sweep_open_button")
        self.open_button.setToolTip(HOW_TO_MAKE)
        self.open_button.clicked.connect(self.open_requested.emit)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("sweep_reload_button")
        self.reload_button.setToolTip("Read the folder again: a sweep still running has "
                                      "written more trials since")
        self.reload_button.setEnabled(False)
        self.reload_button.clicked.connect(self.state.reload)
        self.legends_check = QCheckBox("Legends")
        self.legends_check.setObjectName("sweep_legends_check")
        self.legends_check.setChecked(True)
        self.legends_check.setToolTip("Show the plots' legends (the table's colours are the "
                                      "trials' too)")
        header = QHBoxLayout()
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.legends_check)
        header.addWidget(self.open_button)
        header.addWidget(self.reload_button)

        self.problems_label = QLabel()
        self.problems_label.setObjectName("sweep_problems_label")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        text_colour(self.problems_label, PROBLEM_COLOUR)
        self.problems_label.hide()

        self.curves = TrialCurvesPlot()
        self.by_size = LossBySizePlot()
        for legend in (self.curves.legend, self.by_size.legend):
            self.legends_check.toggled.connect(legend.setVisible)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.curves.widget)
        plots.addWidget(self.by_size.widget)
        plots.setChildrenCollapsible(False)

        self.table = self._build_table()
        self.digit_grid = DigitGrid()
        self.digit_grid.setObjectName("sweep_digit_grid")
        self.digit_grid.setMinimumSize(160, 60)
        grid_scroll = QScrollArea()
        grid_scroll.setObjectName("sweep_digit_scroll")
        grid_scroll.setWidgetResizable(True)
        grid_scroll.setWidget(self.digit_grid)
        self.grid_scroll = grid_scroll
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.table)
        lower.addWidget(grid_scroll)
        lower.setChildrenCollapsible(False)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("sweep_splitter")
        splitter.addWidget(plots)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.problems_label)
        layout.addWidget(splitter, 1)

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setObjectName("sweep_table")
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        table.setMinimumSize(160, 60)
        table.setToolTip("Load puts a trial's model and weights into the window: the other "
                         "tabs then show that trial.")
        return table

    # --------------------------------------------------------------- showing
    def show_picture(self, picture: SweepPicture) -> None:
        self.summary_label.setText(picture.summary)
        self.reload_button.setEnabled(True)
        if picture.problems:
            n = len(picture.problems)
            self.problems_label.setText(
                f"{n} trial folder{'s' if n != 1 else ''} could not be read and "
                f"{'are' if n != 1 else 'is'} left out:\n" + "\n".join(picture.problems))
        self.problems_label.setVisible(bool(picture.problems))
        self.curves.show(picture)
        self.by_size.show(picture)
        self._fill_table(picture)
        self._fill_grid(picture)
        self.sweep_shown.emit()

    def _fill_table(self, picture: SweepPicture) -> None:
        table = self.table
        table.setRowCount(0)
        self.load_buttons.clear()
        table.setRowCount(len(picture.rows))
        for i, row in enumerate(picture.rows):
            button = QPushButton("Load")
            button.setObjectName(f"load_trial_{row.key}")
            button.setToolTip(f"Switch to the {row.variant.name} model and load this trial's "
                              f"weights ({row.weights_path.name})")
            button.clicked.connect(lambda _checked=False, key=row.key: self.load_trial(key))
            table.setCellWidget(i, 0, button)
            self.load_buttons[row.key] = button
            for column, text in enumerate(_cells(row), start=1):
                cell = QTableWidgetItem(text)
                if column > 1:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(i, column, cell)
            swatch = table.item(i, 1)
            swatch.setData(Qt.ItemDataRole.DecorationRole, QColor(*trial_color(i)))
            if row.status != "finished":
                swatch.setToolTip(f"This trial ended {row.status}.")
        self._enable_loads()
        self._mark_loaded()

    def _fill_grid(self, picture: SweepPicture) -> None:
        rows = []
        if picture.originals is not None:
            rows.append(GridRow("test digits", picture.originals))
        for digits in picture.digit_rows:
            if digits.originals is not None:  # made on other data: its own digits above it
                rows.append(GridRow(f"{digits.title}: its digits", digits.originals))
            rows.append(GridRow(digits.title, digits.reconstructions,
                                below=[format_loss(x, 3) for x in digits.losses]))
        self.digit_grid.set_rows(rows)
        # Every row stays legible; past the room there is, the grid scrolls.
        self.digit_grid.setMinimumHeight(max(60, ROW_HEIGHT * len(rows)))

    # ------------------------------------------------------------- reactions
    def _on_reading(self, reading: bool) -> None:
        self.reload_button.setEnabled(not reading and self.state.folder is not None)
        if reading:
            self.summary_label.setText(f"Reading {self.state.folder}…")
        elif self.picture is not None:
            self.summary_label.setText(self.picture.summary)
        else:
            self.summary_label.setText("No sweep is open.")

    def _enable_loads(self, *_args) -> None:
        s = self.session
        can = s.is_ready and not s.is_busy
        for button in self.load_buttons.values():
            button.setEnabled(can)

    def _mark_loaded(self) -> None:
        for key, button in self.load_buttons.items():
            button.setText("Loaded" if key == self.state.loaded_key else "Load")


def _cells(row: TrialRow) -> list[str]:
    seconds = f"{row.seconds:.1f}"
    return [row.label, row.variant.size_text, format_count(row.code_numbers),
            f"{row.compression_factor:.3g}×", format_count(row.params),
            format_loss(row.train_loss), format_loss(row.val_loss), str(row.epochs), seconds,
            row.worker]
