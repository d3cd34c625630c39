"""The K-means lab's tab: lays out the plot, the controls and the derivation, and binds them.

The state lives in `KMeansLab` (points, stepper, trails, the Run animation,
placing centroids by hand) and `PointsFeed` (asking the session for the
points); this view turns widget signals into their calls, and their signals
into redraws. Tests use `stepper`, `points`, `redraw()` and the signals
(the lab's calls on the panel itself are in lab_calls.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.latent_points import PointSet
from explorer.features.kmeans.animation import DEFAULT_SPEED
from explorer.features.kmeans.comparison_view import FullVersusMapView
from explorer.features.kmeans.confusion_view import ConfusionView
from explorer.features.kmeans.controls import LabControls
from explorer.features.kmeans.derivation import DerivationView, JPlot, StepReadout
from explorer.features.kmeans.lab import INITS, NO_POINTS_YET, KMeansLab
from explorer.features.kmeans.lab_calls import LabCalls
from explorer.features.kmeans.layout import column, named, splitter
from explorer.features.kmeans.map_binding import KMeansMapBinding
from explorer.features.kmeans.plot import KMeansPlot
from explorer.features.kmeans.plot_items import MAX_K
from explorer.features.kmeans.points_feed import SOURCES, PointsFeed
from explorer.features.kmeans.prototypes import Prototypes
from explorer.services.features import DemoAction, ExportablePlot, FeatureView, FileExport
from explorer.services.session import Session
from explorer.widgets.map_quality import MapQualityView
from explorer.widgets.projection_controls import ProjectionControls
from explorer.widgets.theme import text_colour

_UNDRAWN = object()  # the scatter shows nothing of the current points yet


class KMeansPanel(QWidget, FeatureView, LabCalls):
    """The "K-means lab" tab: `lab` and `feed` hold its state, the widgets show it."""

    feature_key = "kmeans"
    about = ("K-means groups the points into K clusters by lowering <b>J</b>, the mean squared "
             "distance of each point to its cluster's centre. It alternates two <b>half steps</b>, "
             "each of which can only lower J: <b>Assign</b> gives every point to its nearest "
             "centre (the best r for fixed μ), <b>Update</b> moves every centre to the mean of "
             "its points (the best μ for fixed r). Back undoes one half step; the table shows how "
             "well the clusters match the true digits.")

    points_ready = Signal(object)  # the PointSet just received
    stepped = Signal(str)  # "assign", "update" or "undo", after the redraw

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.lab = KMeansLab(MAX_K, self)
        self.feed = PointsFeed(session, self.lab, self)
        self._drawn_labels: Any = _UNDRAWN  # labels the scatter shows (None: all grey)
        self._build()
        self._bind()
        self.redraw()  # the empty state: buttons off, placeholders on
        self.feed.start()

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.plot = KMeansPlot()
        self.cluster_items = self.plot.cluster_items
        self.j_plot, self.confusion = JPlot(), ConfusionView()
        self.derivation, self.readout = DerivationView(), StepReadout()
        r = self.readout  # its labels, under the names tests and tools look for
        self.objective_label, self.converged_label = r.objective_label, r.converged_label
        self.iteration_label, self.changed_label = r.iteration_label, r.changed_label
        self.empty_label, self.message_label = r.empty_label, r.message_label
        self.purity_label = self.confusion.purity_label
        self.status_label = named(QLabel(), "kmeans_status_label", "")
        # Wrapped, not one long line: its width would be the plot column's
        # minimum, and push the controls off a 1,024-wide window.
        self.status_label.setWordWrap(True)
        self.purity_label.setWordWrap(True)
        text_colour(self.status_label, "#555555")

        controls = LabControls(self.lab)
        self.controls = controls  # the widgets under the names tests and window_state use
        self.k_spin, self.seed_spin, self.points_spin = (controls.k_spin, controls.seed_spin,
                                                         controls.points_spin)
        self.init_combo, self.source_combo = controls.init_combo, controls.source_combo
        self.space_combo, self.buttons = controls.space_combo, controls.buttons
        b = self.buttons
        self.assign_button, self.update_button, self.step_button = b["assign"], b["update"], b["step"]
        self.back_button, self.reset_button, self.run_button = b["back"], b["reset"], b["run"]
        self.speed_slider, self.speed_label = controls.speed_slider, controls.speed_label
        self._on_speed(DEFAULT_SPEED)
        side = column(controls, (self.j_plot, 1), self.readout)
        side.setMaximumWidth(360)
        self.projection_controls = ProjectionControls()
        self.projection_combo = self.projection_controls.combo
        self.quality_view = MapQualityView()
        left = column(self.status_label, self.projection_controls, (self.plot, 1), self.quality_view)
        self.prototypes = Prototypes(self.session, self.lab)
        beside = QHBoxLayout()
        beside.addWidget(self.confusion, 3)
        beside.addWidget(self.prototypes, 2)
        table = column((beside, 1), self.purity_label)
        self.full_vs_map = FullVersusMapView()
        self.bottom_pages = QTabWidget()
        self.bottom_pages.setObjectName("kmeans_bottom_pages")
        self.bottom_pages.addTab(table, "Clusters vs digits")
        # Scrolled: at 1,024 x 640 the bottom row is too low for both plots and the sentence.
        page = QScrollArea()
        page.setWidget(self.full_vs_map)
        page.setWidgetResizable(True)
        page.setFrameShape(QScrollArea.Shape.NoFrame)
        self.bottom_pages.addTab(page, "Full code vs map")
        # The plot is the point of the tab; derivation and table share the bottom.
        top = splitter(Qt.Orientation.Horizontal, (left, 1, 620), (side, 0, 300))
        bottom = splitter(Qt.Orientation.Horizontal, (self.derivation, 1, 520),
                          (self.bottom_pages, 1, 380))
        self.splitter = splitter(Qt.Orientation.Vertical, (top, 3, 470), (bottom, 2, 260))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

    def _bind(self) -> None:
        lab, feed = self.lab, self.feed
        self.map_binding = KMeansMapBinding(feed, lab, self.plot, self.projection_controls,
                                            self.quality_view, self.full_vs_map, self)
        self.map_binding.on_frame_drawn = self._forget_drawn
        # widgets -> state
        self.k_spin.valueChanged.connect(lab.set_k)
        self.seed_spin.valueChanged.connect(lab.set_seed)
        self.init_combo.currentIndexChanged.connect(self._on_init_changed)
        self.space_combo.currentIndexChanged.connect(lambda i: lab.set_full_space(i == 1))
        self.source_combo.currentIndexChanged.connect(lambda i: feed.set_source(SOURCES[i][1]))
        self.points_spin.valueChanged.connect(feed.set_count)
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.plot.clicked.connect(lambda x, y, button: lab.plot_clicked(
            x, y, button, self.plot.getViewBox().viewPixelSize()))
        self.plot.centroid_dragged.connect(self._on_centroid_dragged)
        self.plot.centroid_moved.connect(lab.move_centroid)
        # state -> widgets
        lab.points_changed.connect(self._on_points_changed)
        lab.points_ready.connect(self.points_ready)
        lab.changed.connect(self.redraw)
        lab.stepped.connect(self.stepped)
        lab.running_changed.connect(self._on_running_changed)
        lab.k_changed.connect(self._show_k)
        lab.message_changed.connect(self.readout.say)
        feed.status_changed.connect(self.status_label.setText)
        feed.placeholder_changed.connect(self.plot.set_message)
        feed.count_range_changed.connect(self._show_count_range)
        # after lab.set_k and lab.set_seed: the comparison uses the new values
        self.k_spin.valueChanged.connect(lambda _k: self.map_binding.compare())
        self.seed_spin.valueChanged.connect(lambda _s: self.map_binding.compare())

    # -------------------------------------------------------- declarations
    def exportable_plots(self) -> list[ExportablePlot]:
        return [ExportablePlot("K-means plot", self.plot), ExportablePlot("Objective J", self.j_plot),
                ExportablePlot("Clusters against digits", self.confusion)]

    def demo_actions(self) -> list[DemoAction]:
        keys = (("assign", "&Assign (r-step)", "Ctrl+1"), ("update", "&Update (μ-step)", "Ctrl+2"),
                ("step", "&Step (both)", "Ctrl+3"), ("run", "&Run / stop", "Ctrl+R"),
                ("back", "&Back (undo)", "Ctrl+Backspace"), ("reset", "Rese&t", "Ctrl+0"))
        return [DemoAction(f"kmeans_{name}_action", text, (key,), self.buttons[name], "K-means",
                           show_first=True) for name, text, key in keys]

    def file_exports(self) -> list[FileExport]:
        return [FileExport("export_csv_action", "K-means assignments as &CSV…",
                           "Export the K-means assignments as CSV", "kmeans_assignments.csv",
                           "CSV files (*.csv)", ".csv", self.write_assignments_csv,
                           available=lambda: self.points is not None,
                           unavailable_message=NO_POINTS_YET)]

    def shutdown(self) -> None:
        self.stop_animation()

    def configure(self, k: int | None = None, seed: int | None = None, init: str | None = None,
                  space: str | None = None, source: str | None = None,
                  points: int | None = None) -> None:
        """Set the lab's controls as a user would (a lesson step, a scene): each through
        its widget, so the widgets and the lab agree. space: "map" (the 2-D projection)
        or "full"; source: "latent" or "pixels"; init: one of INITS. Raises ValueError
        naming the bad value; nothing is changed then."""
        checks = ((k, 1, MAX_K, "K"), (seed, 0, self.seed_spin.maximum(), "the seed"),
                  (points, 1, self.points_spin.maximum(), "the number of points"))
        for value, lo, hi, what in checks:
            if value is not None and not lo <= int(value) <= hi:
                raise ValueError(f"{what} must be between {lo} and {hi}, got {value}")
        if init is not None and init not in INITS:
            raise ValueError(f"the start must be one of {', '.join(INITS)}, got {init!r}")
        space_index = {None: None, "map": 0, "full": 1}
        if space not in space_index:
            raise ValueError(f"the space must be \"map\" or \"full\", got {space!r}")
        source_index = {None: None, **{s: i for i, (_t, s) in enumerate(SOURCES)}}
        if source not in source_index:
            raise ValueError(f"the source must be one of {', '.join(s for _t, s in SOURCES)}, "
                             f"got {source!r}")
        if source is not None:
            self.source_combo.setCurrentIndex(source_index[source])
        if points is not None:
            self.points_spin.setValue(int(points))
        if space is not None:
            self.space_combo.setCurrentIndex(space_index[space])
        if init is not None:
            self.init_combo.setCurrentIndex(INITS.index(init))
        if seed is not None:
            self.seed_spin.setValue(int(seed))
        if k is not None:
            self.k_spin.setValue(int(k))

    def view_range(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1): the part of the plane the K-means plot shows (a scene keeps it)."""
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def set_view_range(self, bounds: tuple[float, float, float, float]) -> None:
        self.plot.set_view(bounds)

    # ---------------------------------------------------- the lab's news
    def _on_points_changed(self, points: PointSet) -> None:
        self._drawn_labels = _UNDRAWN
        self.plot.set_hover_data(points.coords, points.images, points.labels)
        self.plot.set_axis_titles(points.projected)
        self.map_binding.axis_titles(points)
        self.plot.set_view(self.lab.plot_bounds())

    def _forget_drawn(self) -> None:
        self._drawn_labels = _UNDRAWN  # a t-SNE frame replaced the scatter's points

    def _on_running_changed(self, running: bool) -> None:
        self.run_button.setText("Stop" if running else "Run")
        self._update_buttons()

    def _show_k(self, k: int) -> None:
        self.k_spin.blockSignals(True)  # K follows the centroids; no reset
        self.k_spin.setValue(k)
        self.k_spin.blockSignals(False)

    def _show_count_range(self, maximum: int, value: int) -> None:
        self.points_spin.blockSignals(True)
        self.points_spin.setMaximum(maximum)
        self.points_spin.setValue(value)
        self.points_spin.blockSignals(False)

    def _on_init_changed(self, _index: int) -> None:
        self.lab.set_init(self.init_combo.currentText())
        self.plot.set_placing(self.lab.placing)
        self.k_spin.setEnabled(not self.lab.placing)

    def _on_speed(self, value: int) -> None:
        self.lab.animation.set_speed(value)
        self.controls.show_speed(value)

    def _on_centroid_dragged(self, j: int, x: float, y: float) -> None:
        self.prototypes.dragged(j, x, y)
        regions = self.lab.regions_while_dragging(j, x, y)
        if regions is not None:
            self.plot.set_regions(regions)  # the regions follow the mouse

    # ------------------------------------------------------------- drawing
    def redraw(self, force: bool = False) -> None:
        """Draw the lab's state; unchanged labels are not re-sent unless forced."""
        lab, plot = self.lab, self.plot
        ps, picture = lab.points, lab.picture()
        if ps is not None:
            labels = picture.labels
            if force or not self._scatter_shows(labels):
                groups = lab.cluster_groups(labels) if labels is not None else None
                plot.set_points(ps.coords, labels, picture.k, groups)
                self._drawn_labels = labels
                self.confusion.show_agreement(labels, ps.labels, picture.k)
        plot.set_centroids(picture.centroids, picture.trails)
        plot.set_regions(picture.regions)
        plot.centroid_item.draggable = picture.draggable
        self.j_plot.set_history(picture.history)
        self.derivation.highlight(picture.last_kind)
        self.derivation.set_dimension(picture.dimension)
        self.readout.show_state(lab.stepper)
        self._update_buttons()

    def _scatter_shows(self, labels: np.ndarray | None) -> bool:
        """Whether the scatter already shows these labels (None: all grey)."""
        drawn = self._drawn_labels
        if drawn is _UNDRAWN or (labels is None) != (drawn is None):
            return False
        return labels is None or np.array_equal(labels, drawn)

    def _update_buttons(self) -> None:
        st = self.lab.stepper
        has = st is not None
        for b in (self.assign_button, self.update_button, self.step_button):
            b.setEnabled(has)
        self.back_button.setEnabled(has and st.can_undo)
        self.reset_button.setEnabled(self.points is not None)
        self.run_button.setEnabled(self.is_running or (has and not st.converged))
