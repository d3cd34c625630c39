"""Scenes put back (File > Open scene); what is saved is captured in scene_capture.py.

`plan(window, scene)` checks the scene against the window before anything
changes: a weights file that is missing refuses it, one whose checksum
differs from the scene's is asked about (SceneActions.ask_weights_differ).
`SceneRestore` then puts it back in the order the window allows: what shows
at once goes through window_state.apply (the same setter a lesson step
uses); the K-means run waits until the scene's model and weights are live
and the lab's points are encoded with them (and is replayed on the model
thread), the latent map's range until its first map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core.kmeans_state import KMeansRunError
from explorer.core.scene_file import KMeansScene, Scene, SceneError, file_sha256
from explorer.ui import window_state
from explorer.ui.scene_capture import capture, shipped_path

__all__ = ["Plan", "SceneRestore", "capture", "plan"]

# A restore that is still waiting after this long is told off as a problem: the
# weights load was cancelled (the unsaved-weights question), or never came.
GIVE_UP_MS = 120_000
REPLAY_KEY = "scene-kmeans-run"


# ----------------------------------------------------------------- restoring
@dataclass(frozen=True)
class Plan:
    """What a restore does, worked out before anything changes."""

    setup: dict[str, Any]  # for window_state.apply
    weights_path: Path | None  # the file the model must end up with (None: no check)
    notes: list[str]  # problems to report that do not stop the restore


def plan(window, scene: Scene, ask_differ) -> Plan:
    """Check the scene against this window; SceneError (nothing changed) when it cannot be restored.

    `ask_differ(message) -> bool`: whether to go on with weights whose
    checksum differs from the scene's.
    """
    session = window.session
    if session.is_training:
        raise SceneError("a training run is going on: stop it before opening a scene")
    name = scene.architecture if scene.code_size is None else f"{scene.architecture}-{scene.code_size}"
    w, notes, path = scene.weights, [], None
    if w.kind in ("shipped", "file"):
        path = shipped_path(session, name) if w.kind == "shipped" else Path(w.path)
        if not path.is_file():
            raise SceneError(f"the scene's weights {path} are not there: put the file back, or "
                             "load other weights and save the scene again")
        if w.sha256 and file_sha256(path) != w.sha256:
            message = (f"The weights file {path} is not the one the scene was saved with (its "
                       "SHA-256 checksum differs): the codes, and so the K-means run, may differ.")
            if not ask_differ(message + "\n\nRestore the scene with these weights anyway?"):
                raise SceneError(message + " The scene was not opened.")
            notes.append("the weights differ from the scene's (checksum)")
        weights: Any = "shipped" if w.kind == "shipped" else str(path)
    elif w.kind == "fresh":
        weights = "fresh"
    else:  # "unsaved": there is nothing to load
        weights = "current"
        notes.append("the scene's weights were never saved: the window keeps its own")
    setup: dict[str, Any] = {"architecture": name, "weights": weights}
    if scene.tab is not None:
        setup["tab"] = scene.tab
    if scene.noise is not None:
        setup["noise"] = scene.noise
        setup["noise_seed"] = scene.noise_seed or 0
    km = scene.kmeans
    if km is not None:
        setup["kmeans"] = {"k": km.k, "seed": km.seed, "init": km.init, "space": km.space,
                           "source": km.source, "points": km.points}
    if scene.projection not in (None, "pca"):
        setup["projection"] = {"method": scene.projection, **scene.projection_params,
                               "tab": "K-means lab"}  # the lab's map is what a scene records
    if scene.presentation_scale is not None:
        setup["scale"] = scene.presentation_scale or "fit"
    if scene.digits is not None and max(scene.digits) >= session.dataset.n_test:
        raise SceneError(f"the scene shows test digit {max(scene.digits)}, but this dataset has "
                         f"{session.dataset.n_test} test digits: open the dataset it was saved on")
    return Plan(setup, path.resolve() if path is not None else None, notes)


class SceneRestore(QObject):
    """Applies a planned scene, then waits for the model and the points it needs.

    `finished(problems)` once everything that can be restored is; `cancel()`
    drops a restore a newer one replaces.
    """

    finished = Signal(list)

    def __init__(self, window, scene: Scene, planned: Plan):
        super().__init__(window)
        self.window, self.scene, self.plan = window, scene, planned
        self.problems: list[str] = list(planned.notes)
        self._points_current = True  # no weights changed since the restore began
        self._done = False
        self._replaying = False  # the K-means run is being replayed on the model thread
        session, lab = window.session, window.kmeans_panel.lab
        self._connections = [(session.weights_changed, self._on_weights),
                             (session.error_raised, self._on_error),
                             (lab.points_ready, self._on_points)]
        self._give_up = QTimer(self)
        self._give_up.setSingleShot(True)
        self._give_up.timeout.connect(self._on_give_up)

    def start(self) -> None:
        for signal, slot in self._connections:
            signal.connect(slot)
        scene = self.scene
        self.problems += window_state.apply(self.window, self.plan.setup)
        if scene.digits is not None:
            try:
                self.window.session.selection.set_indices(scene.digits, scene.digit_mode or "random")
            except ValueError as exc:
                self.problems.append(f"digits: {exc}")
        latent = scene.plot_ranges.get("latent_map")
        if latent is not None:
            self.window.latent_space_panel.set_view_range(latent)
        self._give_up.start(GIVE_UP_MS)
        self._try()

    def cancel(self) -> None:
        self._finish(emit=False)

    # ------------------------------------------------------------ waiting
    def _on_weights(self) -> None:
        self._points_current = False  # codes computed before now are of other weights
        self._try()

    def _on_points(self, _points) -> None:
        self._points_current = True
        self._try()

    def _on_error(self, message: str) -> None:
        if not self._model_is_live():
            self.problems.append(f"the scene's model did not load ({message.splitlines()[0]}); "
                                 "the K-means run was not restored")
            self._finish()

    def _on_give_up(self) -> None:
        self.problems.append("the scene's model, weights or K-means points did not arrive (was "
                             "loading the weights cancelled?); open the scene again to finish")
        self._finish()

    def _model_is_live(self) -> bool:
        session, scene = self.window.session, self.scene
        if not session.is_ready or session.is_busy or session.arch_id != scene.architecture:
            return False
        if scene.code_size is not None and session.code_size != scene.code_size:
            return False
        want = self.plan.weights_path
        if want is not None:
            have = session.current.path
            if have is None or not Path(have).is_file():
                return False
            # Another file with the same weights counts (window_state does not load again
            # what the window already holds).
            return Path(have).resolve() == want or (
                scene.weights.sha256 is not None and file_sha256(have) == scene.weights.sha256)
        if self.scene.weights.kind == "fresh":
            return session.current.path is None and not session.current.unsaved
        return True

    def _points_ready(self, km: KMeansScene) -> bool:
        panel = self.window.kmeans_panel
        points, feed = panel.points, panel.feed
        if points is None or feed.request_scheduled or feed.is_waiting:
            return False
        if panel.source != km.source or points.n != feed.count:
            return False
        return self._points_current or km.source == "pixels"

    def _try(self) -> None:
        if self._done or self._replaying or not self._model_is_live():
            return
        km = self.scene.kmeans
        panel = self.window.kmeans_panel
        if km is not None and not self._points_ready(km):
            return  # new points would reset the run and the plot's range
        if km is None or km.run is None:
            self._end()
            return
        try:
            compute = panel.lab.replay(km.run)
        except KMeansRunError as exc:
            self.problems.append(f"K-means: {exc}")
            self._end()
            return
        self._replaying = True
        # Hundreds of half steps on 10,000 codes take seconds: not on the GUI thread.
        self.window.session.submit(REPLAY_KEY, lambda state, model, dataset: compute(),
                                   self._on_replayed, self._on_replay_failed,
                                   progress_title="Replaying the scene's K-means run")

    def _on_replayed(self, replayed) -> None:
        self._replaying = False
        if self._done:
            return
        if not self.window.kmeans_panel.lab.adopt(replayed):
            self._try()  # the points changed meanwhile: replay on the new ones
            return
        self._end()

    def _on_replay_failed(self, message: str) -> None:
        self._replaying = False
        if not self._done:
            self.problems.append(f"K-means: {message}")
            self._end()

    def _end(self) -> None:
        panel = self.window.kmeans_panel
        rng = self.scene.plot_ranges.get("kmeans_plot")
        if rng is not None and panel.points is not None:
            panel.set_view_range(rng)
        self._finish()

    def _finish(self, emit: bool = True) -> None:
        if self._done:
            return
        self._done = True
        self._give_up.stop()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with the window
                pass
        if emit:
            self.finished.emit(self.problems)
