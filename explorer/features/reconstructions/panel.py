"""The Reconstructions tab's view: the digit buttons, the noise slider, the grid.

It only lays out widgets and binds them: the buttons and the slider set the
session's shared DigitSelection; what the grid shows, the mean loss and the
export come from `ReconstructionsState` (state.py), which holds no widgets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from explorer.core import views
from explorer.features.reconstructions.state import ReconstructionsState
from explorer.services.features import DemoAction, FeatureView
from explorer.services.session import Session
from explorer.widgets.code_colours import coloured_code
from explorer.widgets.digit_grid import DigitGrid
from explorer.widgets.digit_zoom import DigitZoom


class ReconstructionPanel(QWidget, FeatureView):
    """Originals over (noisy inputs over) reconstructions, as in the seed's figures."""

    feature_key = "reconstructions"
    about = ("Top row: test digits; below: what the autoencoder rebuilds from their codes. What "
             "survives the narrow code is what the model learnt to keep: strokes and shapes, not "
             "every pixel. Add <b>noise</b> with the slider: a denoising autoencoder was trained "
             "on noisy inputs and clean targets, so it removes the speckle, while the others "
             "copy part of it. Resample draws new noise at the same strength.")
    view_updated = Signal(object)  # the ReconView just drawn

    def show_digit(self, column: int) -> None:
        """The digit in `column` large: its original, its input and its
        reconstruction, with its label, loss and code (for the back row)."""
        view = self.current_view
        if view is None or not 0 <= column < len(view.indices):
            return
        images = [view.originals[column]]
        if view.noisy is not None:
            images.append(view.noisy[column])
        images.append(view.reconstructions[column])
        picture = views.code_image(view.codes[column], view.arch_id)
        code = coloured_code(picture, views.code_levels(view.codes))
        noise = f" from noise {view.noise:.2f}" if view.noisy is not None else ""
        lines = ["original, " + ("noisy input, " if view.noisy is not None else "")
                 + "reconstruction",
                 f"reconstruction loss {view.per_digit_loss[column]:.4f}{noise}",
                 f"its code ({view.arch_id}): {view.codes[column].size} numbers, "
                 f"on the Latent codes tab's colour scale"]
        if self.zoom is None:
            self.zoom = DigitZoom(self)
        self.zoom.show_digit(images, f"Digit {view.labels[column]} · test #{view.indices[column]}",
                             lines, code)

    def demo_actions(self) -> list[DemoAction]:
        """The Digits menu: which ten digits, and the noise, from the keyboard."""
        slider = self.noise_slider
        return [
            DemoAction("first_ten_action", "&First ten", ("Ctrl+Shift+F",),
                       self.first_ten_button, "Digits"),
            DemoAction("shuffle_action", "&Shuffle", ("Ctrl+Shift+D",), self.shuffle_button,
                       "Digits"),
            DemoAction("one_of_each_action", "&One of each digit", ("Ctrl+D",),
                       self.one_per_class_button, "Digits"),
            DemoAction("noise_up_action", "More &noise", ("Ctrl+Up",), None, "Digits",
                       trigger=lambda: slider.setValue(slider.value() + 1), follows=slider),
            DemoAction("noise_down_action", "&Less noise", ("Ctrl+Down",), None, "Digits",
                       trigger=lambda: slider.setValue(slider.value() - 1), follows=slider),
            DemoAction("resample_action", "&Resample the noise", ("Ctrl+Shift+N",),
                       self.resample_button, "Digits"),
        ]

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.selection = session.selection
        self.state = ReconstructionsState(session, is_shown=self.isVisible, parent=self)
        self._build()

        state = self.state
        state.rows_changed.connect(self._show_rows)
        state.view_shown.connect(self.view_updated)
        state.exportable_changed.connect(self.export_recon_button.setEnabled)
        state.mean_loss.text_changed.connect(self.mean_loss_label.setText)
        self.selection.changed.connect(self._show_selection)
        self._show_selection()
        self._show_rows()
        self.mean_loss_label.setText(state.mean_loss.text)
        self.export_recon_button.setEnabled(state.can_export)

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.first_ten_button = QPushButton("First ten")
        self.first_ten_button.setObjectName("first_ten_button")
        self.first_ten_button.setToolTip("The first ten digits of the test split")
        self.shuffle_button = QPushButton("Shuffle")
        self.shuffle_button.setObjectName("shuffle_button")
        self.shuffle_button.setToolTip("Ten other test digits, drawn at random")
        self.one_per_class_button = QPushButton("One of each digit")
        self.one_per_class_button.setObjectName("one_per_class_button")
        self.one_per_class_button.setToolTip("The first 0, 1, …, 9 of the test split")
        self._mode_buttons = QButtonGroup(self)
        for button, mode in ((self.first_ten_button, "first"), (self.shuffle_button, "random"),
                             (self.one_per_class_button, "classes")):
            button.setCheckable(True)
            self._mode_buttons.addButton(button)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))

        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setObjectName("noise_slider")
        self.noise_slider.setRange(0, views.NOISE_STEPS)
        self.noise_slider.setSingleStep(1)
        self.noise_slider.setPageStep(2)
        self.noise_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.noise_slider.setTickInterval(2)
        self.noise_slider.setMinimumWidth(220)
        self.noise_slider.setAccessibleName("Noise factor")
        self.noise_slider.setToolTip("Gaussian noise added to the inputs: "
                                     "clip(x + factor · N(0, 1), 0, 1)")
        self.noise_label = QLabel()
        self.noise_label.setObjectName("noise_label")
        self.noise_label.setMinimumWidth(self.noise_label.fontMetrics()
                                         .horizontalAdvance("noise factor 0.00") + 8)
        self.resample_button = QPushButton("Resample")
        self.resample_button.setObjectName("resample_button")
        self.resample_button.setToolTip("Draw new noise at the same factor")
        self.noise_slider.valueChanged.connect(self._on_slider)
        self.resample_button.clicked.connect(self.resample_noise)

        self.export_recon_button = QPushButton("Export PNG…")
        self.export_recon_button.setObjectName("export_recon_button")
        self.export_recon_button.setToolTip("Save the grid as in the seed's figure: "
                                            "originals over reconstructions")
        self.export_recon_button.clicked.connect(lambda: self.export_png())

        self.mean_loss_label = QLabel()
        self.mean_loss_label.setWordWrap(True)  # one long line would set the tab's minimum width
        self.mean_loss_label.setObjectName("mean_loss_label")
        self.mean_loss_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.recon_view = DigitGrid()
        self.recon_view.setObjectName("recon_view")
        self.recon_view.setAccessibleName("Originals, noisy inputs and reconstructions")
        self.recon_view.setToolTip("Click a digit to see it large, with its loss and code")
        self.recon_view.digit_clicked.connect(self.show_digit)
        self.zoom: DigitZoom | None = None

        hint = QLabel("Above each original: its label. Under each reconstruction: its "
                      "binary cross-entropy against the clean original (lower is better).")
        hint.setWordWrap(True)
        hint.setEnabled(False)  # greyed: a footnote, not a control

        top = QHBoxLayout()
        top.addWidget(QLabel("Digits:"))
        top.addWidget(self.first_ten_button)
        top.addWidget(self.shuffle_button)
        top.addWidget(self.one_per_class_button)
        top.addStretch(1)
        top.addWidget(self.export_recon_button)

        noise = QHBoxLayout()
        noise.addWidget(QLabel("Noise:"))
        noise.addWidget(self.noise_slider, 1)
        noise.addWidget(self.noise_label)
        noise.addWidget(self.resample_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(noise)
        layout.addWidget(self.mean_loss_label)
        layout.addWidget(self.recon_view, 1)
        layout.addWidget(hint)

    # -------------------------------------------------------------- public
    @property
    def current_view(self) -> views.ReconView | None:
        """The model's latest answer drawn (None until it has answered for this data)."""
        return self.state.current_view

    @property
    def mean_loss(self) -> float | None:
        """The test split's mean loss at the current noise, once computed."""
        return self.state.mean_loss.value

    @property
    def noise_factor(self) -> float:
        return self.selection.noise

    @property
    def selected_indices(self) -> np.ndarray:
        """Test-split indices of the digits shown now."""
        return self.selection.indices

    @property
    def mode(self) -> str:
        return self.selection.mode

    @property
    def noise_seed(self) -> int:
        return self.selection.noise_seed

    def set_noise(self, factor: float) -> None:
        self.noise_slider.setValue(views.step_from_noise(factor))

    def set_mode(self, mode: str, seed: int | None = None) -> None:
        """Show the "first" ten, a "random" ten (seeded or fresh), or one of each "classes"."""
        if not self.selection.set_mode(mode, seed):
            self._mode_button(self.selection.mode).setChecked(True)  # undo the click's check

    def resample_noise(self) -> None:
        """New noise at the same factor (a new seed for the noise field)."""
        self.selection.resample_noise()

    def export_png(self, path: str | None = None) -> str | None:
        """Save the current grid as a PNG in the seed's layout; returns the path."""
        if path is None and self.state.can_export:
            path = self._ask_png_path(*self.state.export_suggestion())
            if not path:
                return None
        return self.state.export_png(path)

    def shutdown(self) -> None:
        self.state.stop()

    # ------------------------------------------------------------ binding
    def _ask_png_path(self, default_name: str, what: str = "") -> str | None:
        """The file dialog, in one place so tests can replace it."""
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {what or 'the grid'} as PNG", str(Path.home() / default_name),
            "PNG images (*.png)")
        return path or None

    def _mode_button(self, mode: str) -> QPushButton:
        return {"first": self.first_ten_button, "random": self.shuffle_button,
                "classes": self.one_per_class_button}[mode]

    def _show_selection(self) -> None:
        """The buttons and the slider follow the selection, whoever changed it."""
        sel = self.selection
        self._mode_button(sel.mode).setChecked(True)
        step = views.step_from_noise(sel.noise)
        if self.noise_slider.value() != step:
            self.noise_slider.blockSignals(True)
            self.noise_slider.setValue(step)
            self.noise_slider.blockSignals(False)
        self.noise_label.setText(f"noise factor {sel.noise:.2f}")

    def _on_slider(self, value: int) -> None:
        self.selection.set_noise(views.noise_from_step(value))

    def _show_rows(self) -> None:
        self.recon_view.set_rows(self.state.rows, self.state.columns)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.state.mean_loss.on_shown()
