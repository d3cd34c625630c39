"""What the Reconstructions tab shows, and when it asks the model: no widgets here.

The digits and the noise are the session's shared DigitSelection. Each change
of them redraws the originals and noisy inputs at once (cheap numpy from
explorer.core.views) while the selection asks the model thread for the
reconstructions as a view, so during a slider drag only the latest request is
answered. `ReconstructionsState` turns all of that into the rows the grid
draws. The test split's mean loss (`MeanLoss`) is heavier (hundreds of
forward passes): it waits until the noise has rested for a moment, is never
asked while a model trains or while the tab is hidden, and stays stale (asked
later) until then.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import views
from explorer.core.data import Dataset
from explorer.core.tasks import TaskState
from explorer.widgets.digit_grid import GridRow, save_png

if TYPE_CHECKING:  # pragma: no cover
    from explorer.core.models import Autoencoder
    from explorer.services.session import Session

log = logging.getLogger(__name__)

MEAN_LOSS_KEY = "mean-loss"
MEAN_LOSS_DELAY_MS = 350  # after the slider rests: a drag must not queue heavy jobs
EXPORT_GAP = 4  # image pixels between digits in the exported PNG
EXPORT_SCALE = 4  # each digit pixel as 4x4 pixels: a 28-pixel digit is too small on a slide
LOADING = "loading TensorFlow…"


@dataclass(frozen=True)
class MeanLossResult:
    noise: float
    loss: float  # mean per-image binary cross-entropy against the clean digits
    n_digits: int  # how many test digits it was measured on


@dataclass(frozen=True)
class MeanLossJob:
    """The model-thread half of a request: fn(state, model, dataset) for `Session.submit`.

    A dataclass rather than a closure, so what was asked for can be read back.
    """

    noise: float
    seed: int

    def __call__(self, state: TaskState, model: Autoencoder, dataset: Dataset) -> MeanLossResult:
        loss = views.mean_test_loss(model, dataset, self.noise, self.seed, state)
        return MeanLossResult(self.noise, loss, dataset.n_test)


class MeanLoss(QObject):
    """The mean loss over the test split at the selection's noise, and the sentence about it.

    `schedule()` after every change of noise or weights; the request goes out
    MEAN_LOSS_DELAY_MS later, or when the tab is shown (`on_shown`) if it was
    held back. `is_shown()` says whether the tab is on screen.
    """

    text_changed = Signal(str)

    def __init__(self, session: Session, is_shown: Callable[[], bool] = lambda: True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._is_shown = is_shown
        self.value: float | None = None
        self.text = ""
        self.stale = True  # the value (or its absence) is not for the current noise and weights
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MEAN_LOSS_DELAY_MS)
        self._timer.timeout.connect(self.request)
        session.worker.job_progress.connect(self._on_job_progress)
        self._show_waiting()

    @property
    def is_scheduled(self) -> bool:
        return self._timer.isActive()

    def schedule(self) -> None:
        """The noise or the weights changed: forget the value, ask again once things rest."""
        # A running computation for the old noise is dropped at its next batch.
        self.session.worker.cancel(MEAN_LOSS_KEY)
        self.stale = True
        self.value = None
        self._show_waiting()
        self._timer.start()

    def request(self) -> None:
        """Ask the model thread now, unless it is loading, training or the tab is hidden."""
        self._show_waiting()
        session = self.session
        if not session.is_ready or session.is_training or not self._is_shown():
            return  # stays stale: done on show, or when training ends (weights_changed)
        self.stale = False
        selection = session.selection
        session.submit(MEAN_LOSS_KEY, MeanLossJob(selection.noise, selection.noise_seed),
                       self._on_result, self._on_failed, during_training=False,
                       progress_title="Computing the mean loss on the test split",
                       asked_again_after_a_switch=True)  # on weights_changed
        self._set_text("Mean loss on the test split: computing…")

    def on_shown(self) -> None:
        if self.stale and not self._timer.isActive():
            self.request()

    def stop(self) -> None:
        self._timer.stop()

    def _show_waiting(self) -> None:
        if not self.session.is_ready:
            text = LOADING
        elif self.session.is_training:
            text = "shown when the training stops"
        else:
            text = "computing…"
        self._set_text(f"Mean loss on the test split: {text}")

    def _on_result(self, result: MeanLossResult) -> None:
        self.value = result.loss
        self._set_text(f"Mean loss on the {result.n_digits:,} test digits at noise "
                       f"{result.noise:.2f}: <b>{result.loss:.4f}</b> (binary cross-entropy)")

    def _on_failed(self, message: str) -> None:
        self._set_text(f"Mean loss on the test split: failed ({message})")

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key == MEAN_LOSS_KEY and fraction < 1:
            self._set_text(f"Mean loss on the test split: computing… {fraction:.0%}")

    def _set_text(self, text: str) -> None:
        self.text = text
        self.text_changed.emit(text)


class ReconstructionsState(QObject):
    """The grid's rows (originals, noisy inputs, reconstructions), the view they
    come from, the mean loss, and the PNG export.

    `rows_changed` follows every change of `rows`/`columns`; `view_shown`
    follows a model answer drawn; `exportable_changed(bool)` says whether
    there is a view to export, after each answer and each new dataset.
    """

    rows_changed = Signal()
    view_shown = Signal(object)  # the views.ReconView now drawn
    exportable_changed = Signal(bool)

    def __init__(self, session: Session, is_shown: Callable[[], bool] = lambda: True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.selection = session.selection
        self.current_view: views.ReconView | None = None
        self.rows: list[GridRow] = []
        self.columns = 0
        self.mean_loss = MeanLoss(session, is_shown, self)
        self._originals = np.zeros((0, 28, 28), dtype=np.float32)
        self._labels = np.zeros(0, dtype=np.int64)
        self._drawn_noise: tuple[float, int] | None = None  # (factor, seed) last drawn

        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        self.selection.changed.connect(self._on_selection_changed)
        self.selection.view_updated.connect(self._show_view)
        self.selection.view_failed.connect(self._on_view_failed)
        self.selection.refused.connect(self._on_refused)
        self._on_selection_changed()

    @property
    def can_export(self) -> bool:
        return self.current_view is not None

    def export_suggestion(self) -> tuple[str, str]:
        """(default file name, what the rows are) for the save dialog."""
        view = self.current_view
        if view is None:
            return "reconstructions.png", "the grid"
        rows = "originals, noisy inputs and reconstructions" if view.noisy is not None \
            else "originals and reconstructions"
        return f"{view.arch_id}_reconstructions.png", rows

    def export_png(self, path: str | os.PathLike | None) -> str | None:
        """Save the current view as a PNG in the seed's layout; returns the path written.

        With no view yet (or no path) it says so in the status bar and writes nothing.
        """
        view = self.current_view
        if view is None or path is None:
            self.session.status_message.emit("Nothing to export yet: the model has not answered")
            return None
        array = views.grid_image(views.view_rows(view), gap=EXPORT_GAP, fill=1.0)
        try:
            written = save_png(array, path, scale=EXPORT_SCALE)
        except OSError as exc:
            self.session.error_raised.emit(f"Could not export the PNG: {exc}")
            return None
        self.session.status_message.emit(f"Saved {written}")
        return written

    def stop(self) -> None:
        self.mean_loss.stop()

    # ------------------------------------------------------------ internals
    def _on_selection_changed(self) -> None:
        """New digits, noise or noise seed: redraw what needs no model, at once."""
        sel = self.selection
        noise_changed = (sel.noise, sel.noise_seed) != self._drawn_noise
        self._drawn_noise = (sel.noise, sel.noise_seed)
        self._originals, self._labels = sel.digits()
        self._redraw_local()
        if noise_changed:
            self.mean_loss.schedule()

    def _redraw_local(self) -> None:
        """Draw what needs no model: originals and noisy inputs, right now.

        The reconstructions of the last answer stay while the next is computed
        when they belong to the same digits; otherwise their row waits empty.
        """
        noise, seed = self.selection.noise, self.selection.noise_seed
        noisy = views.noisy_digits(self._originals, noise, seed)
        view = self.current_view
        same_digits = view is not None and np.array_equal(view.indices, self.selection.indices)
        if not self.session.is_ready:
            recon, below, message = None, (), LOADING
        elif same_digits:
            recon, below, message = view.reconstructions, _losses(view), ""
        else:
            recon, below, message = None, (), "…"
        self._set_rows(noisy, noise, recon, below, message, len(self._originals))

    def _set_rows(self, noisy, noise, recon, below, message, columns: int) -> None:
        rows = [GridRow("original", self._originals, above=[str(v) for v in self._labels])]
        if noisy is not None:
            rows.append(GridRow(f"noisy input ({noise:.2f})", noisy))
        rows.append(GridRow("reconstruction", recon, below=below, message=message))
        self.rows, self.columns = rows, columns
        self.rows_changed.emit()

    def _on_refused(self, message: str) -> None:
        self.session.status_message.emit(message)

    def _show_view(self, view: views.ReconView) -> None:
        self.current_view = view
        self.exportable_changed.emit(True)
        # The view's own arrays (not the selection's) are drawn, so picture and
        # `current_view` can never disagree.
        self._originals, self._labels = view.originals, view.labels
        self._set_rows(view.noisy, view.noise, view.reconstructions, _losses(view), "",
                       len(view.indices))
        self.view_shown.emit(view)

    def _on_view_failed(self, message: str) -> None:
        log.warning("reconstructions failed: %s", message)
        noise, seed = self.selection.noise, self.selection.noise_seed
        noisy = views.noisy_digits(self._originals, noise, seed)
        self._set_rows(noisy, noise, None, (), f"could not reconstruct: {message}",
                       len(self._originals))
        self.session.status_message.emit(f"Reconstructions failed: {message}")

    def _on_weights_changed(self) -> None:
        self._redraw_local()  # the view itself is asked for by the selection
        self.mean_loss.schedule()

    def _on_dataset_changed(self) -> None:
        self.current_view = None
        self.exportable_changed.emit(False)
        self._redraw_local()
        self.mean_loss.schedule()


def _losses(view: views.ReconView) -> list[str]:
    return [f"{v:.3f}" for v in view.per_digit_loss]
