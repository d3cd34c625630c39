"""The Interpolate page bound to its state: endpoints from the shown ten or the map, Play.

View code only: it turns the page's signals into `InterpolationState` calls
and draws the answer on the page, the map (the path, the current step) and
the decoded view (the current step, large).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject

from explorer.features.latent_space.interpolation import InterpolationState
from explorer.features.latent_space.map_plot import LatentMapPlot
from explorer.features.latent_space.pages import InterpolatePage
from explorer.features.latent_space.pictures import DecodedView


class InterpolationBinding(QObject):
    """`picking` is "a" or "b" while the next click on the map picks that endpoint."""

    def __init__(self, page: InterpolatePage, state: InterpolationState, plot: LatentMapPlot,
                 decoded_view: DecodedView, drawing_context: Callable[[], tuple | None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.page, self.state, self.plot, self.decoded_view = page, state, plot, decoded_view
        self._context = drawing_context  # () -> (arch_id, code_shape, levels), None: no map yet
        self.session = state.session
        self.picking: str | None = None
        page.a_combo.activated.connect(lambda i: self._from_combo("a", i))
        page.b_combo.activated.connect(lambda i: self._from_combo("b", i))
        page.pick_a.toggled.connect(lambda on: self._pick("a", on))
        page.pick_b.toggled.connect(lambda on: self._pick("b", on))
        page.steps_spin.valueChanged.connect(state.set_steps)
        page.play_button.clicked.connect(state.toggle_play)
        state.changed.connect(self._show)
        state.endpoints_changed.connect(self.show_choices)
        state.frame_changed.connect(self._show_frame)
        state.playing_changed.connect(lambda on: page.play_button.setText("Stop" if on else "Play"))

    def choice_labels(self) -> list[str]:
        """The shown ten digits, as the combos list them."""
        _digits, labels = self.session.selection.digits()
        return [f"digit {int(lab)} · #{int(i)}" for i, lab in
                zip(self.session.selection.indices, labels, strict=True)]

    def show_choices(self) -> None:
        self.page.set_choices(self.choice_labels(), (self._label("a"), self._label("b")))

    def take_click(self, x: float, y: float, row: int) -> bool:
        """A click on the map while picking: that digit (or the nearest) is the endpoint."""
        which = self.picking
        if which is None:
            return False
        if row < 0:
            row = self.plot.point_at(x, y, pixels=np.inf)  # the nearest digit, anywhere
        if row >= 0:
            self.state.set_endpoint(which, row)
        (self.page.pick_a if which == "a" else self.page.pick_b).setChecked(False)
        return True

    def _label(self, which: str) -> str | None:
        row = self.state.rows[which]
        return None if row is None else f"digit {int(self.session.dataset.y_test[row])} · #{row}"

    def _from_combo(self, which: str, index: int) -> None:
        if index >= 1:
            shown = self.session.selection.indices
            if index - 1 < len(shown):
                self.state.set_endpoint(which, int(shown[index - 1]))

    def _pick(self, which: str, on: bool) -> None:
        other = self.page.pick_b if which == "a" else self.page.pick_a
        if on:
            other.setChecked(False)
            self.picking = which
        elif self.picking == which:
            self.picking = None

    def _show(self, result) -> None:
        self.page.show_interpolation(result, self.state.frame)
        self.plot.set_path(None if result is None else result.path)
        if result is not None:
            self._show_frame(self.state.frame)

    def _show_frame(self, frame: int) -> None:
        result = self.state.result
        if result is None:
            return
        self.plot.set_frame(result.path[frame])
        self.page.show_interpolation(result, frame)
        context = self._context()
        if context is not None:
            arch_id, code_shape, levels = context
            self.decoded_view.show_decoded(result.decoded(frame, code_shape), arch_id, levels)
