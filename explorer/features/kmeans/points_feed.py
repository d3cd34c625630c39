"""Where the K-means lab's points come from: the job requests, and what to say meanwhile.

The points (latent codes of the current model, or raw pixels) are computed on
the model thread as a view with the key "kmeans-points" (core:
latent_points), so a newer request replaces a waiting one. Raw pixels need no
model: while TensorFlow is still loading they are computed here at once.
During a training run the latent codes are not recomputed after every epoch:
the points on screen are marked stale and refreshed when the run ends.

No widgets here: `PointsFeed` says what to show through `status_changed`
(the line above the plot) and `placeholder_changed` (the note over a plot
that has no points yet).
"""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import latent_points
from explorer.core.latent_points import PointSet
from explorer.core.projection_runs import ProjectionChoice
from explorer.features.kmeans.geometry import MappedPointSet
from explorer.features.kmeans.lab import KMeansLab
from explorer.services.map_projection import MapProjection

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

log = logging.getLogger(__name__)

POINTS_KEY = "kmeans-points"
QUALITY_KEY = "kmeans-map-quality"
_ENCODE_SHARE = 0.3  # of the progress bar, when a t-SNE or UMAP map follows the encoding
SOURCES = (("latent codes", "latent"), ("raw pixels", "pixels"))  # (shown, asked for)
LOADING = "loading TensorFlow…"
STALE_NOTE = "codes are from before training; will refresh when training ends"
DEFAULT_POINTS = 2000
POINTS_DELAY_MS = 350  # after the count rests: typing "2000" is not four jobs


def describe(points: PointSet) -> str:
    """The status line for points on screen: how many, of what, how much PCA keeps."""
    if isinstance(points, MappedPointSet):
        return f"{points.n:,} test digits · {points.source} ({points.dim}-d) · {points.describe} map"
    if not points.projected:
        return (f"{points.n:,} test digits · {points.source} (2-d) · "
                f"drawn as they are: the axes are the code's two numbers, no projection")
    ratio = points.projection.explained_variance_ratio
    return (f"{points.n:,} test digits · {points.source} ({points.dim}-d) · "
            f"PCA axes: {ratio[0]:.0%} + {ratio[1]:.0%} of the variance")


