"""The Latent space tab: lays out the map, the decoded digit and the three pages, and binds them.

The state is `LatentSpaceLab` (lab.py: the map, decode anywhere, the grid,
the drawing, the sliders) and its `InterpolationState`; this view turns
widget signals into their calls and their signals into drawing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core import views
from explorer.core.latent_space import Decoded
from explorer.features.latent_space.interp_binding import InterpolationBinding
from explorer.features.latent_space.jobs import SLIDER_COUNT, MapAnswer
from explorer.features.latent_space.lab import AXES_KINDS, GRID_DENSITY, SLIDER_RANGE, LatentSpaceLab
from explorer.features.latent_space.map_binding import LatentMapBinding, axis_names
from explorer.features.latent_space.map_plot import LatentMapPlot
from explorer.features.latent_space.pages import SLIDER_TICKS, DrawPage, InterpolatePage, SlidersPage, named
from explorer.features.latent_space.pictures import DecodedView
from explorer.services.features import DemoAction, ExportablePlot, FeatureView, PersistedSetting
from explorer.services.session import Session
from explorer.widgets.map_quality import MapQualityView
from explorer.widgets.projection_controls import ProjectionControls

VIEW_DELAY_MS = 120  # a pan or zoom rests this long before the grid and thumbnails follow


def scrolled(widget: QWidget) -> QScrollArea:
    """The widget in a frameless scroll area: reachable however small the window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class LatentSpacePanel(QWidget, FeatureView):
    """The "Latent space" tab: `lab` holds its state, the widgets show it."""

    feature_key = "latent_space"
    about = ("Every test digit is a point: its code, projected to two dimensions, so digits the "
             "model finds alike land close together. <b>Decoding</b> goes the other way: any "
             "spot of the map is turned back into a code for the decoder, so hovering or the "
             "grid shows the digit the model imagines there, between the clusters too.")

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.lab = LatentSpaceLab(session, is_shown=self.isVisible, parent=self)
        self.interpolation = self.lab.interpolation
        self._levels = (0.0, 1.0)
        self._wanted_view: tuple[float, ...] | None = None  # a scene's range, for the first map
        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.timeout.connect(self._after_view_change)
        self._build()
        self._bind()
        self._show_choices()
        self.map_plot.set_message(self.lab.map.status)

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.status_label = named(QLabel(""), "latent_space_status")
        self.status_label.setStyleSheet("color: #555;")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.map_plot = LatentMapPlot()
        self.projection_controls = ProjectionControls()
        self.projection_combo = self.projection_controls.combo
        self.quality_view = MapQualityView()
        # Said on screen, not only on hover: a t-SNE or UMAP map has no inverse.
        self.lift_note = named(QLabel(""), "latent_lift_note")
        self.lift_note.setWordWrap(True)
        self.lift_note.setStyleSheet("color: #8a4b00;")
        self.lift_note.hide()
        self.decoded_view = DecodedView()
        self.follow_check = named(QCheckBox("follow the mouse"), "latent_follow_check",
                                  "Decode the point under the mouse as it moves over the map")
        self.follow_check.setChecked(True)
        self.thumbs_check = named(QCheckBox("thumbnails"), "latent_thumbnails_check",
                                  "Show some test digits as pictures at their points")
        self.grid_check = named(QCheckBox("grid"), "latent_grid_check",
                                "Decode a grid of points over the visible part of the map")
        self.density_spin = named(QSpinBox(), "latent_grid_density_spin",
                                  "Digits along each side of the decoder grid")
        self.density_spin.setRange(GRID_DENSITY[0], GRID_DENSITY[1])
        self.density_spin.setValue(GRID_DENSITY[2])
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.grid_check)
        grid_row.addWidget(self.density_spin)
        grid_row.addStretch(1)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.decoded_view, 1)
        column.addWidget(self.lift_note)  # beside the decoded digit: how it was decoded
        column.addWidget(self.follow_check)
        column.addWidget(self.thumbs_check)
        column.addLayout(grid_row)
        self.draw_page = DrawPage()
        self.draw_canvas = self.draw_page.canvas
        self.interp_page = InterpolatePage()
        self.sliders_page = SlidersPage(SLIDER_COUNT)
        self.pages = QTabWidget()
        self.pages.setObjectName("latent_space_pages")
        for page, title in ((self.draw_page, "Draw a digit"), (self.interp_page, "Interpolate"),
                            (self.sliders_page, "Decoder sliders")):
            self.pages.addTab(scrolled(page), title)
        map_column = QWidget()
        map_stack = QVBoxLayout(map_column)
        map_stack.setContentsMargins(0, 0, 0, 0)
        map_stack.setSpacing(2)
        map_stack.addWidget(self.map_plot, 1)
        map_stack.addWidget(self.quality_view)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(map_column)
        top.addWidget(scrolled(side))
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([640, 260])
        top.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([420, 250])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.status_label)
        layout.addWidget(self.projection_controls)
        layout.addWidget(self.splitter, 1)

    def _bind(self) -> None:
        lab, plot, interp = self.lab, self.map_plot, self.interpolation
        # the map and its mouse
        lab.map.status_changed.connect(self.status_label.setText)
        lab.map.placeholder_changed.connect(plot.set_message)
        lab.map.map_changed.connect(self._on_map)
        # the projection chooser, t-SNE's frames, what the map keeps
        self.map_binding = LatentMapBinding(lab.map, plot, self.projection_controls,
                                            self.quality_view, self.lift_note, self)
        plot.hovered.connect(self._on_hover)
        plot.left.connect(lambda: self.follow_check.isChecked() and lab.mouse_left())
        plot.clicked.connect(self._on_map_clicked)
        plot.probe_dragged.connect(lambda x, y: lab.pin(x, y))
        plot.view_changed.connect(lambda *_: self._view_timer.start(VIEW_DELAY_MS))
        lab.decoded.connect(self._show_decoded)
        lab.failed.connect(self.status_label.setText)
        # map options
        self.thumbs_check.toggled.connect(lambda _on: self._after_view_change())
        self.grid_check.toggled.connect(self._on_grid_toggled)
        self.density_spin.valueChanged.connect(lab.set_grid_density)
        lab.grid_changed.connect(plot.set_grid)
        # drawing
        page = self.draw_page
        self.draw_canvas.stroke_changed.connect(lambda: lab.set_picture(self.draw_canvas.picture()))
        page.clear_button.clicked.connect(self.draw_canvas.clear)
        self.draw_canvas.cleared.connect(lab.clear_drawing)
        lab.drawing_changed.connect(self._show_drawing)
        # interpolation
        self.interp_binding = InterpolationBinding(self.interp_page, interp, plot,
                                                   self.decoded_view, self._drawing_context, self)
        interp.failed.connect(self.status_label.setText)
        # sliders
        sp = self.sliders_page
        sp.start_combo.activated.connect(self._start_from_combo)
        sp.kind_combo.currentIndexChanged.connect(lambda i: lab.set_axes_kind(AXES_KINDS[i]))
        sp.reset_button.clicked.connect(lab.reset_sliders)
        for j, slider in enumerate(sp.sliders):
            slider.valueChanged.connect(
                lambda v, j=j: lab.set_slider(j, v * SLIDER_RANGE / SLIDER_TICKS))
        lab.axes_changed.connect(self._show_axes)
        lab.chosen_changed.connect(self._show_chosen)
        self.session.selection.changed.connect(self._show_choices)

    # -------------------------------------------------------- declarations
    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("Latent space map", self.map_plot)]

    def demo_actions(self) -> list[DemoAction]:
        return [DemoAction("latent_play_action", "&Play / stop the interpolation", ("Ctrl+I",),
                           self.interp_page.play_button, "Latent space", show_first=True),
                DemoAction("latent_clear_action", "&Clear the drawing", ("Ctrl+Shift+Backspace",),
                           self.draw_page.clear_button, "Latent space", show_first=True)]

    def persisted_settings(self) -> list[PersistedSetting]:
        return [PersistedSetting("latent_space", self._settings, self._apply_settings)]

    def _settings(self) -> dict:
        return {"grid_density": self.density_spin.value(), "thumbnails": self.thumbs_check.isChecked(),
                "follow_mouse": self.follow_check.isChecked(),
                "steps": self.interp_page.steps_spin.value(),
                "brush": self.draw_page.brush_spin.value()}

    def _apply_settings(self, values: dict) -> None:
        def flag(v) -> bool:
            return str(v).lower() in ("true", "1")

        if "grid_density" in values:
            self.density_spin.setValue(int(values["grid_density"]))
        if "steps" in values:
            self.interp_page.steps_spin.setValue(int(values["steps"]))
        if "brush" in values:
            self.draw_page.brush_spin.setValue(int(values["brush"]))
        if "thumbnails" in values:
            self.thumbs_check.setChecked(flag(values["thumbnails"]))
        if "follow_mouse" in values:
            self.follow_check.setChecked(flag(values["follow_mouse"]))

    def shutdown(self) -> None:
        self._view_timer.stop()
        self.lab.stop()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.lab.map.on_shown()

    # --------------------------------------------------------- the map
    def _on_map(self, answer: MapAnswer) -> None:
        m = answer.latent_map
        self._levels = views.code_levels(m.codes)
        refit = self.map_binding.needs_refit(m)
        self.map_plot.set_points(m.coords, m.labels, m.images, axis_names(m))
        if refit and self._wanted_view is not None:
            self.map_plot.getViewBox().setRange(xRange=self._wanted_view[:2],
                                                yRange=self._wanted_view[2:], padding=0)
        elif refit:
            self.map_plot.fit_view()
        self._wanted_view = None
        self.map_binding.map_arrived(m)
        self._after_view_change()

    def view_range(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1): the part of the latent map in view (a scene keeps it)."""
        (x0, x1), (y0, y1) = self.map_plot.view_range()
        return float(x0), float(x1), float(y0), float(y1)

    def set_view_range(self, bounds: tuple[float, float, float, float]) -> None:
        """Show this part of the map; before the first map, once it is drawn."""
        if self.map_plot._coords.size == 0:
            self._wanted_view = tuple(bounds)
            return
        x0, x1, y0, y1 = bounds
        self.map_plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._after_view_change()

    def _after_view_change(self) -> None:
        x_range, y_range = self.map_plot.view_range()
        self.lab.set_view(x_range, y_range)
        rows = (self.lab.thumbnail_rows(x_range, y_range) if self.thumbs_check.isChecked()
                else np.zeros(0, dtype=np.int64))
        self.map_plot.set_thumbnails(rows)

    def _on_hover(self, x: float, y: float) -> None:
        if self.follow_check.isChecked():
            self.lab.decode_at(x, y)

    def _on_map_clicked(self, x: float, y: float, row: int) -> None:
        if self.interp_binding.take_click(x, y, row):
            return
        self.lab.pin(x, y, row)
        self.map_plot.set_probe((x, y))

    def _on_grid_toggled(self, on: bool) -> None:
        self.lab.set_grid(on)

    def _show_decoded(self, decoded: Decoded) -> None:
        m = self.lab.latent_map
        if m is None:
            return
        how = m.how_lifted if decoded.what.startswith("map point") else ""
        self.decoded_view.show_decoded(decoded, m.arch_id, self._levels, how)

    # ------------------------------------------------------ the drawing
    def _show_drawing(self, analysis) -> None:
        m = self.lab.latent_map
        if analysis is None or m is None:
            self.draw_page.show_analysis(None)
            self.map_plot.set_drawn(None)
            return
        self.draw_page.show_analysis(analysis, m.arch_id, self._levels, self._cluster_text(analysis))
        self.map_plot.set_drawn(analysis.xy, analysis.far)
        self.decoded_view.show_decoded(analysis.decoded(), m.arch_id, self._levels)

    def _cluster_text(self, analysis) -> str:
        clusters = self.session.clusters.clusters
        if analysis.cluster is None:
            if clusters is None:
                return "K-means cluster: run the K-means lab to see which cluster it falls into."
            return "K-means cluster: the lab's centroids are for other codes (another model)."
        colour = clusters.colours[analysis.cluster] if clusters and analysis.cluster < len(
            clusters.colours) else (60, 60, 60)
        return (f"Falls into K-means cluster <b style='color:rgb{tuple(colour)}'>"
                f"{analysis.cluster}</b> of the K-means lab's {clusters.k}.")

    # ------------------------------------------------- interpolation
    def _drawing_context(self):
        m = self.lab.latent_map
        return None if m is None else (m.arch_id, m.code_shape, self._levels)

    def _show_choices(self) -> None:
        self.interp_binding.show_choices()
        combo = self.sliders_page.start_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(self.interp_binding.choice_labels())
        combo.blockSignals(False)

    # --------------------------------------------------------- sliders
    def _start_from_combo(self, index: int) -> None:
        if index >= 0:
            self.lab.choose(int(self.session.selection.indices[index]))
            self.lab.reset_sliders()

    def _show_chosen(self, row: int) -> None:
        label = int(self.session.dataset.y_test[row])
        self.sliders_page.start_label.setText(f"From test digit #{row} (a {label}); click a digit "
                                              "on the map to start from it.")
        self._show_axes(self.lab.axes)

    def _show_axes(self, axes) -> None:
        if axes is not None:
            self.sliders_page.show_axes(axes.names, self.lab.slider_values)
