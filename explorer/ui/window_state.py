"""Set the window up from a small dict: what a lesson step or a scene asks for.

`apply(window, setup)` takes a partial dict (every key optional) and returns
the problems it met, as sentences naming the key and what to write instead;
it never raises for a bad value, and a bad key does not stop the others.
Nothing here waits: an architecture switch (with its weights) is queued on
the model thread and the window stays live while it builds; the noise, the
digits, the tab and the K-means settings show at once.

Keys:

- `architecture`: an architecture id ("simple", "sparse", "deep", "conv",
  "denoise") or a code-size variant's name ("simple-8").
- `weights`: "current" (what the window holds for that model: this session's
  weights, else those it starts with), "shipped" (the pre-trained file the
  program ships, loaded again if other weights are in), "fresh" (untrained) or
  the path of a `.weights.h5` file (relative paths start at `base_dir`).
  Dropping unsaved trained weights asks first, as everywhere in the window.
- `tab`: a tab's title ("K-means lab") or its feature key ("kmeans").
- `noise`: the noise factor of the shown inputs, 0..1 (in steps of 0.05).
- `noise_seed`: the seed of the noise field (an integer >= 0).
- `digits`: the test-split indices of the digits the tabs show.
- `kmeans`: a table of `k`, `seed`, `init` ("k-means++", "random points",
  "click to place"), `space` ("map" or "full"), `source` ("latent" or
  "pixels") and `points` (how many test digits to cluster).
- `projection`: a table with `method` ("pca", "tsne", "umap") and its
  parameters (perplexity; n_neighbors, min_dist), for the map of the tab its
  `tab` names, else of the tab in front (Latent space or K-means lab; else
  the K-means lab's).
- `presentation`: true or false (full screen, large type).
- `scale`: the presentation scale, a number from 1 to 3 or "fit".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from explorer.core import store, variants
from explorer.core.window_setup import (
    KEYS,
    check_key,
    parse_variant,
)

__all__ = ["KEYS", "apply", "current"]


def apply(window, setup: Mapping[str, Any], base_dir: str | Path | None = None) -> list[str]:
    """Set `window` up as `setup` says; returns the problems met (empty: all applied)."""
    if not isinstance(setup, Mapping):
        return [f"the setup must be a table of settings, got {type(setup).__name__}"]
    problems = [f"{key!r} is not a setting; known ones: {', '.join(KEYS)}"
                for key in setup if key not in KEYS]
    usable = {}
    for key in KEYS:  # first what needs no window: types, ranges, words
        if key in setup:
            problem = check_key(key, setup[key])
            if problem:
                problems.append(f"{key}: {problem}")
            else:
                usable[key] = setup[key]
    model_keys = {"architecture", "weights"} & set(setup)
    if model_keys and model_keys <= set(usable):  # no weights for a model that cannot be
        problems += _apply_model(window, usable.get("architecture"),
                                 usable.get("weights", "current"),
                                 Path(base_dir) if base_dir is not None else Path.cwd())
    for key, step in (("tab", _apply_tab), ("noise", _apply_noise), ("noise_seed", _apply_noise_seed),
                      ("digits", _apply_digits), ("kmeans", _apply_kmeans),
                      ("projection", _apply_projection), ("scale", _apply_scale),
                      ("presentation", _apply_presentation)):
        if key in usable:
            problem = step(window, usable[key])
            if problem:
                problems.append(f"{key}: {problem}")
    return problems


def current(window) -> dict[str, Any]:
    """The window's state in `apply`'s terms (what a step or a scene can compare with)."""
    session, selection = window.session, window.session.selection
    tab = window.tabs.currentWidget()
    kmeans = window.kmeans_panel
    return {
        "architecture": session.variant.name,
        "tab": window.tabs.tabText(window.tabs.currentIndex()),
        "tab_key": getattr(tab, "feature_key", ""),
        "noise": selection.noise,
        "noise_seed": selection.noise_seed,
        "digits": [int(i) for i in selection.indices],
        "kmeans": {"k": kmeans.k_spin.value(), "seed": kmeans.seed_spin.value(),
                   "init": kmeans.init_combo.currentText(),
                   "space": "full" if kmeans.full_space else "map", "source": kmeans.source,
                   "points": kmeans.points_spin.value()},
        "presentation": window.presentation.is_active,
        "scale": window.presentation.scale_setting or "fit",
    }


# ------------------------------------------------------------------ the model
def _apply_model(window, architecture, weights, base_dir: Path) -> list[str]:
    session = window.session
    target = session.variant
    if architecture is not None:
        try:
            target = parse_variant(architecture)
        except ValueError as exc:
            return [f"architecture: {exc}"]
    switching = target.name != session.variant.name
    then, problem = _weights_step(window, target, weights, switching, base_dir)
    problems = [f"weights: {problem}"] if problem else []
    if not switching and then is None:
        return problems
    if session.is_training:
        return [*problems, "architecture: a training run is going on; stop it (Ctrl+.) "
                           "before a step changes the model or its weights"]
    if switching:
        code_size = None if target.is_seed else target.code_size
        try:
            window.model_panel.state.choose_variant(target.arch_id, code_size, then=then)
        except (ValueError, RuntimeError) as exc:
            problems.append(f"architecture: {exc}")
    elif session.is_ready:
        then()
    else:  # the first model is still being built: its weights follow it
        _once(session.backend_ready, then)
    return problems


def _weights_step(window, target: variants.Variant, weights, switching: bool,
                  base_dir: Path) -> tuple[Callable[[], None] | None, str | None]:
    """What to do once `target` is the model shown, and the problem with `weights` if any."""
    session, dock = window.session, window.model_panel.state
    if weights == "current":
        return None, None
    if weights == "fresh":
        return dock.reset_weights, None
    if weights == "shipped":
        path = (store.weights_path(target.name, session.trained_dir)
                if session.trained_dir is not None else store.shipped_weights(target.name))
        if not path.is_file():
            return None, (f"there are no shipped weights for {target.name} ({path} is missing); "
                          "the window keeps the weights it has")
        if _holds(session, target, path, switching):
            return None, None  # the window has (or its build loads) exactly these
        return lambda: dock.load_weights(path), None
    path = Path(weights).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        return None, f"{path} is not a file; give \"shipped\", \"fresh\" or a .weights.h5 file"
    if not path.name.endswith(".weights.h5"):
        return None, f"{path.name} is not a Keras weights file (name.weights.h5)"
    return lambda: dock.load_weights(path), None


def _holds(session, target: variants.Variant, path: Path, switching: bool) -> bool:
    """Whether `target` will show the weights of `path` without loading it again: the
    weights held for it (loaded, or kept from earlier in this session) are untrained
    since and described by the file's own metadata, or it starts from that file."""
    held = session.book.get(target.name) if switching else session.current
    if held is None:
        if session.trained_dir is not None:
            return True
        found = store.find_weights(target.name)
        return found is not None and found[0] == path
    if held.unsaved or held.metadata is None:
        return False
    try:
        return held.metadata == store.load_metadata(target.name, path.parent)
    except store.StoreError:
        return False


