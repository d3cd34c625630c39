"""The three pages under the map: Draw, Interpolate, Sliders. Layout and drawing only.

Each page lays out its widgets and draws what it is given; the panel binds
them to the lab.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core.latent_space import DrawingAnalysis, Interpolation
from explorer.features.latent_space.canvas import DEFAULT_BRUSH, DrawCanvas
from explorer.features.latent_space.interpolation import DEFAULT_STEPS, MAX_STEPS
from explorer.features.latent_space.pictures import FAR_COLOUR, PictureBox, code_qimage, digit_qimage
from explorer.widgets.digit_grid import DigitGrid, GridRow

SLIDER_TICKS = 30  # positions either side of the start: a tenth of a spread each


class Strip(DigitGrid):
    """A DigitGrid that asks for little room: it shares a page with controls, and
    the page sits in a scroll area that would otherwise grow to the grid's wish."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 130)


def named(widget, name: str, tip: str = ""):
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
        widget.setAccessibleName(tip)
    return widget


def titled(title: str, widget: QWidget) -> QWidget:
    """A widget with a small title above it."""
    holder = QWidget()
    box = QVBoxLayout(holder)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    label = QLabel(title)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    box.addWidget(label)
    box.addWidget(widget, 1)
    return holder


class DrawPage(QWidget):
    """The canvas, its brush and Clear, and what the model makes of the drawing."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = DrawCanvas()
        self.brush_spin = named(QSpinBox(), "latent_brush_spin", "Brush size, in canvas pixels")
        self.brush_spin.setRange(6, 60)
        self.brush_spin.setValue(DEFAULT_BRUSH)
        self.clear_button = named(QPushButton("Clear"), "latent_clear_button", "Clear the canvas")
        self.digit_box = PictureBox("drawn_digit", minimum=40, hint=84)
        self.recon_box = PictureBox("drawn_reconstruction", minimum=40, hint=84)
        self.code_box = PictureBox("drawn_code", minimum=24, hint=84)
        self.neighbours = Strip()
        self.neighbours.setObjectName("drawn_neighbours")
        self.neighbours.setMinimumSize(150, 70)
        self.cluster_label = named(QLabel(""), "drawn_cluster")
        self.cluster_label.setWordWrap(True)
        tools = QVBoxLayout()
        tools.addWidget(QLabel("brush"))
        tools.addWidget(self.brush_spin)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        results = QGridLayout()
        for col, (title, box) in enumerate((("as MNIST", self.digit_box),
                                            ("reconstruction", self.recon_box),
                                            ("code", self.code_box))):
            results.addWidget(titled(title, box), 0, col)
        results.addWidget(titled("five nearest test digits (full code space)", self.neighbours),
                          0, 3)
        results.setColumnStretch(3, 3)
        for col in range(3):
            results.setColumnStretch(col, 1)
        results.addWidget(self.cluster_label, 1, 0, 1, 4)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.canvas, 2)
        row.addLayout(tools)
        row.addLayout(results, 5)
        row.setAlignment(tools, Qt.AlignmentFlag.AlignTop)
        self.canvas.set_brush(DEFAULT_BRUSH)
        self.brush_spin.valueChanged.connect(self.canvas.set_brush)
        self.show_analysis(None)

    def show_analysis(self, a: DrawingAnalysis | None, arch_id: str = "",
                      levels: tuple[float, float] = (0.0, 1.0), cluster_text: str = "") -> None:
        if a is None:
            for box in (self.digit_box, self.recon_box, self.code_box):
                box.set_image(None)
            self.neighbours.set_rows([GridRow("", None, message="draw a digit")], columns=5)
            self.cluster_label.setText("Draw a digit: the model reads it as you draw.")
            return
        self.digit_box.set_image(digit_qimage(a.digit))
        self.recon_box.set_image(digit_qimage(a.reconstruction), FAR_COLOUR if a.far else None)
        self.code_box.set_image(code_qimage(a.code, arch_id, levels))
        self.neighbours.set_rows([GridRow("", a.neighbour_images,
                                          below=[f"{int(lab)} · {d:.1f}" for lab, d in
                                                 zip(a.neighbour_labels, a.distances, strict=True)])])
        far = (f"<b style='color:{FAR_COLOUR}'>far from every test code</b> · " if a.far else "")
        self.cluster_label.setText(f"{far}{cluster_text}")


class InterpolatePage(QWidget):
    """Two endpoints, the number of steps, Play, and the two paths side by side."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.a_combo = named(QComboBox(), "latent_interp_a_combo", "First digit: one of the shown ten")
        self.b_combo = named(QComboBox(), "latent_interp_b_combo", "Second digit: one of the shown ten")
        self.pick_a = named(QPushButton("A on map"), "latent_pick_a_button",
                            "Pick the first digit by clicking a point on the map")
        self.pick_b = named(QPushButton("B on map"), "latent_pick_b_button",
                            "Pick the second digit by clicking a point on the map")
        for b in (self.pick_a, self.pick_b):
            b.setCheckable(True)
        for c in (self.a_combo, self.b_combo):
            c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            c.setMinimumContentsLength(10)
        self.steps_spin = named(QSpinBox(), "latent_steps_spin", "Steps along each path")
        self.steps_spin.setRange(10, MAX_STEPS)
        self.steps_spin.setValue(DEFAULT_STEPS)
        self.play_button = named(QPushButton("Play"), "latent_play_button",
                                 "Walk along the latent path on the map, there and back")
        self.play_button.setEnabled(False)
        self.grid = Strip()
        self.grid.setObjectName("interpolation_view")
        self.grid.setMinimumSize(200, 90)
        self.note = QLabel("Pick two digits: the straight line between them in pixel space "
                           "(a cross-fade) and in latent space (decoded).")
        self.note.setWordWrap(True)
        controls = QGridLayout()
        controls.addWidget(QLabel("A"), 0, 0)
        controls.addWidget(self.a_combo, 0, 1)
        controls.addWidget(self.pick_a, 0, 2)
        controls.addWidget(QLabel("steps"), 0, 3)
        controls.addWidget(self.steps_spin, 0, 4)
        controls.addWidget(QLabel("B"), 1, 0)
        controls.addWidget(self.b_combo, 1, 1)
        controls.addWidget(self.pick_b, 1, 2)
        controls.addWidget(self.play_button, 1, 3, 1, 2)
        controls.setColumnStretch(1, 1)
        side = QVBoxLayout()
        side.addLayout(controls)
        side.addWidget(self.note, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addLayout(side, 2)
        row.addWidget(self.grid, 5)
        self.show_interpolation(None)

    def set_choices(self, labels: Sequence[str], current: Sequence[str | None] = (None, None)) -> None:
        """The shown ten in each combo; an endpoint picked on the map is added as it is."""
        for combo, now in zip((self.a_combo, self.b_combo), current, strict=True):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("–")
            combo.addItems(list(labels))
            if now is not None:
                if now not in labels:
                    combo.addItem(now)
                combo.setCurrentText(now)
            combo.blockSignals(False)

    def show_interpolation(self, result: Interpolation | None, frame: int | None = None) -> None:
        self.play_button.setEnabled(result is not None)
        if result is None:
            self.grid.set_rows([GridRow("pixels", None, message="pick two digits"),
                                GridRow("latent", None)], columns=DEFAULT_STEPS)
            return
        marks = ["▼" if i == frame else f"{t:.2f}" for i, t in enumerate(result.ts)]
        below = ["far" if f else "" for f in result.far]
        self.grid.set_rows([GridRow("pixels", result.pixel, above=marks),
                            GridRow("latent", result.latent, below=below)])


class SlidersPage(QWidget):
    """The digit to start from, the kind of axes, Reset, and one slider per axis."""

    def __init__(self, count: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.start_combo = named(QComboBox(), "latent_slider_digit_combo",
                                 "The digit whose code the sliders start from (or click one on the map)")
        self.start_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.start_combo.setMinimumContentsLength(10)
        self.kind_combo = named(QComboBox(), "latent_slider_kind_combo",
                                "Move the code along its principal directions, or one code unit at a time")
        self.kind_combo.addItems(["principal directions", "single code units"])
        self.reset_button = named(QPushButton("Reset"), "latent_slider_reset_button",
                                  "Every slider back to the digit's own code")
        self.start_label = QLabel("")
        self.start_label.setWordWrap(True)
        self.sliders: list[QSlider] = []
        self.names: list[QLabel] = []
        grid = QGridLayout()
        for j in range(count):
            name = QLabel(f"axis {j + 1}")
            slider = named(QSlider(Qt.Orientation.Horizontal), f"latent_slider_{j}",
                           "Move the code along this axis (in spreads of the test codes)")
            slider.setRange(-SLIDER_TICKS, SLIDER_TICKS)
            slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            slider.setMinimumWidth(60)
            r, c = divmod(j, 2)
            grid.addWidget(name, r, 2 * c)
            grid.addWidget(slider, r, 2 * c + 1)
            self.sliders.append(slider)
            self.names.append(name)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        top = QHBoxLayout()
        top.addWidget(QLabel("start from"))
        top.addWidget(self.start_combo, 1)
        top.addWidget(self.kind_combo, 1)
        top.addWidget(self.reset_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addLayout(top)
        box.addWidget(self.start_label)
        box.addLayout(grid)
        box.addStretch(1)

    def show_axes(self, names: Sequence[str], values: np.ndarray) -> None:
        for j, (slider, label) in enumerate(zip(self.sliders, self.names, strict=True)):
            shown = j < len(names)
            slider.setVisible(shown)
            label.setVisible(shown)
            if shown:
                label.setText(names[j])
                slider.blockSignals(True)
                slider.setValue(int(round(values[j] * SLIDER_TICKS / 3.0)))
                slider.blockSignals(False)
