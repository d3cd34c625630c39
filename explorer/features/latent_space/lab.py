"""The Latent space tab's state: decode anywhere, the decoder grid, a drawn digit, the sliders.

`LatentSpaceLab` owns the map (`MapState`) and the interpolation
(`InterpolationState`) and adds what links them to the mouse and the model:

* a point of the map (hovered, clicked or dragged) is decoded on the model
  thread (key DECODE_KEY), and `decoded` brings back the digit, its code and
  whether it lies far outside the data;
* the decoder grid over the visible part of the map (`set_view`, density);
* the drawing: each change of the canvas asks what the model makes of it,
  with the K-means lab's centroids when there are any (session.clusters);
* the decoder sliders move a chosen test digit's code along principal
  directions or single code units.

When a new map arrives (new weights, after each epoch of a run) each of
these is asked again, so the whole tab follows the model. No widgets here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core import latent_map as geometry
from explorer.core.latent_map import SliderAxes
from explorer.features.latent_space.interpolation import InterpolationState
from explorer.features.latent_space.jobs import (
    DECODE_KEY,
    DRAWING_KEY,
    GRID_KEY,
    SLIDER_COUNT,
    SLIDERS_KEY,
    DecodePointJob,
    DrawingJob,
    GridJob,
    MapAnswer,
    SliderJob,
)
from explorer.features.latent_space.map_state import MapState

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

GRID_DENSITY = (3, 25, 9)  # least, most, default digits a side
SLIDER_RANGE = 3.0  # a slider reaches this many spreads either way
AXES_KINDS = ("principal", "units")


class LatentSpaceLab(QObject):
    """Everything the tab shows, asked of the model thread as views."""

    decoded = Signal(object)  # latent_space.Decoded: hover, click, drag or sliders
    grid_changed = Signal(object)  # DecoderGrid, or None when the grid is off
    drawing_changed = Signal(object)  # DrawingAnalysis, or None after Clear
    chosen_changed = Signal(int)  # the test digit the sliders start from
    axes_changed = Signal(object)  # SliderAxes of the current kind
    failed = Signal(str)

    def __init__(self, session: Session, is_shown: Callable[[], bool] = lambda: True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.map = MapState(session, is_shown, self)
        self.interpolation = InterpolationState(session, self)
        self.probe: tuple[float, float] | None = None  # the pinned point of the map
        self.grid_on = False
        self.grid_density = GRID_DENSITY[2]
        self.view: tuple[tuple[float, float], tuple[float, float]] | None = None
        self.picture: np.ndarray | None = None  # the canvas, as drawn
        self.drawing = None  # the latest DrawingAnalysis
        self.chosen_row: int | None = None
        self.axes_kind = AXES_KINDS[0]
        self.slider_values = np.zeros(SLIDER_COUNT)
        self.map.map_changed.connect(self._on_map)
        session.clusters.changed.connect(self._request_drawing)
        session.selection.changed.connect(self._choose_first_shown)
        session.dataset_changed.connect(self._on_dataset_changed)

    @property
    def latent_map(self):
        return self.map.latent_map

    # ----------------------------------------------------- decode anywhere
    def decode_at(self, x: float, y: float, what: str = "") -> bool:
        """Decode map point (x, y); False when there is no map yet."""
        m = self.latent_map
        if m is None:
            return False
        self.session.submit(DECODE_KEY, DecodePointJob(m, (float(x), float(y)), what),
                            self.decoded.emit, self.failed.emit, progress_title="Decoding")
        return True

    def pin(self, x: float, y: float, row: int = -1) -> None:
        """A click or a drag of the marker: pin that point and decode it; a click on a
        test digit (`row`) also makes it the digit the sliders start from."""
        self.probe = (float(x), float(y))
        self.decode_at(x, y)
        if row >= 0:
            self.choose(row)

    def mouse_left(self) -> None:
        """The mouse left the map: the decoded view goes back to the pinned point."""
        if self.probe is not None:
            self.decode_at(*self.probe)

    def thumbnail_rows(self, x_range, y_range, cells: int = 10) -> np.ndarray:
        m = self.latent_map
        if m is None:
            return np.zeros(0, dtype=np.int64)
        return geometry.spread_indices(m.coords, x_range, y_range, cells)

    # --------------------------------------------------------- the grid
    def set_grid(self, on: bool) -> None:
        self.grid_on = bool(on)
        if on:
            self._request_grid()
        else:
            self.session.worker.cancel(GRID_KEY)
            self.grid_changed.emit(None)

    def set_grid_density(self, n: int) -> None:
        self.grid_density = int(min(max(n, GRID_DENSITY[0]), GRID_DENSITY[1]))
        self._request_grid()

    def set_view(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """The visible part of the map changed (a pan or a zoom)."""
        self.view = ((float(x_range[0]), float(x_range[1])), (float(y_range[0]), float(y_range[1])))
        self._request_grid()

    def _request_grid(self) -> None:
        m = self.latent_map
        if not self.grid_on or m is None or self.view is None:
            return
        self.session.submit(GRID_KEY, GridJob(m, *self.view, self.grid_density),
                            self.grid_changed.emit, self.failed.emit,
                            progress_title="Decoding the grid")

    # ------------------------------------------------------- the drawing
    def set_picture(self, picture: np.ndarray) -> None:
        """The canvas changed (a stroke, or part of one): ask what the model makes of it."""
        self.picture = np.asarray(picture, dtype=np.float32)
        self._request_drawing()

    def clear_drawing(self) -> None:
        self.picture, self.drawing = None, None
        self.session.worker.cancel(DRAWING_KEY)
        self.drawing_changed.emit(None)

    def _request_drawing(self) -> None:
        m = self.latent_map
        if self.picture is None or m is None:
            return
        job = DrawingJob(m, self.picture, self.session.clusters.clusters)
        self.session.submit(DRAWING_KEY, job, self._on_drawing, self.failed.emit,
                            progress_title="Reading the drawing")

    def _on_drawing(self, analysis) -> None:
        if self.picture is None:
            return  # cleared while it was computed
        self.drawing = analysis
        self.drawing_changed.emit(analysis)

    # ------------------------------------------------------- the sliders
    @property
    def axes(self) -> SliderAxes | None:
        answer = self.map.answer
        if answer is None:
            return None
        return answer.principal if self.axes_kind == "principal" else answer.units

    def choose(self, row: int) -> None:
        """Start the sliders from test digit `row` (they go back to zero)."""
        if not 0 <= int(row) < self.session.dataset.n_test:
            return
        self.chosen_row = int(row)
        self.slider_values = np.zeros(SLIDER_COUNT)
        self.chosen_changed.emit(self.chosen_row)

    def set_axes_kind(self, kind: str) -> None:
        if kind not in AXES_KINDS:
            raise ValueError(f"the sliders follow {' or '.join(AXES_KINDS)}, got {kind!r}")
        self.axes_kind = kind
        self.slider_values = np.zeros(SLIDER_COUNT)
        self.axes_changed.emit(self.axes)

    def set_slider(self, j: int, value: float) -> None:
        """Slider j to `value` spreads from the chosen digit's code; decoded live."""
        axes = self.axes
        if axes is None or not 0 <= j < axes.m:
            return
        self.slider_values[j] = float(np.clip(value, -SLIDER_RANGE, SLIDER_RANGE))
        self._request_sliders()

    def reset_sliders(self) -> None:
        self.slider_values = np.zeros(SLIDER_COUNT)
        self.axes_changed.emit(self.axes)
        self._request_sliders()

    def _request_sliders(self) -> None:
        axes, m = self.axes, self.latent_map
        if axes is None or m is None or self.chosen_row is None:
            return
        values = tuple(float(v) for v in self.slider_values[:axes.m])
        moved = ", ".join(f"{name.split(' ·')[0]} {v:+.1f}"
                          for name, v in zip(axes.names, values, strict=True) if v)
        what = f"test digit #{self.chosen_row}" + (f" moved: {moved}" if moved else "")
        self.session.submit(SLIDERS_KEY, SliderJob(m, self.chosen_row, axes, values, what),
                            self.decoded.emit, self.failed.emit, progress_title="Decoding")

    def _choose_first_shown(self) -> None:
        if self.chosen_row is None:
            shown = self.session.selection.indices
            if len(shown):
                self.choose(int(shown[0]))

    # ---------------------------------------------------- new weights
    def _on_map(self, answer: MapAnswer) -> None:
        """Everything on screen decoded again with the weights that made this map."""
        if self.chosen_row is None:
            self._choose_first_shown()
        self.axes_changed.emit(self.axes)
        self.interpolation.set_map(answer.latent_map)
        self._request_grid()
        self._request_drawing()
        if self.probe is not None:
            self.decode_at(*self.probe)
        elif self.chosen_row is not None:
            self._request_sliders()

    def _on_dataset_changed(self) -> None:
        """Other test digits: the rows picked in the old ones mean nothing now."""
        self.interpolation.clear()
        self.probe, self.chosen_row = None, None
        self._choose_first_shown()

    def stop(self) -> None:
        self.map.stop()
        self.interpolation.stop()
