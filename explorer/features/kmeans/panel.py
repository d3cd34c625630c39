"""The K-means lab: step Lloyd's algorithm on the test digits and watch J fall.

The points (latent codes of the current model, or raw pixels) are computed
on the model thread under the key "kmeans-points" (core: latent_points).
Stepping is a KMeansStepper call of a millisecond or so on 10,000 points, so
it runs here on the GUI thread, followed by one redraw. The stepper keeps
the undo stack; the panel only keeps the centroid trails, in step with it:
one snapshot at the start and one per update (an undone update drops one).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.core import exporting, latent_points
from explorer.core.kmeans import KMeansStepper
from explorer.core.latent_points import PointSet
from explorer.features.kmeans.derivation import DerivationView, JPlot, StepReadout
from explorer.features.kmeans.plot import MAX_K, ConfusionView, KMeansPlot
from explorer.services.features import DemoAction, ExportablePlot, FeatureView, FileExport
from explorer.services.session import Session
from explorer.widgets.formatting import plural

log = logging.getLogger(__name__)

POINTS_KEY = "kmeans-points"
LOADING = "loading TensorFlow…"
PLACING_HINT = ("Click on the plot to place centroids; drag one to move it; "
                "right-click removes the nearest.")
STALE_NOTE = "codes are from before training; will refresh when training ends"
INITS = ("k-means++", "random points", "click to place")
_INIT_ARG = {"k-means++": "k-means++", "random points": "random"}
SOURCES = (("latent codes", "latent"), ("raw pixels", "pixels"))
SPACES = ("2-D projection", "full latent space")
DEFAULT_POINTS = 2000
DEFAULT_K = 10
DEFAULT_SPEED = 4  # half steps per second: slow enough to follow in a lecture
MAX_ITERATIONS = 300  # the animation stops here even if Lloyd has not settled
_UNDRAWN = object()  # the scatter shows nothing of the current points yet
NO_POINTS_YET = ("The K-means lab has no points yet: open its tab and wait for the codes "
                 "to be computed.")
POINTS_DELAY_MS = 350  # after the points spin rests: typing "2000" is not four jobs


class KMeansPanel(QWidget, FeatureView):
    """The "K-means lab" tab. Tests use `stepper`, `points`, `redraw()` and the signals."""

    feature_key = "kmeans"

    points_ready = Signal(object)  # the PointSet just received
    stepped = Signal(str)  # "assign", "update" or "undo", after the redraw

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.points: PointSet | None = None
        self.stepper: KMeansStepper | None = None
        self.is_stale = False
        self._trail: list[np.ndarray] = []  # displayed centroids: at reset, after each update
        self._drawn_labels: Any = _UNDRAWN  # labels the scatter shows (None: all grey)
        self._timer = QTimer(self)  # the Run animation: one half step per tick
        self._timer.timeout.connect(self._tick)
        self._build()
        self._points_timer = QTimer(self)
        self._points_timer.setSingleShot(True)
        self._points_timer.timeout.connect(self.request_points)

        # Only latent codes wait for the backend: raw pixels already on screen
        # (computed while TensorFlow loaded) are not recomputed and reset.
        session.backend_ready.connect(self._on_weights_changed)
        session.model_changed.connect(lambda _arch: self._on_weights_changed())
        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        session.worker.job_progress.connect(self._on_job_progress)
        self.redraw()  # the empty state: buttons off, placeholders on
        self._on_dataset_changed()

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
        self.status_label = _named(QLabel(), "kmeans_status_label", "")
        self.status_label.setStyleSheet("color: #555;")

        self.k_spin = _spin("kmeans_k_spin", 1, MAX_K, DEFAULT_K, "Number of clusters K")
        self.seed_spin = _spin("kmeans_seed_spin", 0, 9999, 0, "Seed of the random start")
        self.points_spin = _spin("kmeans_points_spin", 1, 10_000, DEFAULT_POINTS,
                                 "How many test digits to cluster (the first n)")
        self.points_spin.setSingleStep(500)
        self.points_spin.setGroupSeparatorShown(True)
        self.init_combo = _combo("kmeans_init_combo", INITS,
                                 "Where the centroids start: k-means++ spreads them out, "
                                 "random picks K points, or click on the plot")
        self.source_combo = _combo("kmeans_source_combo", [t for t, _ in SOURCES],
                                   "Cluster the encoder's codes or the raw 784 pixels")
        self.space_combo = _combo("kmeans_space_combo", SPACES,
                                  "2-D: cluster exactly what you see. Full: cluster the codes "
                                  "themselves; centroids are shown projected")
        self.k_spin.valueChanged.connect(lambda _v: self.reset())
        self.seed_spin.valueChanged.connect(lambda _v: self.reset())
        self.init_combo.currentIndexChanged.connect(self._on_init_changed)
        self.space_combo.currentIndexChanged.connect(lambda _i: self.reset())
        self.source_combo.currentIndexChanged.connect(lambda _i: self.request_points())
        self.points_spin.valueChanged.connect(lambda _v: self._schedule_points(POINTS_DELAY_MS))

        buttons = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, (name, text, tip, slot) in enumerate((
                ("assign", "Assign", "r-step: every point to its nearest centroid",
                 lambda: self.half_step("assign")),
                ("update", "Update", "μ-step: every centroid to the mean of its points",
                 lambda: self.half_step("update")),
                ("step", "Step", "Both: assign, then update", self.step),
                ("back", "Back", "Undo the last half step", self.back),
                ("reset", "Reset", "New starting centroids from the initialisation and "
                                   "seed; every point back to grey", self.reset),
                ("run", "Run", "Animate half steps until convergence (click to stop)",
                 self.toggle_run))):
            button = _named(QPushButton(text), f"kmeans_{name}_button", tip)
            button.clicked.connect(lambda _=False, slot=slot: slot())
            self.buttons[name] = button
            buttons.addWidget(button, i // 3, i % 3)
        b = self.buttons
        self.assign_button, self.update_button, self.step_button = b["assign"], b["update"], b["step"]
        self.back_button, self.reset_button, self.run_button = b["back"], b["reset"], b["run"]
        self.speed_slider = _named(QSlider(Qt.Orientation.Horizontal), "kmeans_speed_slider",
                                   "Animation speed, in half steps per second")
        self.speed_slider.setRange(1, 20)
        self.speed_slider.setValue(DEFAULT_SPEED)
        self.speed_label = QLabel()
        self.speed_slider.valueChanged.connect(self._on_speed)
        self._on_speed(DEFAULT_SPEED)

        form = QGridLayout()
        form.setVerticalSpacing(4)
        for row, (a, wa, b, wb) in enumerate((("K", self.k_spin, "seed", self.seed_spin),
                                              ("start", self.init_combo, None, None),
                                              ("points", self.source_combo, "n", self.points_spin),
                                              ("space", self.space_combo, None, None))):
            form.addWidget(QLabel(a), row, 0)
            form.addWidget(wa, row, 1, 1, 1 if wb else 3)
            if wb:
                form.addWidget(QLabel(b), row, 2)
                form.addWidget(wb, row, 3)
        form.setColumnStretch(1, 1)
        speed = QHBoxLayout()
        for widget, stretch in ((QLabel("speed"), 0), (self.speed_slider, 1),
                                (self.speed_label, 0)):
            speed.addWidget(widget, stretch)
        side = _column(form, buttons, speed, (self.j_plot, 1), self.readout)
        side.setMinimumWidth(290)
        side.setMaximumWidth(360)
        left = _column(self.status_label, (self.plot, 1))
        table = _column((self.confusion, 1), self.purity_label)
        # The plot is the point of the tab; derivation and table share the bottom.
        top = _splitter(Qt.Orientation.Horizontal, (left, 1, 620), (side, 0, 300))
        bottom = _splitter(Qt.Orientation.Horizontal, (self.derivation, 1, 520), (table, 1, 380))
        self.splitter = _splitter(Qt.Orientation.Vertical, (top, 3, 470), (bottom, 2, 260))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.plot.clicked.connect(self._on_plot_clicked)
        self.plot.centroid_dragged.connect(self._on_centroid_dragged)
        self.plot.centroid_moved.connect(self.move_centroid)

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

    def write_assignments_csv(self, path: str) -> str:
        """index, digit, x, y, cluster: one row per point. Returns a note for the status bar.

        Raises ValueError when there are no points yet, OSError when the file
        cannot be written.
        """
        points, stepper = self.points, self.stepper
        if points is None:
            raise ValueError(NO_POINTS_YET)
        clusters = (np.asarray(stepper.labels) if stepper is not None and stepper.is_assigned
                    else None)
        # The lab clusters the first n test digits, so row i is test digit i.
        exporting.write_assignments_csv(path, np.arange(points.n), points.labels,
                                        points.coords, clusters)
        return "" if clusters is not None else " (no assignment yet: cluster column empty)"

    # ---------------------------------------------------------- properties
    @property
    def source(self) -> str:
        return SOURCES[self.source_combo.currentIndex()][1]

    @property
    def full_space(self) -> bool:
        return self.space_combo.currentIndex() == 1

    @property
    def placing(self) -> bool:
        return self.init_combo.currentText() == "click to place"

    @property
    def is_running(self) -> bool:
        return self._timer.isActive()

    # -------------------------------------------------------------- points
    def request_points(self) -> None:
        """(Re)compute the points for the current source and count."""
        self._points_timer.stop()
        source, n = self.source, self.points_spin.value()
        session = self.session
        if source == "pixels" and not session.is_ready:
            # The model thread is busy importing TensorFlow; pixels need none of
            # it, and their PCA on a few thousand digits takes tens of ms.
            session.worker.cancel(POINTS_KEY)
            self.set_points(latent_points.compute_points(None, session.dataset, "pixels", n))
            return
        if not session.is_ready:
            self._show_waiting(LOADING)
            return
        if source == "latent" and session.is_training:
            self._mark_stale()
            return
        self._show_waiting("computing latent codes…" if source == "latent"
                           else "computing the projection of the raw pixels…")

        def job(state, model, dataset):
            return latent_points.compute_points(model if source == "latent" else None,
                                                dataset, source, n, state)

        session.submit(POINTS_KEY, job, self.set_points, self._on_points_failed,
                       during_training=source == "pixels",
                       progress_title="Encoding the digits for the K-means lab")

    def set_points(self, points: PointSet) -> None:
        """Cluster these points from now on (new centroids, grey labels)."""
        self.stop_animation()
        self.points = points
        self.is_stale = False
        self._drawn_labels = _UNDRAWN
        self.plot.set_message("")
        self.plot.set_hover_data(points.coords, points.images, points.labels)
        self.plot.set_view(latent_points.padded_bounds(points.coords))
        ratio = points.projection.explained_variance_ratio
        self.status_label.setText(
            f"{points.n:,} test digits · {points.source} ({points.dim}-d) · "
            f"PCA axes: {ratio[0]:.0%} + {ratio[1]:.0%} of the variance")
        self.reset()
        self.points_ready.emit(points)

    def _show_waiting(self, text: str) -> None:
        self.status_label.setText(text)
        if self.points is None:
            self.plot.set_message(text)

    def _mark_stale(self) -> None:
        self.is_stale = True
        if self.points is None or not self.points.source.startswith("latent"):
            self._show_waiting("the latent codes will be computed when training ends")
        else:
            self.status_label.setText(f"{self.points.n:,} test digits · {STALE_NOTE}")

    def _schedule_points(self, delay_ms: int) -> None:
        self._points_timer.start(delay_ms)

    def _on_points_failed(self, message: str) -> None:
        log.warning("K-means points failed: %s", message)
        self.status_label.setText(f"could not compute the points: {message}")
        if self.points is None:
            self.plot.set_message(f"could not compute the points:\n{message}")

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key != POINTS_KEY or fraction >= 1:
            return
        what = "latent codes" if self.source == "latent" else "the projection of the raw pixels"
        self._show_waiting(f"computing {what}… {fraction:.0%}")

    def _on_weights_changed(self) -> None:
        if self.source != "latent":
            return  # pixels do not depend on the model
        if self.session.is_training:
            self._mark_stale()  # every epoch: the codes wait for the end of the run
        else:
            self._schedule_points(0)  # coalesces model_changed + weights_changed

    def _on_dataset_changed(self) -> None:
        n_test = self.session.dataset.n_test
        self.points_spin.blockSignals(True)
        self.points_spin.setMaximum(max(1, n_test))
        self.points_spin.setValue(min(DEFAULT_POINTS, n_test) if self.points is None
                                  else min(self.points_spin.value(), n_test))
        self.points_spin.blockSignals(False)
        self.request_points()

    # --------------------------------------------------------------- steps
    def reset(self) -> None:
        """New starting centroids from K, the initialisation and the seed."""
        self.stop_animation()
        self.stepper = None
        self.readout.say("")
        ps = self.points
        if ps is not None:
            k = self.k_spin.value()
            if self.placing:
                self.readout.say(PLACING_HINT)
            elif k > ps.n:
                self.readout.say(f"K = {k} is more than the {plural(ps.n, 'point')} to "
                                 "cluster: lower K or cluster more digits.", problem=True)
            else:
                self.stepper = KMeansStepper(self._matrix(), k, init=_INIT_ARG[
                    self.init_combo.currentText()], seed=self.seed_spin.value())
        self._restart_trail()
        self.redraw()

    def half_step(self, kind: str) -> None:
        """One half step: "assign" (the r-step) or "update" (the μ-step)."""
        self.stop_animation()  # a click by hand takes over from the animation
        self._half_step(kind)

    def _half_step(self, kind: str) -> None:
        st = self.stepper
        if st is None:
            return
        if kind == "assign":
            st.assign()
        elif kind == "update":
            st.update()
            self._trail.append(self._display_centroids())
        else:
            raise ValueError(f"unknown half step {kind!r}")
        self.redraw()
        self.stepped.emit(kind)

    def step(self) -> None:
        """A full iteration, shown as its two half steps."""
        self.half_step("assign")
        self.half_step("update")

    def back(self) -> None:
        """Undo the last half step (the stepper keeps the exact earlier state)."""
        self.stop_animation()
        st = self.stepper
        if st is None or not st.can_undo:
            return
        undone = st.history[-1][0] if st.history else None
        st.undo()
        if undone == "update" and len(self._trail) > 1:
            self._trail.pop()
        self.redraw()
        self.stepped.emit("undo")

    def toggle_run(self) -> None:
        if self.is_running:
            self.stop_animation()
        elif self.stepper is not None and not self.stepper.converged:
            self._timer.start()
            self.run_button.setText("Stop")
            self._tick()

    def stop_animation(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
        self.run_button.setText("Run")
        self._update_buttons()

    def _tick(self) -> None:
        st = self.stepper
        if st is None or st.converged or st.iteration >= MAX_ITERATIONS:
            self.stop_animation()
            return
        self._half_step("update" if st.last_kind == "assign" else "assign")
        if st.converged:
            self.stop_animation()

    def _on_speed(self, value: int) -> None:
        self._timer.setInterval(max(1, 1000 // value))
        self.speed_label.setText(f"{value} half steps/s")

    # ------------------------------------------------------ placing by hand
    def place_centroid(self, x: float, y: float) -> bool:
        """Add a centroid at plot coordinates (x, y); True if one was added."""
        ps = self.points
        if ps is None:
            return False
        self.stop_animation()
        where = self._from_plot(x, y)
        try:
            if self.stepper is None:
                self.stepper = KMeansStepper(self._matrix(), 1, init=where[None, :])
            elif self.stepper.k >= MAX_K:
                self.readout.say(f"At most {MAX_K} centroids.", problem=True)
                return False
            else:
                self.stepper.add_centroid(where)
        except ValueError as exc:
            self.readout.say(str(exc), problem=True)
            return False
        self._after_edit()
        return True

    def remove_centroid_near(self, x: float, y: float) -> bool:
        """Remove the centroid nearest to plot coordinates (x, y)."""
        st = self.stepper
        if st is None:
            return False
        self.stop_animation()
        j = latent_points.nearest_point(self._display_centroids(), (x, y),
                                        self.plot.getViewBox().viewPixelSize(), np.inf)
        if st.k == 1:
            self.stepper = None
        else:
            st.remove_centroid(j)
        self._after_edit()
        return True

    def move_centroid(self, j: int, x: float, y: float) -> None:
        if self.stepper is None or not 0 <= j < self.stepper.k:
            return
        self.stop_animation()
        self.stepper.move_centroid(j, self._from_plot(x, y))
        self._after_edit()

    def _after_edit(self) -> None:
        st = self.stepper
        self.readout.say("" if st is not None or not self.placing else PLACING_HINT)
        if st is not None:
            self.k_spin.blockSignals(True)  # K follows the centroids; no reset
            self.k_spin.setValue(st.k)
            self.k_spin.blockSignals(False)
        self._restart_trail()
        self.redraw()

    def _on_plot_clicked(self, x: float, y: float, button: str) -> None:
        if not self.placing:
            return
        if button == "left":
            self.place_centroid(x, y)
        else:
            self.remove_centroid_near(x, y)

    def _on_centroid_dragged(self, j: int, x: float, y: float) -> None:
        if self.stepper is not None and not self.full_space:
            c = np.array(self.stepper.centroids)
            c[j] = (x, y)
            self.plot.set_regions(c)  # the regions follow the mouse

    def _on_init_changed(self, _index: int) -> None:
        self.plot.set_placing(self.placing)
        self.k_spin.setEnabled(not self.placing)
        self.reset()

    # ------------------------------------------------------------- drawing
    def _matrix(self) -> np.ndarray:
        assert self.points is not None
        return self.points.codes if self.full_space else self.points.coords

    def _display_centroids(self) -> np.ndarray:
        st, ps = self.stepper, self.points
        if st is None or ps is None:
            return np.zeros((0, 2))
        if self.full_space:
            return ps.projection.transform(st.centroids)
        return np.asarray(st.centroids)

    def _from_plot(self, x: float, y: float) -> np.ndarray:
        """Plot coordinates to a point of the clustered space."""
        if self.full_space and self.points is not None:
            return latent_points.lift(self.points.projection, [x, y])
        return np.array([x, y], dtype=np.float64)

    def _restart_trail(self) -> None:
        self._trail = [self._display_centroids()] if self.stepper is not None else []

    def redraw(self, force: bool = False) -> None:
        """Draw the current state; unchanged labels are not re-sent unless forced."""
        ps, st = self.points, self.stepper
        if ps is not None:
            labels = np.array(st.labels) if st is not None and st.is_assigned else None
            drawn = self._drawn_labels
            same = (drawn is not _UNDRAWN and (labels is None) == (drawn is None)
                    and (labels is None or np.array_equal(labels, drawn)))
            if force or not same:
                k = st.k if st is not None else 0
                groups = latent_points.group_by_label(labels, k) if labels is not None else None
                self.plot.set_points(ps.coords, labels, k, groups)
                self._drawn_labels = labels
                self.confusion.show_agreement(labels, ps.labels, k)
        centroids = self._display_centroids()
        trails = [np.array([snap[j] for snap in self._trail]) for j in range(len(centroids))]
        self.plot.set_centroids(centroids if st is not None else None, trails)
        self.plot.set_regions(centroids if st is not None and not self.full_space else None)
        self.plot.centroid_item.draggable = st is not None and (self.placing or not self.full_space)
        self.j_plot.set_history(st.history if st is not None else [])
        self.derivation.highlight(st.last_kind if st is not None else None)
        self.derivation.set_dimension(st.d if st is not None else
                                      (ps.dim if ps is not None and self.full_space else 2))
        self.readout.show_state(st)
        self._update_buttons()

    def _update_buttons(self) -> None:
        st = self.stepper
        has = st is not None
        for b in (self.assign_button, self.update_button, self.step_button):
            b.setEnabled(has)
        self.back_button.setEnabled(has and st.can_undo)
        self.reset_button.setEnabled(self.points is not None)
        self.run_button.setEnabled(self.is_running or (has and not st.converged))


# ------------------------------------------------------------------ helpers
def _named(widget, name: str, tip: str):
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
        widget.setAccessibleName(tip)
    return widget


def _spin(name: str, lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    spin = _named(QSpinBox(), name, tip)
    spin.setRange(lo, hi)
    spin.setValue(value)
    return spin


def _combo(name: str, items, tip: str) -> QComboBox:
    combo = _named(QComboBox(), name, tip)
    combo.addItems(list(items))
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def _column(*parts) -> QWidget:
    """A widget stacking layouts and widgets; (widget, stretch) to stretch one."""
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        part, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(part, QWidget):
            column.addWidget(part, stretch)
        else:
            column.addLayout(part, stretch)
    return holder


def _splitter(orientation, *parts) -> QSplitter:
    """parts: (widget, stretch factor, initial size in pixels)."""
    splitter = QSplitter(orientation)
    for i, (widget, stretch, _size) in enumerate(parts):
        splitter.addWidget(widget)
        splitter.setStretchFactor(i, stretch)
    splitter.setSizes([size for _w, _s, size in parts])
    splitter.setChildrenCollapsible(False)
    return splitter
