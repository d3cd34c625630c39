"""The Reconstructions tab: ten test digits, their noisy inputs and reconstructions.

The digits and the noise are the session's shared DigitSelection: this tab's
buttons and slider set it, other tabs follow it. The noise slider is the live
part. Each move draws the noisy row at once from the originals (cheap numpy
from explorer.core.views), and the selection asks the model thread for the
reconstructions as a view, so while the slider is dragged only the latest
request is answered. The test split's mean loss is heavier (hundreds of
forward passes) and waits until the slider has rested for a moment.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
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
from explorer.services.features import FeatureView
from explorer.services.session import Session
from explorer.widgets.digit_grid import DigitGrid, GridRow, save_png

log = logging.getLogger(__name__)

MEAN_LOSS_KEY = "mean-loss"
MEAN_LOSS_DELAY_MS = 350  # after the slider rests: a drag must not queue heavy jobs
EXPORT_GAP = 4  # image pixels between digits in the exported PNG
EXPORT_SCALE = 4  # each digit pixel as 4x4 pixels: a 28-pixel digit is too small on a slide
LOADING = "loading TensorFlow…"


class ReconstructionPanel(QWidget, FeatureView):
    """Originals over (noisy inputs over) reconstructions, as in the seed's figures."""

    feature_key = "reconstructions"
    view_updated = Signal(object)  # the ReconView just drawn

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.selection = session.selection
        self.current_view: views.ReconView | None = None
        self.mean_loss: float | None = None
        self._originals = np.zeros((0, 28, 28), dtype=np.float32)
        self._labels = np.zeros(0, dtype=np.int64)
        self._mean_loss_stale = True
        self._drawn_noise: tuple[float, int] | None = None  # (factor, seed) last drawn
        self._build()
        self._mean_timer = QTimer(self)
        self._mean_timer.setSingleShot(True)
        self._mean_timer.setInterval(MEAN_LOSS_DELAY_MS)
        self._mean_timer.timeout.connect(self._request_mean_loss)

        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        session.worker.job_progress.connect(self._on_job_progress)
        self.selection.changed.connect(self._on_selection_changed)
        self.selection.view_updated.connect(self._show_view)
        self.selection.view_failed.connect(self._on_view_failed)
        self.selection.refused.connect(self._on_refused)
        self._on_selection_changed()
        self._show_mean_loss_state()

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
        self.export_recon_button.setEnabled(False)
        self.export_recon_button.clicked.connect(lambda: self.export_png())

        self.mean_loss_label = QLabel()
        self.mean_loss_label.setObjectName("mean_loss_label")
        self.mean_loss_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.recon_view = DigitGrid()
        self.recon_view.setObjectName("recon_view")
        self.recon_view.setAccessibleName("Originals, noisy inputs and reconstructions")

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
        self._show_noise_label()

    # -------------------------------------------------------------- public
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

    def _mode_button(self, mode: str) -> QPushButton:
        return {"first": self.first_ten_button, "random": self.shuffle_button,
                "classes": self.one_per_class_button}[mode]

    def resample_noise(self) -> None:
        """New noise at the same factor (a new seed for the noise field)."""
        self.selection.resample_noise()

    def export_png(self, path: str | None = None) -> str | None:
        """Save the current grid as a PNG in the seed's layout; returns the path."""
        view = self.current_view
        if view is None:
            self.session.status_message.emit("Nothing to export yet: the model has not answered")
            return None
        if path is None:
            rows = "originals, noisy inputs and reconstructions" if view.noisy is not None \
                else "originals and reconstructions"
            path = self._ask_png_path(f"{view.arch_id}_reconstructions.png", rows)
            if not path:
                return None
        array = views.grid_image(views.view_rows(view), gap=EXPORT_GAP, fill=1.0)
        try:
            written = save_png(array, path, scale=EXPORT_SCALE)
        except OSError as exc:
            self.session.error_raised.emit(f"Could not export the PNG: {exc}")
            return None
        self.session.status_message.emit(f"Saved {written}")
        return written

    # ------------------------------------------------------------ internals
    def _ask_png_path(self, default_name: str, what: str = "") -> str | None:
        """The file dialog, in one place so tests can replace it."""
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {what or 'the grid'} as PNG", str(Path.home() / default_name),
            "PNG images (*.png)")
        return path or None

    def _on_refused(self, message: str) -> None:
        self.session.status_message.emit(message)

    def _on_selection_changed(self) -> None:
        """New digits, noise or noise seed: redraw what needs no model, at once."""
        sel = self.selection
        noise_changed = (sel.noise, sel.noise_seed) != self._drawn_noise
        self._drawn_noise = (sel.noise, sel.noise_seed)
        self._originals, self._labels = sel.digits()
        self._mode_button(sel.mode).setChecked(True)
        step = views.step_from_noise(sel.noise)
        if self.noise_slider.value() != step:
            self.noise_slider.blockSignals(True)
            self.noise_slider.setValue(step)
            self.noise_slider.blockSignals(False)
        self._show_noise_label()
        self._redraw_local()
        if noise_changed:
            self._schedule_mean_loss()

    def _on_slider(self, value: int) -> None:
        self.selection.set_noise(views.noise_from_step(value))

    def _show_noise_label(self) -> None:
        self.noise_label.setText(f"noise factor {self.noise_factor:.2f}")

    def _redraw_local(self) -> None:
        """Draw what needs no model: originals and noisy inputs, right now.

        The reconstructions of the last answer stay while the next is computed
        when they belong to the same digits; otherwise their row waits empty.
        """
        noise = self.noise_factor
        noisy = views.noisy_digits(self._originals, noise, self.noise_seed)
        view = self.current_view
        same_digits = view is not None and np.array_equal(view.indices, self.selection.indices)
        if not self.session.is_ready:
            recon, below, message = None, (), LOADING
        elif same_digits:
            recon, below, message = view.reconstructions, _losses(view), ""
        else:
            recon, below, message = None, (), "…"
        self.recon_view.set_rows(self._rows(noisy, noise, recon, below, message),
                                 len(self._originals))

    def _rows(self, noisy, noise, recon, below, message) -> list[GridRow]:
        rows = [GridRow("original", self._originals, above=[str(v) for v in self._labels])]
        if noisy is not None:
            rows.append(GridRow(f"noisy input ({noise:.2f})", noisy))
        rows.append(GridRow("reconstruction", recon, below=below, message=message))
        return rows

    def _show_view(self, view: views.ReconView) -> None:
        self.current_view = view
        self.export_recon_button.setEnabled(True)
        # The view's own arrays (not the panel's) are drawn, so picture and
        # `current_view` can never disagree.
        self._originals, self._labels = view.originals, view.labels
        self.recon_view.set_rows(self._rows(view.noisy, view.noise, view.reconstructions,
                                            _losses(view), ""), len(view.indices))
        self.view_updated.emit(view)

    def _on_view_failed(self, message: str) -> None:
        log.warning("reconstructions failed: %s", message)
        noisy = views.noisy_digits(self._originals, self.noise_factor, self.noise_seed)
        self.recon_view.set_rows(self._rows(noisy, self.noise_factor, None, (),
                                            f"could not reconstruct: {message}"),
                                 len(self._originals))
        self.session.status_message.emit(f"Reconstructions failed: {message}")

    # ----------------------------------------------------------- mean loss
    def _schedule_mean_loss(self) -> None:
        # A running computation for the old noise is dropped at its next batch.
        self.session.worker.cancel(MEAN_LOSS_KEY)
        self._mean_loss_stale = True
        self.mean_loss = None
        self._show_mean_loss_state()
        self._mean_timer.start()

    def _request_mean_loss(self) -> None:
        self._show_mean_loss_state()
        if not self.session.is_ready or self.session.is_training or not self.isVisible():
            return  # stays stale: done on show, or when training ends (weights_changed)
        self._mean_loss_stale = False
        noise, seed = self.noise_factor, self.noise_seed

        def job(state, model, dataset):
            return noise, views.mean_test_loss(model, dataset, noise, seed, state), dataset.n_test

        self.session.submit(MEAN_LOSS_KEY, job, self._show_mean_loss, self._on_mean_loss_failed,
                            during_training=False,
                            progress_title="Computing the mean loss on the test split")
        self.mean_loss_label.setText("Mean loss on the test split: computing…")

    def _show_mean_loss_state(self) -> None:
        if not self.session.is_ready:
            text = LOADING
        elif self.session.is_training:
            text = "shown when the training stops"
        else:
            text = "computing…"
        self.mean_loss_label.setText(f"Mean loss on the test split: {text}")

    def _show_mean_loss(self, result) -> None:
        noise, loss, n = result
        self.mean_loss = loss
        self.mean_loss_label.setText(
            f"Mean loss on the {n:,} test digits at noise {noise:.2f}: <b>{loss:.4f}</b> "
            "(binary cross-entropy)")

    def _on_mean_loss_failed(self, message: str) -> None:
        self.mean_loss_label.setText(f"Mean loss on the test split: failed ({message})")

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key == MEAN_LOSS_KEY and fraction < 1:
            self.mean_loss_label.setText(f"Mean loss on the test split: computing… {fraction:.0%}")

    # ------------------------------------------------------------- events
    def _on_weights_changed(self) -> None:
        self._redraw_local()  # the view itself is asked for by the selection
        self._schedule_mean_loss()

    def _on_dataset_changed(self) -> None:
        self.current_view = None
        self.export_recon_button.setEnabled(False)
        self._redraw_local()
        self._schedule_mean_loss()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._mean_loss_stale and not self._mean_timer.isActive():
            self._request_mean_loss()


def _losses(view: views.ReconView) -> list[str]:
    return [f"{v:.3f}" for v in view.per_digit_loss]
