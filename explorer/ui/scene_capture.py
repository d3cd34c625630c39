"""What the window shows, captured into a Scene (File > Save scene).

`capture(window)` reads the features' public state: the model and which
weights (their file and its SHA-256; shipped weights by name), the tab, the
noise and its seed, the digits, the K-means lab's settings and its whole run,
the projection, the plot ranges, the presentation scale. What a restore
cannot bring back (weights never saved, half steps beyond Back's reach) is
said in the notes it returns, for the status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from explorer.core import store
from explorer.core.scene_file import KMeansScene, Scene, WeightsRef, file_sha256

SPACE_OF = {False: "map", True: "full"}


def capture(window) -> tuple[Scene, list[str]]:
    """The window as a Scene, and notes on what a restore cannot bring back."""
    session, selection, km = window.session, window.session.selection, window.kmeans_panel
    variant = session.variant
    weights, notes = _weights_ref(session)
    run = km.lab.export_run()
    kmeans = KMeansScene(k=km.k_spin.value(), seed=km.seed_spin.value(),
                         init=km.init_combo.currentText(), source=km.source,
                         space=SPACE_OF[km.full_space], points=km.points_spin.value(), run=run)
    if run is not None and run.dropped:
        notes.append(f"the K-means run's first {run.dropped} half steps are beyond Back's "
                     "reach and are not in the scene")
    ranges = {}
    if km.points is not None:
        ranges["kmeans_plot"] = km.view_range()
    if window.latent_space_panel.lab.latent_map is not None:
        ranges["latent_map"] = window.latent_space_panel.view_range()
    page = window.tabs.currentWidget()
    method, params = _projection(window)
    scene = Scene(architecture=variant.arch_id,
                  code_size=None if variant.is_seed else variant.code_size, weights=weights,
                  tab=getattr(page, "feature_key", "") or None,
                  noise=selection.noise, noise_seed=selection.noise_seed,
                  digit_mode=selection.mode, digits=tuple(int(i) for i in selection.indices),
                  kmeans=kmeans, projection=method, projection_params=params, plot_ranges=ranges,
                  presentation_scale=float(window.presentation.scale_setting))
    return scene, notes


def _projection(window) -> tuple[str, dict[str, Any]]:
    """The K-means lab's projection and its parameters: PCA until the lab offers a choice
    (its `projection_controls.choice()`, a method and (name, value) pairs)."""
    controls = getattr(window.kmeans_panel, "projection_controls", None)
    if controls is None:
        return "pca", {}
    choice = controls.choice()
    return choice.method, dict(choice.params)


def _weights_ref(session) -> tuple[WeightsRef, list[str]]:
    current = session.current
    if current.unsaved:
        return WeightsRef("unsaved"), [
            "the weights were trained in this session and are not saved: the scene cannot "
            "name them (save the weights, then the scene, to restore them)"]
    if current.path is None or not Path(current.path).is_file():
        return WeightsRef("fresh"), [
            "the weights are fresh (random): a restore makes other random ones, so the "
            "K-means run on the codes will not replay; save the weights first"]
    path = Path(current.path).resolve()
    kind = "shipped" if path == shipped_path(session, current.name) else "file"
    return WeightsRef(kind, str(path), file_sha256(path)), []


def shipped_path(session, name: str) -> Path:
    """The file the window starts `name` with (a session given a folder: the one in it)."""
    if session.trained_dir is not None:
        return store.weights_path(name, session.trained_dir).resolve()
    return store.shipped_weights(name).resolve()