def _once(signal, slot: Callable[[], None]) -> None:
    def fire(*_args) -> None:
        signal.disconnect(fire)
        slot()

    signal.connect(fire)


# ----------------------------------------------------------------- the rest
def _find_tab(window, value: str) -> tuple[int, str | None]:
    """(index, None), or (-1, a sentence naming the tabs there are)."""
    tabs = window.tabs
    wanted = value.strip().lower()
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    for i, title in enumerate(titles):
        if wanted in (title.replace("&", "").lower(), getattr(tabs.widget(i), "feature_key", "")):
            return i, None
    return -1, f"no tab is called {value!r}; the tabs are {', '.join(titles)}"


def _apply_tab(window, value: str) -> str | None:
    index, problem = _find_tab(window, value)
    if index >= 0:
        window.tabs.setCurrentIndex(index)
    return problem


def _apply_noise(window, value: float) -> None:
    window.recon_panel.set_noise(float(value))


def _apply_noise_seed(window, value: int) -> None:
    window.session.selection.set_noise_seed(value)


def _apply_digits(window, value: list[int]) -> str | None:
    try:
        window.session.selection.set_indices(list(value))
    except ValueError as exc:  # more than this dataset's test digits
        return str(exc)
    return None


def _apply_kmeans(window, value: Mapping[str, Any]) -> str | None:
    try:
        window.kmeans_panel.configure(**dict(value))
    except ValueError as exc:  # past the lab's own limits (K, the number of digits)
        return str(exc)
    return None


def _apply_projection(window, value: Mapping[str, Any]) -> str | None:
    """The map of the tab named by `tab` in the table, else of the tab in front when
    it draws one (Latent space, K-means lab), else the K-means lab's: one projection
    computed, not one per tab."""
    params = {k: v for k, v in value.items() if k not in ("method", "tab")}
    in_front = window.tabs.currentWidget()
    if "tab" in value:
        index, problem = _find_tab(window, str(value["tab"]))
        if problem:
            return problem
        in_front = window.tabs.widget(index)
    views = [f for f in [in_front, *window.features]
             if getattr(f, "projection_controls", None) is not None]
    if not views:
        return "not supported: no view of this window draws a projection"
    try:
        views[0].projection_controls.set_projection(value["method"], **params)
    except ValueError as exc:
        return str(exc)
    return None


def _apply_presentation(window, value: bool) -> None:
    window.presentation_action.setChecked(value)


def _apply_scale(window, value) -> None:
    from explorer.ui.presentation import AUTO

    window.set_presentation_scale(AUTO if value == "fit" else float(value))
