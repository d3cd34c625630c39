"""Two rows of code pictures on one colour scale, each with its mean activation large."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from explorer.core import views
from explorer.features.latent_codes.comparison import PAIR, SparsityComparison, figure_line
from explorer.widgets.code_colours import coloured_code
from explorer.widgets.digit_zoom import Picture
from explorer.widgets.theme import relative_font


class ComparisonView(QWidget):
    def __init__(self, comparison: SparsityComparison, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sparsity_comparison")
        self.comparison = comparison
        self.message = QLabel()
        self.message.setObjectName("sparsity_comparison_message")
        self.message.setWordWrap(True)
        self.rows: dict[str, tuple[QLabel, Picture]] = {}
        grid = QGridLayout()
        for r, arch_id in enumerate(PAIR):
            figure = QLabel()
            figure.setObjectName(f"sparsity_{arch_id}_figure")
            figure.setWordWrap(True)
            relative_font(figure, 1.4, bold=True)  # the two numbers the tutorial compares
            picture = Picture()
            picture.setObjectName(f"sparsity_{arch_id}_codes")
            picture.setMinimumHeight(40)
            grid.addWidget(figure, 2 * r, 0)
            grid.addWidget(picture, 2 * r + 1, 0)
            grid.setRowStretch(2 * r + 1, 1)
            self.rows[arch_id] = (figure, picture)
        self.scale_label = QLabel()
        self.scale_label.setObjectName("sparsity_comparison_scale")
        self.scale_label.setWordWrap(True)
        self.scale_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(grid, 1)
        layout.addWidget(self.scale_label)
        comparison.changed.connect(self._show)
        self._show()

    def _show(self) -> None:
        pair = self.comparison.pair
        self.message.setText(self.comparison.text)
        self.message.setVisible(bool(self.comparison.text))
        if pair is None:
            return
        for arch_id, codes, stats in zip(pair.arch_ids, pair.codes, pair.stats, strict=True):
            figure, picture = self.rows[arch_id]
            figure.setText(figure_line(arch_id, stats))
            strip = _pictures_in_a_row([views.code_image(c, arch_id) for c in codes])
            picture.set_image_rgb(coloured_code(strip, pair.levels))
        self.scale_label.setText(
            f"The same {len(pair.indices)} digits (those shown on the Reconstructions tab), "
            f"one colour scale for both rows: 0 to {pair.levels[1]:.3g}. The L1 penalty "
            "switches most units of the sparse code off; the simple code spreads its "
            "activity over many.")

    @property
    def levels(self) -> tuple[float, float] | None:
        return None if self.comparison.pair is None else self.comparison.pair.levels


def _pictures_in_a_row(pictures: list[np.ndarray], gap: int = 1) -> np.ndarray:
    h = max(p.shape[0] for p in pictures)
    w = sum(p.shape[1] for p in pictures) + gap * (len(pictures) - 1)
    out = np.full((h, w), np.nan, dtype=np.float32)
    x = 0
    for p in pictures:
        out[:p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    return out
