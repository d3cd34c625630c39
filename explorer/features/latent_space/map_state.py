"""The map of the test digits' codes: when to ask for it, and what to say meanwhile.

The map is computed on the model thread as a view (key MAP_KEY): the first
MAP_DIGITS test digits encoded by the current model and projected to 2-D by
the `Projector` (PCA unless another is set). It follows the weights: after a
load, a reset, a model switch, and after each epoch of a training run, while
the tab is on screen; a hidden tab only notes that its map is stale and asks
once it is shown again. No widgets here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core.projection_runs import ProjectionChoice
from explorer.features.latent_space.jobs import MAP_KEY, QUALITY_KEY, MapAnswer, MapJob, Projector
from explorer.services.map_projection import MapProjection

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

MAP_DIGITS = 2000
LOADING = "loading TensorFlow…"
METHOD_TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
COALESCE_MS = 0  # model_changed and weights_changed come together: one request


def describe(answer: MapAnswer, training: bool = False) -> str:
    """The status line above the map."""
    m = answer.latent_map
    if m.is_exact:
        ratio = m.projection.explained_variance_ratio
        how = f"PCA axes: {ratio[0]:.0%} + {ratio[1]:.0%} of the variance"
    else:
        how = METHOD_TITLES.get(m.method, m.method)
    follow = ""
    if training:
        follow = (" · follows the weights after each epoch" if m.is_exact
                  else " · redrawn when training ends")
    return (f"{m.n:,} test digits · codes of the {m.arch_id} model ({m.dim}-d) · {how}"
            f"{follow}")


class MapState(QObject):
    """Asks for the map and holds the latest answer (`answer`, `latent_map`).

    is_shown: whether the tab is on screen (a hidden tab asks nothing).
    """

    map_changed = Signal(object)  # MapAnswer
    frame_shown = Signal(object)  # (n, 2): t-SNE's layout so far, for the first n test digits
    status_changed = Signal(str)
    placeholder_changed = Signal(str)  # a note over a map that has no points yet; "" hides it

    def __init__(self, session: Session, is_shown: Callable[[], bool] = lambda: True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._is_shown = is_shown
        self.answer: MapAnswer | None = None
        self.projector = Projector()
        # The chooser's projection (PCA, t-SNE, UMAP): frames, cancel, quality.
        self.projection = MapProjection(session, MAP_KEY, QUALITY_KEY, self)
        self.projection.frame_ready.connect(self.frame_shown)
        self.shown_choice = ProjectionChoice()  # the projection of the map on screen
        self._asked_choice = self.shown_choice
        self.n = MAP_DIGITS
        self.is_stale = True
        self.status = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.request_map)
        session.model_changed.connect(lambda _arch: self._on_weights_changed())
        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_weights_changed)
        session.worker.job_progress.connect(self._on_job_progress)
        if not session.is_ready:
            self._say(LOADING, placeholder=True)

    @property
    def latent_map(self):
        return self.answer.latent_map if self.answer is not None else None

    def set_projector(self, projector: Projector) -> None:
        """Make the map another way from now on (a non-linear projection, PCA again)."""
        self.projector = projector
        self.request_map()

    def set_choice(self, choice: ProjectionChoice) -> None:
        """PCA, t-SNE or UMAP with these parameters, from the chooser; a new
        request replaces (and so cancels) one still running."""
        self.projection.choice = choice
        self.set_projector(Projector() if choice.is_linear else Projector(choice.method))

    @property
    def _is_non_linear(self) -> bool:
        return self.projector.name != "pca" or self.projector.fn is not None

    def cancel(self) -> None:
        """Stop the map being computed; the map on screen stays, and so does its
        projection for the maps asked after this one (new weights, say)."""
        self.projection.cancel()
        shown = self.shown_choice
        self.projection.choice = shown
        self.projector = Projector() if shown.is_linear else Projector(shown.method)
        if self.answer is not None:
            self._say(describe(self.answer, self.session.is_training))
            self.map_changed.emit(self.answer)  # any t-SNE frame drawn is replaced by it

    def _projector_for_request(self) -> Projector:
        """The projector of a new request: a chooser's projection gets a fresh run
        (its own frames); one set by hand with a function is used as it is."""
        p = self.projector
        if p.is_linear and p.name == "pca":
            self.projection.finished()
            return p
        if p.fn is None or p.name == self.projection.choice.method:
            return Projector(p.name, self.projection.projector())
        return p

    def request_map(self) -> None:
        self._timer.stop()
        session = self.session
        if not session.is_ready:
            self._say(LOADING, placeholder=True)
            return
        if not self._is_shown():
            self.is_stale = True  # asked for once the tab is shown
            return
        if session.is_training and self._is_non_linear and self.answer is not None:
            # A t-SNE or UMAP map takes seconds of the model thread: after every
            # epoch it would slow the run down; it is redrawn when the run ends.
            self.is_stale = True
            self._say(describe(self.answer, True))
            return
        self.is_stale = False
        n = min(self.n, session.dataset.n_test)
        if self.answer is None:
            self._say("encoding the test digits…", placeholder=True)
        projector = self._projector_for_request()
        self._asked_choice = self.projection.choice
        session.submit(MAP_KEY, MapJob(n, projector, session.weights_note), self._on_map,
                       self._on_failed, progress_title="Mapping the latent space",
                       asked_again_after_a_switch=True)  # on model_changed

    def on_shown(self) -> None:
        if self.is_stale and not self._timer.isActive():
            self.request_map()

    def stop(self) -> None:
        self._timer.stop()

    def _on_weights_changed(self) -> None:
        self.is_stale = True
        self._timer.start(COALESCE_MS)

    def _on_map(self, answer: MapAnswer) -> None:
        self.projection.finished()
        self.shown_choice = self._asked_choice
        self.answer = answer
        self.placeholder_changed.emit("")
        self._say(describe(answer, self.session.is_training))
        self.map_changed.emit(answer)

    def _on_failed(self, message: str) -> None:
        self.projection.finished()
        self._say(f"could not map the latent space: {message}", placeholder=self.answer is None)

    def _on_job_progress(self, key: str, fraction: float, _what: str = "") -> None:
        if key == MAP_KEY and fraction < 1 and self.answer is None:
            self._say(f"encoding the test digits… {fraction:.0%}", placeholder=True)

    def _say(self, text: str, placeholder: bool = False) -> None:
        self.status = text
        self.status_changed.emit(text)
        if placeholder:
            self.placeholder_changed.emit(text)
