"""What the Latent codes tab shows, and when it asks the model: no widgets here.

The codes are those of the digits of the session's DigitSelection (the ones
the Reconstructions tab shows, with its noise): each one drawn as a picture
(the conv code as the seed's `reshape(4, 32).T`), all on one colour scale so
codes can be compared; one chosen code is also shown as bars. The sparsity
figures over the whole test split (the seed's `encoded_imgs.mean()`) are
heavy, so they are asked for once the weights have settled, never during
training or while the tab is hidden, and remembered per architecture with
the weights that gave them, so the simple and sparse models can be set side
by side.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import models, views
from explorer.core.data import Dataset
from explorer.core.tasks import TaskState
from explorer.widgets.digit_grid import colour_codes, rgb_to_qimage, save_qimage

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

SPARSITY_KEY = "latent-sparsity"
STATS_DELAY_MS = 200  # coalesces bursts of weights_changed (a build, then a load)
EXPORT_GAP = 4
EXPORT_SCALE = 4
LOADING = "loading TensorFlow…"
# How each architecture's code is laid out as a picture, for the caption.
_PICTURE_HOW = {"conv": " as the seed draws it, code.reshape(4, 32).T",
                "denoise": ", its 32 feature maps of 7x7 tiled 8 to a row"}


@dataclass(frozen=True)
class SparsityRecord:
    """One architecture's measured figures and which weights gave them."""

    stats: views.SparsityStats
    weights_note: str


@dataclass(frozen=True)
class SparsityResult:
    arch_id: str
    stats: views.SparsityStats
    n_digits: int  # how many test digits were encoded
    weights_note: str  # the weights' description when the job was asked for


@dataclass(frozen=True)
class SparsityJob:
    """The model-thread half of a request: fn(state, model, dataset) for `Session.submit`."""

    weights_note: str

    def __call__(self, state: TaskState, model: models.Autoencoder,
                 dataset: Dataset) -> SparsityResult:
        return SparsityResult(model.arch_id, views.code_sparsity(model, dataset, state),
                              dataset.n_test, self.weights_note)


@dataclass(frozen=True)
class ComparisonRow:
    """One row of the table that sets the architectures side by side."""

    arch_id: str
    cells: tuple[str, str, str, str]  # model, mean activation, zero activations, the seed's
    tooltip: str


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays is ambiguous
class CodesDrawing:
    """What the code view draws: digits over their code pictures, on one scale."""

    digits: np.ndarray  # (n, 28, 28)
    labels: np.ndarray  # (n,)
    pictures: list[np.ndarray] = field(default_factory=list)  # empty: no codes yet
    levels: tuple[float, float] = (0.0, 1.0)
    message: str = ""  # shown where the codes go when there are none


