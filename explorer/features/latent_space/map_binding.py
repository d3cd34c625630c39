"""The Latent space map's projection: its chooser, t-SNE's frames, the no-inverse note,
and what the map keeps.

Binds the shared ProjectionControls and MapQualityView (explorer.widgets)
to the map's `MapState`, so that the panel only lays them out: a choice asks
for a map made that way (replacing, and so cancelling, one still running);
t-SNE's layouts are drawn as they come; a finished map is measured
(10-NN agreement, trustworthiness) unless a run is training, and a
non-linear one says beside the decoded digit that its codes are estimated.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from explorer.core.latent_map import NEIGHBOURS_FOR_ESTIMATE, LatentMap
from explorer.features.latent_space.map_plot import LatentMapPlot
from explorer.features.latent_space.map_state import METHOD_TITLES, MapState
from explorer.widgets.map_quality import MapQualityView
from explorer.widgets.projection_controls import ProjectionControls


def axis_names(latent_map_or_method) -> tuple[str, str]:
    """The map's axis titles: PCA's components, or "t-SNE 1", "t-SNE 2"."""
    if isinstance(latent_map_or_method, LatentMap) and latent_map_or_method.is_exact:
        return "first principal component", "second principal component"
    method = getattr(latent_map_or_method, "method", latent_map_or_method)
    title = METHOD_TITLES.get(method, method)
    return f"{title} 1", f"{title} 2"


def lift_note(m: LatentMap) -> str:
    """What decoding a point of this map means, for a map without an inverse ("" for PCA)."""
    if m.is_exact:
        return ""
    return (f"{METHOD_TITLES.get(m.method, m.method)} has no inverse: a point of this map is "
            f"decoded from a code estimated from the {NEIGHBOURS_FOR_ESTIMATE} nearest test "
            "digits on it.")


def _needs_refit(coords: np.ndarray, view) -> bool:
    """Whether a t-SNE frame has left the view or shrunk to under a third of it: a refit
    relays the axes out, 5-10 ms of the GUI thread, not worth paying for every frame."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    (x0, x1), (y0, y1) = view
    outside = lo[0] < x0 or lo[1] < y0 or hi[0] > x1 or hi[1] > y1
    small = (hi[0] - lo[0]) < (x1 - x0) / 3 and (hi[1] - lo[1]) < (y1 - y0) / 3
    return bool(outside or small)


class LatentMapBinding(QObject):
    def __init__(self, state: MapState, plot: LatentMapPlot, controls: ProjectionControls,
                 quality: MapQualityView, note: QLabel, parent: QObject | None = None):
        super().__init__(parent)
        self.state, self.plot, self.controls = state, plot, controls
        self.quality, self.note = quality, note
        self.drawn_method: str | None = None  # the projection the plot's view was fitted to
        projection = state.projection
        controls.choice_changed.connect(state.set_choice)
        controls.cancel_requested.connect(self.cancel)
        projection.running_changed.connect(controls.show_running)
        projection.quality_ready.connect(quality.show_quality)
        state.frame_shown.connect(self._on_frame)

    def cancel(self) -> None:
        self.state.cancel()
        self.controls.show_choice(self.state.shown_choice)

    def needs_refit(self, m: LatentMap) -> bool:
        """Whether a new map should refit the view: the first one, or another projection."""
        refit = self.plot._coords.size == 0 or self.drawn_method != m.method
        self.drawn_method = m.method
        return refit

    def map_arrived(self, m: LatentMap) -> None:
        text = lift_note(m)
        self.note.setText(text)
        self.note.setVisible(bool(text))
        if self.state.session.is_training:
            self.quality.show_waiting("measured when training ends")
        else:
            self.quality.show_waiting("measuring…")
            self.state.projection.request_quality(m.codes, m.coords, m.labels, m.method)

    def _on_frame(self, coords: np.ndarray) -> None:
        """t-SNE's layout so far: the points move while it optimises."""
        n = coords.shape[0]
        data = self.state.session.dataset
        labels = np.asarray(data.y_test[:n])
        if not self.plot.move_points(coords, labels):  # the first frame of a run
            self.plot.set_points(coords, labels, np.asarray(data.x_test[:n]),
                                 axis_names(self.state.projection.choice.method))
        if _needs_refit(coords, self.plot.view_range()):
            self.plot.fit_view()  # early exaggeration grows the layout many times over
        self.drawn_method = None  # the final map refits too
        self.quality.show_waiting("measured once the map is done")
