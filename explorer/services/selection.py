"""Which test digits the window shows, the noise put on them, and the model's view of them.

One object shared by every feature that shows "the ten digits": the
Reconstructions tab sets it (First ten, Shuffle, One of each, the noise
slider, Resample); the Latent codes tab and others follow it. `changed`
comes at once (originals and noisy inputs need no model); `view_updated`
follows with the model's reconstructions and codes of exactly those inputs,
asked of the model thread as a view (a slider drag asks dozens of times:
only the latest request is answered). No widgets here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core import views
from explorer.core.data import Dataset

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

MODES = views.SELECTION_MODES  # "first", "random", "classes"
VIEW_KEY = "recon-view"


class DigitSelection(QObject):
    """The shown digits (`indices`, chosen by `mode`), the noise factor and its seed.

    `changed` follows every change of any of them. The noise field is drawn
    from `noise_seed`, so the same seed and factor give the same picture.
    """

    changed = Signal()
    view_updated = Signal(object)  # views.ReconView of the current inputs and weights
    view_failed = Signal(str)
    refused = Signal(str)  # a selection the data cannot give, with the reason

    def __init__(self, session: Session):
        super().__init__(session)
        self.session = session
        self._dataset = session.dataset
        self.mode = "first"
        self.mode_seed: int | None = None
        self.noise = 0.0
        self.noise_seed = 0
        self.view: views.ReconView | None = None  # the latest answer, for these digits or not
        self._indices = views.select_digits(self._dataset, "first")
        session.weights_changed.connect(self.request_view)
        session.dataset_changed.connect(self._on_dataset_changed)

    @property
    def indices(self) -> np.ndarray:
        return self._indices.copy()

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    def digits(self) -> tuple[np.ndarray, np.ndarray]:
        """(images (n, 28, 28) float32, labels (n,)) of the shown digits."""
        i = self._indices
        return (np.asarray(self._dataset.x_test[i], dtype=np.float32),
                np.asarray(self._dataset.y_test[i], dtype=np.int64))

    def set_mode(self, mode: str, seed: int | None = None) -> bool:
        """The "first" ten, a "random" ten (seeded, or fresh when seed is None),
        or one of each digit ("classes"). False, and `refused`, when the data
        cannot give them (a small dataset without every digit)."""
        try:
            indices = views.select_digits(self._dataset, mode, seed=seed)
        except ValueError as exc:
            self.refused.emit(f"Cannot show those digits: {exc}")
            return False
        self.mode, self.mode_seed = mode, seed
        self._set_indices(indices)
        return True

    def set_indices(self, indices, mode: str = "random") -> None:
        """Show exactly these test digits (a restored scene, a lesson step)."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if indices.size == 0 or indices.min() < 0 or indices.max() >= self._dataset.n_test:
            raise ValueError(f"digit indices must lie in 0..{self._dataset.n_test - 1}")
        self.mode, self.mode_seed = mode, None
        self._set_indices(indices)

    def set_noise(self, factor: float) -> None:
        factor = views.noise_from_step(views.step_from_noise(factor))
        if factor != self.noise:
            self.noise = factor
            self._changed()

    def resample_noise(self) -> None:
        """New noise at the same factor: the next seed of the noise field."""
        self.noise_seed += 1
        self._changed()

    def set_noise_seed(self, seed: int) -> None:
        if int(seed) != self.noise_seed:
            self.noise_seed = int(seed)
            self._changed()

    @property
    def view_is_current(self) -> bool:
        """Whether `view` shows exactly the digits selected now."""
        return self.view is not None and np.array_equal(self.view.indices, self._indices)

    def request_view(self) -> None:
        """Ask the model for reconstructions and codes of the current inputs."""
        if not self.session.is_ready or len(self._indices) == 0:
            return
        indices, noise, seed = self._indices.copy(), self.noise, self.noise_seed

        def job(state, model, dataset):
            return views.compute_view(model, dataset, indices, noise, seed)

        self.session.submit(VIEW_KEY, job, self._on_view, self.view_failed.emit)

    def _on_view(self, view: views.ReconView) -> None:
        self.view = view
        self.view_updated.emit(view)

    def _on_dataset_changed(self) -> None:
        """New data: the same kind of selection, drawn from it (or its first ten)."""
        dataset = self.session.dataset
        self._dataset = dataset
        self.view = None
        try:
            indices = views.select_digits(dataset, self.mode, seed=self.mode_seed)
        except ValueError:
            self.mode, self.mode_seed = "first", None
            indices = views.select_digits(dataset, "first")
        self._set_indices(indices)

    def _set_indices(self, indices: np.ndarray) -> None:
        self._indices = np.asarray(indices, dtype=np.int64)
        self._changed()

    def _changed(self) -> None:
        self.changed.emit()
        self.request_view()