class LatentCodesState(QObject):
    """The codes of the shown digits, the chosen code, and the sparsity figures.

    Signals: `codes_changed` (a new `drawing` and `caption`), `code_selected`
    (column) and `code_cleared` for the chosen code, `sparsity_text_changed`
    and `stats_updated` (SparsityStats) for the figures and `records`.
    """

    codes_changed = Signal()
    code_selected = Signal(int)
    code_cleared = Signal()
    sparsity_text_changed = Signal(str)
    stats_updated = Signal(object)  # SparsityStats of the current model

    def __init__(self, session: Session, is_shown: Callable[[], bool] = lambda: True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._is_shown = is_shown
        self.current_view: views.ReconView | None = None
        self.current_codes: np.ndarray | None = None
        self.code_images: list[np.ndarray] = []
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.selected_code: int | None = None
        self.drawing = CodesDrawing(np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64))
        self.caption = ""
        self.latest_stats: views.SparsityStats | None = None
        self.sparsity_records: dict[str, SparsityRecord] = {}
        self.sparsity_text = ""
        self.stats_stale = True
        self._stats_timer = QTimer(self)
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(STATS_DELAY_MS)
        self._stats_timer.timeout.connect(self.request_stats)

        selection = session.selection
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

    # ------------------------------------------------------------ the codes
    @property
    def can_export(self) -> bool:
        return self.current_view is not None and bool(self.code_images)

    def select_code(self, column: int) -> None:
        """Choose the code of the digit in `column` (ignored outside the codes shown)."""
        if self.current_codes is None or not 0 <= column < len(self.current_codes):
            return
        self.selected_code = column
        self.code_selected.emit(column)

    def selected_values(self) -> np.ndarray:
        """The chosen code's values, flattened (empty before one is chosen)."""
        if self.selected_code is None or self.current_codes is None:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.current_codes[self.selected_code]).ravel()

    def selected_title(self) -> str:
        """What the bar chart of the chosen code is titled."""
        view, codes, column = self.current_view, self.current_codes, self.selected_code
        if view is None or codes is None or column is None:
            return ""
        shape = "x".join(str(d) for d in codes.shape[1:])
        layout = f", the {shape} code flattened" if codes.ndim > 2 else ""
        return (f"Digit {view.labels[column]} (test #{view.indices[column]}): "
                f"its {self.selected_values().size} code values{layout}")

    def export_png(self, path: str | os.PathLike | None, lut: np.ndarray) -> str | None:
        """Save the digits over their code pictures, coloured by `lut` (256 RGB rows).

        With no codes yet (or no path) it says so in the status bar and writes nothing.
        """
        view = self.current_view
        if view is None or not self.code_images or path is None:
            self.session.status_message.emit("Nothing to export yet: no codes computed")
            return None
        values, mask = views.latent_grid_image(view.inputs, self.code_images, self.levels,
                                               gap=EXPORT_GAP, fill=1.0)
        try:
            written = save_qimage(rgb_to_qimage(colour_codes(values, mask, lut)), path,
                                  scale=EXPORT_SCALE)
        except OSError as exc:
            self.session.error_raised.emit(f"Could not export the PNG: {exc}")
            return None
        self.session.status_message.emit(f"Saved {written}")
        return written

    def _on_digits_changed(self) -> None:
        if self.session.is_ready:
            return  # the view with the codes follows within milliseconds
        digits, labels = self.session.selection.digits()
        self.drawing = CodesDrawing(digits, labels, message=LOADING)
        self.caption = "Codes of the digits on the Reconstructions tab: waiting for the model."
        self.codes_changed.emit()

    def _show_view(self, view: views.ReconView) -> None:
        self.current_view = view
        self.current_codes = view.codes
        self.code_images = [views.code_image(c, view.arch_id) for c in view.codes]
        self.levels = views.code_levels(view.codes)
        self.drawing = CodesDrawing(view.inputs, view.labels, self.code_images, self.levels)
        self.caption = self._caption(view)
        self.codes_changed.emit()
        # The chosen digit stays chosen across new views of the same column.
        if self.selected_code is not None and self.selected_code < len(view.codes):
            self.select_code(self.selected_code)
        else:
            self.selected_code = None
            self.code_cleared.emit()

    def _caption(self, view: views.ReconView) -> str:
        # The codes' own shape: a code-size variant's differs from the seed's.
        spec = models.variant_spec(view.arch_id, int(view.codes.shape[-1]))
        shape = "x".join(str(d) for d in spec.code_shape)
        picture = "x".join(str(d) for d in self.code_images[0].shape) if self.code_images else ""
        if spec.code_shape == models.spec(view.arch_id).code_shape:
            how = _PICTURE_HOW.get(view.arch_id, ", as 4 rows of 8")
        elif len(spec.code_shape) == 3:
            h, w, maps = spec.code_shape
            how = f", its {maps} feature maps of {h}x{w} tiled"
        else:
            how = ""
        noise = (f" The inputs carry noise {view.noise:.2f}, as on the Reconstructions tab."
                 if view.noisy is not None else "")
        return (f"<b>{spec.title}</b>: each digit over its {shape} code, drawn {picture}{how}. "
                f"One colour scale for all ten (0 to {self.levels[1]:.3g}); click a code for its "
                f"values.{noise}")

    # ----------------------------------------------------------- sparsity
    @property
    def shows_comparison(self) -> bool:
        """The comparison the seed makes: sparse against simple, once both are measured."""
        return "simple" in self.sparsity_records and "sparse" in self.sparsity_records

    def comparison_rows(self) -> list[ComparisonRow]:
        """The measured architectures in the registry's order."""
        rows = []
        for arch_id in models.ARCH_IDS:
            record = self.sparsity_records.get(arch_id)
            if record is None:
                continue
            seed = views.SEED_MEAN_ACTIVATION.get(arch_id)
            cells = (arch_id, f"{record.stats.mean_activation:.3f}",
                     f"{record.stats.zero_fraction:.1%}", "" if seed is None else f"{seed:.2f}")
            rows.append(ComparisonRow(arch_id, cells, f"weights: {record.weights_note}"))
        return rows

    def request_stats(self) -> None:
        """Ask the model thread now, unless it is loading, training or the tab is hidden."""
        self._show_stats_state()
        session = self.session
        if not session.is_ready or session.is_training or not self._is_shown():
            return  # stays stale: done when shown, or when the training ends
        self.stats_stale = False
        session.submit(SPARSITY_KEY, SparsityJob(session.weights_note), self._on_stats,
                       self._on_stats_failed, during_training=False,
                       progress_title="Measuring how sparse the codes are")

    @property
    def stats_scheduled(self) -> bool:
        return self._stats_timer.isActive()

    def on_shown(self) -> None:
        if self.stats_stale and not self._stats_timer.isActive():
            self.request_stats()

    def stop(self) -> None:
        self._stats_timer.stop()

    def _on_weights_changed(self) -> None:
        # An answer computed for the old weights must not be recorded against the new.
        self.session.worker.cancel(SPARSITY_KEY)
        self.stats_stale = True
        self._stats_timer.start()

    def _show_stats_state(self) -> None:
        if not self.session.is_ready:
            text = LOADING
        elif self.session.is_training:
            text = "measured when the training stops"
        else:
            text = "computing…"
        self._set_sparsity_text(f"Sparsity over the test split: {text}")

    def _on_stats(self, result: SparsityResult) -> None:
        stats = result.stats
        self.latest_stats = stats
        self.sparsity_records[result.arch_id] = SparsityRecord(stats, result.weights_note)
        seed = views.SEED_MEAN_ACTIVATION.get(result.arch_id)
        seed_text = f" (the tutorial: {seed:.2f})" if seed is not None else ""
        self._set_sparsity_text(
            f"Over the {result.n_digits:,} test digits ({stats.code_size} numbers per code): "
            f"mean activation <b>{stats.mean_activation:.3f}</b>{seed_text}; "
            f"{stats.zero_fraction:.1%} of the activations are exactly 0; "
            f"largest {stats.max_activation:.3g}.")
        self.stats_updated.emit(stats)

    def _on_stats_failed(self, message: str) -> None:
        self._set_sparsity_text(f"Sparsity over the test split: failed ({message})")

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key == SPARSITY_KEY and fraction < 1:
            self._set_sparsity_text(f"Sparsity over the test split: computing… {fraction:.0%}")

    def _set_sparsity_text(self, text: str) -> None:
        self.sparsity_text = text
        self.sparsity_text_changed.emit(text)