class PointsFeed(QObject):
    """Asks the session for the points of `source` and `count`, and gives them to the lab.

    `start()` makes the first request (after the view has bound the signals).
    """

    status_changed = Signal(str)
    placeholder_changed = Signal(str)  # a note over the empty plot; "" hides it
    count_range_changed = Signal(int, int)  # maximum, value: the dataset changed

    def __init__(self, session: Session, lab: KMeansLab, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.lab = lab
        self.source = SOURCES[0][1]
        self.count = DEFAULT_POINTS
        self.max_count = DEFAULT_POINTS
        self.is_stale = False
        self.is_waiting = False  # a points job was asked for and has not answered yet
        self.status = ""
        self.projection = MapProjection(session, POINTS_KEY, QUALITY_KEY, self)
        self.shown_choice = ProjectionChoice()  # the projection of the points on screen
        self._cancelled = False  # the last request was cancelled: its late reports are not shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.request_points)
        lab.points_changed.connect(self._on_points_changed)
        # Only latent codes wait for the backend: raw pixels already on screen
        # (computed while TensorFlow loaded) are not recomputed and reset.
        session.backend_ready.connect(self._on_weights_changed)
        session.model_changed.connect(lambda _arch: self._on_weights_changed())
        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        session.worker.job_progress.connect(self._on_job_progress)

    def start(self) -> None:
        """Fit the count to the dataset and ask for the first points."""
        self._on_dataset_changed()

    # ----------------------------------------------------------- settings
    def set_source(self, source: str) -> None:
        """"latent" (the encoder's codes) or "pixels" (the raw 784 pixels); asks at once."""
        if source not in latent_points.SOURCES:
            raise ValueError(f"the source must be one of {', '.join(latent_points.SOURCES)}, "
                             f"got {source!r}")
        self.source = source
        self.request_points()

    def set_count(self, count: int) -> None:
        """Cluster the first `count` test digits; asked once the count has rested."""
        self.count = max(1, min(int(count), self.max_count))
        self._timer.start(POINTS_DELAY_MS)

    def set_choice(self, choice: ProjectionChoice) -> None:
        """Draw (and cluster, in 2-D) the points on this map: PCA, t-SNE or UMAP; asks at once."""
        self.projection.choice = choice
        self.request_points()

    def cancel(self) -> None:
        """Stop the map being computed; the points on screen stay (and their projection)."""
        self.is_waiting = False
        self._cancelled = True  # reports the job sends before it sees the cancel are not shown
        self.projection.cancel()
        points = self.lab.points
        self.projection.choice = (ProjectionChoice() if not isinstance(points, MappedPointSet)
                                  else self.shown_choice)
        if points is not None:
            self._set_status(describe(points))

    @property
    def request_scheduled(self) -> bool:
        """A request waits for the count to rest (or for the weights to settle)."""
        return self._timer.isActive()

    # ----------------------------------------------------------- requests
    def request_points(self) -> None:
        """(Re)compute the points for the current source and count."""
        self._timer.stop()
        source, n, session = self.source, self.count, self.session
        choice = self.projection.choice
        if source == "pixels" and not session.is_ready and choice.is_linear:
            # The model thread is busy importing TensorFlow; pixels need none of
            # it, and their PCA on a few thousand digits takes tens of ms.
            session.worker.cancel(POINTS_KEY)
            self.lab.set_points(latent_points.compute_points(None, session.dataset, "pixels", n))
            return
        if not session.is_ready:
            self._show_waiting(LOADING)
            return
        if source == "latent" and session.is_training:
            self._mark_stale()
            return
        self._show_waiting("computing latent codes…" if source == "latent"
                           else "computing the projection of the raw pixels…")
        project = None if choice.is_linear else self.projection.projector()
        if project is None:
            self.projection.finished()

        def job(state, model, dataset):
            points = latent_points.compute_points(
                model if source == "latent" else None, dataset, source, n,
                state if project is None else state.subrange(0.0, _ENCODE_SHARE))
            if project is None:
                return points
            coords = project(points.codes, state.subrange(_ENCODE_SHARE, 1.0)).coords
            values = {f.name: getattr(points, f.name) for f in fields(PointSet)}
            values["coords"] = np.asarray(coords, dtype=np.float32)
            return MappedPointSet(**values, method=choice.method, describe=choice.describe())

        def done(points: PointSet) -> None:
            self.is_waiting = False
            self.projection.finished()
            self.shown_choice = choice
            self.lab.set_points(points)

        self.is_waiting = True
        self._cancelled = False
        session.submit(POINTS_KEY, job, done, self._on_points_failed,
                       # t-SNE or UMAP of pixels would take the run's thread for seconds
                       during_training=source == "pixels" and project is None,
                       progress_title="Encoding the digits for the K-means lab" if project is None
                       else f"{choice.describe()} map of the digits for the K-means lab",
                       # the codes of a model being left: asked again on weights_changed
                       asked_again_after_a_switch=source == "latent")

    # ------------------------------------------------------- what to say
    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)

    def _show_waiting(self, text: str) -> None:
        self._set_status(text)
        if self.lab.points is None:
            self.placeholder_changed.emit(text)

    def _mark_stale(self) -> None:
        self.is_stale = True
        points = self.lab.points
        if points is None or not points.source.startswith("latent"):
            self._show_waiting("the latent codes will be computed when training ends")
        else:
            self._set_status(f"{points.n:,} test digits · {STALE_NOTE}")

    def _on_points_changed(self, points: PointSet) -> None:
        self.is_stale = self.is_waiting = False
        self.placeholder_changed.emit("")
        self._set_status(describe(points))

    def _on_points_failed(self, message: str) -> None:
        self.is_waiting = False
        self.projection.finished()
        log.warning("K-means points failed: %s", message)
        self._set_status(f"could not compute the points: {message}")
        if self.lab.points is None:
            self.placeholder_changed.emit(f"could not compute the points:\n{message}")

    # ------------------------------------------------- the session's news
    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key != POINTS_KEY or fraction >= 1 or self.projection.is_running or self._cancelled:
            return
        what = "latent codes" if self.source == "latent" else "the projection of the raw pixels"
        self._show_waiting(f"computing {what}… {fraction:.0%}")

    def _on_weights_changed(self) -> None:
        if self.source != "latent":
            return  # pixels do not depend on the model
        if self.session.is_training:
            self._mark_stale()  # every epoch: the codes wait for the end of the run
        else:
            self._timer.start(0)  # coalesces model_changed + weights_changed

    def _on_dataset_changed(self) -> None:
        n_test = self.session.dataset.n_test
        self.max_count = max(1, n_test)
        # A dataset's first points get the default count; later ones keep the
        # user's, capped to the new dataset.
        wanted = DEFAULT_POINTS if self.lab.points is None else self.count
        self.count = max(1, min(wanted, n_test))
        self.count_range_changed.emit(self.max_count, self.count)
        self.request_points()
