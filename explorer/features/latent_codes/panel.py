"""The Latent-codes tab: the codes of the digits on the Reconstructions tab.

Each digit stands over its code drawn as a picture (the conv code as the
seed's `reshape(4, 32).T`), all on one colour scale so codes can be compared;
clicking one shows its values as bars. Below, the sparsity figures over the
whole test split (the seed's `encoded_imgs.mean()`), remembered per
architecture so the simple and sparse models can be set side by side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGraphicsRectItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core import models, views
from explorer.services.features import ExportablePlot, FeatureView
from explorer.services.session import Session
from explorer.widgets.digit_grid import colour_codes, rgb_to_qimage, save_qimage

log = logging.getLogger(__name__)

SPARSITY_KEY = "latent-sparsity"
EXPORT_GAP = 4
EXPORT_SCALE = 4
LOADING = "loading TensorFlow…"
DIGIT = 28.0  # a digit's size in view units
SLOT_GAP = 8.0  # view units between slots
CODE_TOP = DIGIT + 6.0


@dataclass(frozen=True)
class SparsityRecord:
    """One architecture's measured figures and which weights gave them."""

    stats: views.SparsityStats
    weights_note: str


class LatentPanel(QWidget, FeatureView):
    """Codes as pictures, a bar chart of the chosen code, and sparsity figures.

    It shows the codes of the digits of the session's DigitSelection (the
    ones the Reconstructions tab shows, with its noise).
    """

    feature_key = "latent_codes"

    code_selected = Signal(int)  # column of the digit whose code is in the bar chart
    stats_updated = Signal(object)  # SparsityStats of the current model

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        selection = session.selection
        self.current_view: views.ReconView | None = None
        self.current_codes: np.ndarray | None = None
        self.code_images: list[np.ndarray] = []
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.selected_code: int | None = None
        self.latest_stats: views.SparsityStats | None = None
        self.sparsity_records: dict[str, SparsityRecord] = {}
        self._stats_stale = True
        self._slot = DIGIT + SLOT_GAP
        self._cmap = pg.colormap.get("viridis")
        self._build()
        self._stats_timer = QTimer(self)  # coalesces bursts of weights_changed
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(200)
        self._stats_timer.timeout.connect(self._request_stats)

        selection.view_updated.connect(self._show_view)
        selection.changed.connect(self._on_digits_changed)
        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_weights_changed)
        session.worker.job_progress.connect(self._on_job_progress)
        if selection.view_is_current:
            self._show_view(selection.view)
        else:
            self._on_digits_changed()
        self._show_stats_state()

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.caption_label = QLabel()
        self.caption_label.setObjectName("latent_caption")
        self.caption_label.setWordWrap(True)
        self.export_latent_button = QPushButton("Export PNG…")
        self.export_latent_button.setObjectName("export_latent_button")
        self.export_latent_button.setToolTip("Save the digits over their code pictures")
        self.export_latent_button.setEnabled(False)
        self.export_latent_button.clicked.connect(lambda: self.export_png())

        self.latent_view = pg.GraphicsLayoutWidget()
        self.latent_view.setObjectName("latent_view")
        self.latent_view.setAccessibleName("Latent codes of the shown digits")
        self.latent_view.setMinimumHeight(220)
        self.latent_view.setBackground(self.palette().window().color())
        vb = self.latent_view.addViewBox(row=0, col=0)
        vb.setAspectLocked(True)
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self._vb = vb
        text_colour = self.palette().windowText().color()
        self._digit_items, self._code_items, self._captions = [], [], []
        for _ in range(10):  # a fixed pool, reused: the panel never shows more than ten
            digit = pg.ImageItem(levels=(0, 1))
            code = pg.ImageItem()
            caption = pg.TextItem("", color=text_colour, anchor=(0.5, 1.0))
            for item in (digit, code, caption):
                item.setVisible(False)
                vb.addItem(item)
            self._digit_items.append(digit)
            self._code_items.append(code)
            self._captions.append(caption)
        self._highlight = QGraphicsRectItem()
        pen = QPen(pg.mkColor("#ff7f0e"), 2)
        pen.setCosmetic(True)
        self._highlight.setPen(pen)
        self._highlight.setVisible(False)
        vb.addItem(self._highlight)
        self._message = pg.TextItem("", color=text_colour, anchor=(0.5, 0.0))
        vb.addItem(self._message)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=self._cmap,
                                          interactive=False, label="activation",
                                          colorMapMenu=False, width=16,
                                          pen=text_colour)
        self.colour_bar.setImageItem(self._code_items)
        self.latent_view.addItem(self.colour_bar, row=0, col=1)
        self.latent_view.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.code_bars = pg.PlotWidget()
        self.code_bars.setObjectName("code_bars")
        self.code_bars.setBackground(self.palette().base().color())
        self.code_bars.setMinimumHeight(150)
        self.code_bars.setLabel("bottom", "code unit")
        self.code_bars.setLabel("left", "activation")
        self.code_bars.setMouseEnabled(x=True, y=False)
        self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.8,
                                     brush=self._cmap.map(0.55), pen=None)
        self.code_bars.addItem(self._bars)
        self.code_bars.setTitle("Click a code above to see its values")
        self._style_plot(self.code_bars)

        self.sparsity_label = QLabel()
        self.sparsity_label.setObjectName("sparsity_label")
        self.sparsity_label.setWordWrap(True)
        self.sparsity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.activation_histogram = pg.PlotWidget()
        self.activation_histogram.setObjectName("activation_histogram")
        self.activation_histogram.setBackground(self.palette().base().color())
        self.activation_histogram.setMinimumHeight(150)
        self.activation_histogram.setLabel("bottom", "activation (non-zero values)")
        self.activation_histogram.setLabel("left", "count")
        self.activation_histogram.setMouseEnabled(x=False, y=False)
        self._histogram = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                          brush=self._cmap.map(0.35), pen=self._cmap.map(0.2))
        self.activation_histogram.addItem(self._histogram)
        self._style_plot(self.activation_histogram)
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
        stats = QVBoxLayout()
        stats.addWidget(self.sparsity_label)
        stats.addWidget(self.activation_histogram, 1)
        stats.addWidget(self.sparsity_table)
        bottom = QHBoxLayout()
        bottom.addWidget(self.code_bars, 3)
        bottom.addLayout(stats, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.latent_view, 3)
        layout.addLayout(bottom, 2)

    def _style_plot(self, plot: pg.PlotWidget) -> None:
        """Axis text in the palette's colour, and plain numbers: pyqtgraph's
        automatic "(x0.001)" unit prefix reads as a different quantity."""
        colour = self.palette().windowText().color()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.enableAutoSIPrefix(False)
            axis.setTextPen(colour)
            axis.setPen(colour)
        plot.getPlotItem().titleLabel.setAttr("color", colour)

    # -------------------------------------------------------------- public
    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Code values", self.code_bars),
                ExportablePlot("Activation histogram", self.activation_histogram)]

    @property
    def bar_values(self) -> np.ndarray:
        """The heights in the bar chart now (empty before a code is chosen)."""
        return np.asarray(self._bars.opts.get("height"), dtype=np.float32)

    def select_code(self, column: int) -> None:
        """Show the code of the digit in `column` as bars."""
        if self.current_codes is None or not 0 <= column < len(self.current_codes):
            return
        self.selected_code = column
        code = np.asarray(self.current_codes[column]).ravel()
        self._bars.setOpts(x=np.arange(code.size), height=code, width=0.8)
        self.code_bars.setXRange(-1, code.size, padding=0)
        self.code_bars.setYRange(0, max(self.levels[1], 1e-6), padding=0.05)
        view = self.current_view
        shape = "x".join(str(d) for d in self.current_codes.shape[1:])
        layout = f", the {shape} code flattened" if self.current_codes.ndim > 2 else ""
        self.code_bars.setTitle(f"Digit {view.labels[column]} (test #{view.indices[column]}): "
                                f"its {code.size} code values{layout}")
        self._place_highlight()
        self.code_selected.emit(column)

    def export_png(self, path: str | None = None) -> str | None:
        """Save the digits over their code pictures as a PNG; returns the path."""
        view = self.current_view
        if view is None or not self.code_images:
            self.session.status_message.emit("Nothing to export yet: no codes computed")
            return None
        if path is None:
            path = self._ask_png_path(f"{view.arch_id}_codes.png")
            if not path:
                return None
        values, mask = views.latent_grid_image(view.inputs, self.code_images, self.levels,
                                               gap=EXPORT_GAP, fill=1.0)
        lut = self._cmap.getLookupTable(nPts=256, alpha=False, mode="byte")
        try:
            written = save_qimage(rgb_to_qimage(colour_codes(values, mask, lut)), path,
                                  scale=EXPORT_SCALE)
        except OSError as exc:
            self.session.error_raised.emit(f"Could not export the PNG: {exc}")
            return None
        self.session.status_message.emit(f"Saved {written}")
        return written

    # ---------------------------------------------------------- code view
    def _ask_png_path(self, default_name: str) -> str | None:
        """The file dialog, in one place so tests can replace it."""
        path, _ = QFileDialog.getSaveFileName(self, "Export the codes as PNG",
                                              str(Path.home() / default_name),
                                              "PNG images (*.png)")
        return path or None

    def _on_digits_changed(self) -> None:
        if self.session.is_ready:
            return  # the view with the codes follows within milliseconds
        digits, labels = self.session.selection.digits()
        self._draw(digits, labels, [], (0.0, 1.0))
        self._message.setText(LOADING)
        self.caption_label.setText("Codes of the digits on the Reconstructions tab: "
                                   "waiting for the model.")

    def _show_view(self, view: views.ReconView) -> None:
        self.current_view = view
        self.current_codes = view.codes
        self.code_images = [views.code_image(c, view.arch_id) for c in view.codes]
        self.levels = views.code_levels(view.codes)
        self._draw(view.inputs, view.labels, self.code_images, self.levels)
        self._message.setText("")
        self.export_latent_button.setEnabled(True)
        spec = models.spec(view.arch_id)
        shape = "x".join(str(d) for d in spec.code_shape)
        picture = "x".join(str(d) for d in self.code_images[0].shape) if self.code_images else ""
        how = {"conv": " as the seed draws it, code.reshape(4, 32).T",
               "denoise": ", its 32 feature maps of 7x7 tiled 8 to a row"}.get(
                   view.arch_id, ", as 4 rows of 8")
        noise = (f" The inputs carry noise {view.noise:.2f}, as on the Reconstructions tab."
                 if view.noisy is not None else "")
        self.caption_label.setText(
            f"<b>{spec.title}</b>: each digit over its {shape} code, drawn {picture}{how}. "
            f"One colour scale for all ten (0 to {self.levels[1]:.3g}); click a code for its "
            f"values.{noise}")
        if self.selected_code is not None and self.selected_code < len(view.codes):
            self.select_code(self.selected_code)
        else:
            self.selected_code = None
            self._highlight.setVisible(False)

    def _draw(self, digits: np.ndarray, labels: np.ndarray, pictures: list[np.ndarray],
              levels: tuple[float, float]) -> None:
        n = len(digits)
        scale = 1.0
        code_w = code_h = 0.0
        if pictures:
            h, w = pictures[0].shape
            # Square cells; about a digit wide, at most three digits tall.
            scale = min(2 * DIGIT / w, 3 * DIGIT / h, DIGIT / 4)
            code_w, code_h = w * scale, h * scale
        cell = max(DIGIT, code_w)
        self._slot = cell + SLOT_GAP
        for i in range(len(self._digit_items)):
            shown = i < n
            x0 = i * self._slot
            digit_item, code_item, caption = (self._digit_items[i], self._code_items[i],
                                              self._captions[i])
            digit_item.setVisible(shown)
            caption.setVisible(shown)
            code_item.setVisible(shown and bool(pictures))
            if not shown:
                continue
            digit_item.setImage(digits[i], autoLevels=False, levels=(0, 1))
            digit_item.setRect(QRectF(x0 + (cell - DIGIT) / 2, 0, DIGIT, DIGIT))
            caption.setText(str(labels[i]))
            caption.setPos(x0 + cell / 2, -1)
            if pictures:
                code_item.setImage(pictures[i], autoLevels=False, levels=levels)
                code_item.setRect(QRectF(x0 + (cell - code_w) / 2, CODE_TOP, code_w, code_h))
        self.colour_bar.setLevels(levels)
        width = max(n * self._slot - SLOT_GAP, DIGIT)
        height = CODE_TOP + (code_h if pictures else DIGIT)
        self._message.setPos(width / 2, CODE_TOP + 4)
        self._vb.setRange(QRectF(-2, -12, width + 4, height + 14), padding=0)

    def _place_highlight(self) -> None:
        if self.selected_code is None or not self.code_images:
            self._highlight.setVisible(False)
            return
        rect = self._code_items[self.selected_code].mapRectToParent(
            self._code_items[self.selected_code].boundingRect())
        top = self._digit_items[self.selected_code].mapRectToParent(
            self._digit_items[self.selected_code].boundingRect())
        self._highlight.setRect(rect.united(top).adjusted(-2, -2, 2, 2))
        self._highlight.setVisible(True)

    def _on_scene_clicked(self, event) -> None:
        if self.current_codes is None:
            return
        point = self._vb.mapSceneToView(event.scenePos())
        column = int(point.x() // self._slot) if point.x() >= 0 else -1
        if 0 <= column < len(self.current_codes) and point.y() >= -12:
            self.select_code(column)

    # ----------------------------------------------------------- sparsity
    def _on_weights_changed(self) -> None:
        # An answer computed for the old weights must not be recorded against the new.
        self.session.worker.cancel(SPARSITY_KEY)
        self._stats_stale = True
        self._stats_timer.start()

    def _request_stats(self) -> None:
        self._show_stats_state()
        if not self.session.is_ready or self.session.is_training or not self.isVisible():
            return  # stays stale: done when shown, or when the training ends
        self._stats_stale = False
        note = self.session.weights_note

        def job(state, model, dataset):
            return model.arch_id, views.code_sparsity(model, dataset, state), dataset.n_test

        self.session.submit(SPARSITY_KEY, job, lambda r: self._show_stats(r, note),
                            self._on_stats_failed, during_training=False,
                            progress_title="Measuring how sparse the codes are")

    def _show_stats_state(self) -> None:
        if not self.session.is_ready:
            text = LOADING
        elif self.session.is_training:
            text = "measured when the training stops"
        else:
            text = "computing…"
        self.sparsity_label.setText(f"Sparsity over the test split: {text}")

    def _show_stats(self, result, note: str) -> None:
        arch_id, stats, n = result
        self.latest_stats = stats
        self.sparsity_records[arch_id] = SparsityRecord(stats, note)
        seed = views.SEED_MEAN_ACTIVATION.get(arch_id)
        seed_text = f" (the tutorial: {seed:.2f})" if seed is not None else ""
        self.sparsity_label.setText(
            f"Over the {n:,} test digits ({stats.code_size} numbers per code): mean activation "
            f"<b>{stats.mean_activation:.3f}</b>{seed_text}; {stats.zero_fraction:.1%} of the "
            f"activations are exactly 0; largest {stats.max_activation:.3g}.")
        self._histogram.setData(stats.edges, stats.counts)
        self._fill_table()
        self.stats_updated.emit(stats)

    def _fill_table(self) -> None:
        rows = [a for a in models.ARCH_IDS if a in self.sparsity_records]
        self.sparsity_table.setRowCount(len(rows))
        for r, arch_id in enumerate(rows):
            record = self.sparsity_records[arch_id]
            seed = views.SEED_MEAN_ACTIVATION.get(arch_id)
            cells = [arch_id, f"{record.stats.mean_activation:.3f}",
                     f"{record.stats.zero_fraction:.1%}", "" if seed is None else f"{seed:.2f}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"weights: {record.weights_note}")
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.sparsity_table.setItem(r, c, item)
        # The comparison the seed makes: sparse against simple.
        both = "simple" in self.sparsity_records and "sparse" in self.sparsity_records
        self.sparsity_table.setVisible(both)
        if both:
            self.sparsity_table.setFixedHeight(
                self.sparsity_table.horizontalHeader().height()
                + sum(self.sparsity_table.rowHeight(r) for r in range(len(rows))) + 4)

    def _on_stats_failed(self, message: str) -> None:
        self.sparsity_label.setText(f"Sparsity over the test split: failed ({message})")

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key == SPARSITY_KEY and fraction < 1:
            self.sparsity_label.setText(f"Sparsity over the test split: computing… {fraction:.0%}")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stats_stale and not self._stats_timer.isActive():
            self._request_stats()
