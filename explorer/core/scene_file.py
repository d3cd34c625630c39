"""Scene files: everything needed to put the window back as it was, as small JSON.

A scene names the model and which weights (a path and its SHA-256, never the
weights themselves), the tab, the noise and its seed, the digits shown, the
K-means lab's settings and its whole run (kmeans_state: Back still works
after a restore), the projection, the plot ranges and the presentation
scale. `read_scene` validates the whole file before anything is applied: a
damaged, unknown or newer file raises SceneError naming the field, what was
expected and what to do, and the window is left as it was.

Every section but the model may be left out (a lesson step's scene may set
only a tab and a noise): what a scene does not name is left alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.core import kmeans_state, variants
from explorer.core.atomic_files import atomic_write
from explorer.core.kmeans_state import RunState
from explorer.core.scene_fields import (
    VERSION,
    SceneError,
    choice,
    is_number,
    number,
    only,
    section,
    short,
    whole,
)

__all__ = ["FORMAT", "VERSION", "KMeansScene", "Scene", "SceneError", "WeightsRef",
           "file_sha256", "parse_scene", "read_scene", "scene_to_json", "write_scene"]

FORMAT = "autoencoder-explorer-scene"
MAX_BYTES = 4_000_000  # a scene is a few kB; a run of thousands of half steps stays far below
WEIGHT_KINDS = ("shipped", "file", "fresh", "unsaved")  # unsaved: trained, never saved
INITS = ("k-means++", "random points", "click to place")
SOURCES = ("latent", "pixels")
SPACES = ("map", "full")  # the plotted 2-D map, or the full latent space
SELECTION_MODES = ("first", "random", "classes")
PLOTS = ("kmeans_plot", "latent_map")
PROJECTIONS = ("pca", "tsne", "umap")
MAX_NOISE = 1.0


@dataclass(frozen=True)
class WeightsRef:
    kind: str  # one of WEIGHT_KINDS
    path: str | None = None  # the weights file (kinds "file" and "shipped")
    sha256: str | None = None  # of that file, checked before it is loaded


@dataclass(frozen=True, eq=False)
class KMeansScene:
    k: int
    seed: int
    init: str  # one of INITS
    source: str  # one of SOURCES
    space: str  # one of SPACES
    points: int  # the first n test digits
    run: RunState | None = None  # None: a fresh start from the settings


@dataclass(frozen=True, eq=False)
class Scene:
    architecture: str
    code_size: int | None = None  # None: the seed's
    weights: WeightsRef = WeightsRef("fresh")
    tab: str | None = None  # a feature key: "training", "kmeans", ...
    noise: float | None = None
    noise_seed: int | None = None
    digit_mode: str | None = None
    digits: tuple[int, ...] | None = None  # test digit indices shown
    kmeans: KMeansScene | None = None
    projection: str | None = None
    projection_params: dict[str, Any] = field(default_factory=dict)
    plot_ranges: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    presentation_scale: float | None = None  # 0: fit the screen


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------ writing
def scene_to_json(scene: Scene) -> dict[str, Any]:
    w = scene.weights
    out: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "model": {"architecture": scene.architecture, "code_size": scene.code_size,
                  "weights": {"kind": w.kind, "path": w.path, "sha256": w.sha256}},
        "tab": scene.tab,
        "noise": None if scene.noise is None else {"factor": scene.noise, "seed": scene.noise_seed or 0},
        "digits": None if scene.digits is None else {"mode": scene.digit_mode or "random",
                                                     "indices": list(scene.digits)},
        "projection": None if scene.projection is None else {"method": scene.projection,
                                                             "params": scene.projection_params},
        "plot_ranges": {name: list(r) for name, r in scene.plot_ranges.items()},
        "presentation_scale": scene.presentation_scale,
    }
    km = scene.kmeans
    out["kmeans"] = None if km is None else {
        "k": km.k, "seed": km.seed, "init": km.init, "source": km.source, "space": km.space,
        "points": km.points, "run": None if km.run is None else kmeans_state.run_to_json(km.run)}
    return out


def write_scene(path: str | Path, scene: Scene) -> Path:
    """Write the scene as JSON (atomically: a failed write leaves the old file)."""
    path = Path(path)
    text = _readable_json(scene_to_json(scene)) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def _readable_json(value: Any, depth: int = 0) -> str:
    """JSON for a person to read: one field a line, a list of numbers on one line
    (json.dumps' indent would give every centroid coordinate a line of its own)."""
    pad = "  " * (depth + 1)
    if isinstance(value, dict) and value:
        fields = [f"{pad}{json.dumps(k)}: {_readable_json(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(fields) + "\n" + "  " * depth + "}"
    if isinstance(value, list) and value and any(isinstance(v, (list, dict)) for v in value):
        rows = [pad + _readable_json(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(rows) + "\n" + "  " * depth + "]"
    return json.dumps(value, allow_nan=False)


# ------------------------------------------------------------------ reading
def read_scene(path: str | Path) -> Scene:
    """The scene in `path`, fully validated; SceneError otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SceneError(f"{path.name} is {size:,} bytes, far more than a scene holds "
                             f"(at most {MAX_BYTES:,}): it is not a scene file")
        data = path.read_bytes()
    except OSError as exc:
        raise SceneError(f"Cannot read the scene {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")  # a BOM, as some editors write, is no damage
        obj = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SceneError(f"{path.name} is not a scene file: it is not valid UTF-8 JSON ({exc}). "
                         "Open a file written by File > Save scene.") from None
    try:
        return parse_scene(obj)
    except SceneError as exc:
        raise SceneError(f"{path.name}: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a scene may hold")


def parse_scene(obj: Any) -> Scene:
    """A Scene from parsed JSON, every field checked; SceneError names the first bad one."""
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise SceneError(f"not a scene: the field \"format\" must be \"{FORMAT}\". "
                         "Open a file written by File > Save scene.")
    version = obj.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SceneError(f"field \"version\": expected a whole number >= 1, got {short(version)}")
    if version > VERSION:
        raise SceneError(f"the scene is version {version}, made by a newer Autoencoder Explorer; "
                         f"this one reads up to version {VERSION}: update the program to open it")
    only(obj, "", {"format", "version", "model", "tab", "noise", "digits", "kmeans",
                    "projection", "plot_ranges", "presentation_scale"})
    try:
        return _parse_sections(obj)
    except ValueError as exc:  # kmeans_state's messages name their field too
        raise SceneError(str(exc) if isinstance(exc, SceneError) else f"field {exc}") from None


def _parse_sections(obj: dict) -> Scene:
    model = section(obj, "model", required=True)
    only(model, "model", {"architecture", "code_size", "weights"})
    arch = choice(model.get("architecture"), "model.architecture", tuple(variants.SEED_CODE_SIZE))
    code_size = model.get("code_size")
    if code_size is not None:
        code_size = whole(code_size, "model.code_size", 1, variants.MAX_CODE_NUMBERS)
    try:
        variants.variant(arch, code_size)
    except ValueError as exc:
        raise SceneError(f"field \"model.code_size\": {exc}") from None
    scene: dict[str, Any] = {"architecture": arch, "code_size": code_size,
                             "weights": _weights(section(model, "weights", "model", required=True))}
    tab = obj.get("tab")
    if tab is not None and (not isinstance(tab, str) or not tab.isidentifier()):
        raise SceneError(f"field \"tab\": expected a tab's name such as \"kmeans\", got {short(tab)}")
    scene["tab"] = tab
    noise = section(obj, "noise")
    if noise is not None:
        only(noise, "noise", {"factor", "seed"})
        scene["noise"] = number(noise.get("factor"), "noise.factor", 0.0, MAX_NOISE)
        scene["noise_seed"] = whole(noise.get("seed", 0), "noise.seed", 0, 2 ** 31 - 1)
    digits = section(obj, "digits")
    if digits is not None:
        only(digits, "digits", {"mode", "indices"})
        scene["digit_mode"] = choice(digits.get("mode"), "digits.mode", SELECTION_MODES)
        indices = digits.get("indices")
        if not isinstance(indices, list) or not 0 < len(indices) <= 100:
            raise SceneError(f"field \"digits.indices\": expected a list of 1 to 100 test digit "
                             f"numbers, got {short(indices)}")
        scene["digits"] = tuple(whole(i, "digits.indices", 0, 10 ** 7) for i in indices)
    projection = section(obj, "projection")
    if projection is not None:
        only(projection, "projection", {"method", "params"})
        scene["projection"] = choice(projection.get("method"), "projection.method", PROJECTIONS)
        params = projection.get("params", {})
        if not isinstance(params, dict) or not all(
                isinstance(k, str) and (is_number(v) or isinstance(v, (str, bool)))
                for k, v in params.items()):
            raise SceneError("field \"projection.params\": expected names with numbers or words, "
                             f"got {short(params)}")
        scene["projection_params"] = dict(params)
    scene["plot_ranges"] = _ranges(section(obj, "plot_ranges"))
    scale = obj.get("presentation_scale")
    if scale is not None and not (is_number(scale) and (scale == 0 or 1.0 <= scale <= 3.0)):
        raise SceneError("field \"presentation_scale\": expected 0 (fit the screen) or a scale "
                         f"from 1 to 3, got {short(scale)}")
    scene["presentation_scale"] = None if scale is None else float(scale)
    km = section(obj, "kmeans")
    scene["kmeans"] = None if km is None else _kmeans(km)
    return Scene(**scene)


def _weights(w: dict) -> WeightsRef:
    only(w, "model.weights", {"kind", "path", "sha256"})
    kind = choice(w.get("kind"), "model.weights.kind", WEIGHT_KINDS)
    path, sha = w.get("path"), w.get("sha256")
    if path is not None and (not isinstance(path, str) or not path or "\0" in path):
        raise SceneError(f"field \"model.weights.path\": expected a file's path, got {short(path)}")
    if sha is not None and not (isinstance(sha, str) and len(sha) == 64
                                and all(c in "0123456789abcdef" for c in sha)):
        raise SceneError("field \"model.weights.sha256\": expected 64 lowercase hex digits, "
                         f"got {short(sha)}")
    if kind == "file" and (path is None or sha is None):
        raise SceneError("field \"model.weights\": a weights file needs both its path and its "
                         "sha256; save the scene again after loading the weights")
    if (path is None) != (sha is None):
        raise SceneError("field \"model.weights\": path and sha256 go together")
    return WeightsRef(kind, path, sha)


def _kmeans(km: dict) -> KMeansScene:
    only(km, "kmeans", {"k", "seed", "init", "source", "space", "points", "run"})
    run = km.get("run")
    scene = KMeansScene(k=whole(km.get("k"), "kmeans.k", 1, 1000),
                        seed=whole(km.get("seed"), "kmeans.seed", 0, 2 ** 31 - 1),
                        init=choice(km.get("init"), "kmeans.init", INITS),
                        source=choice(km.get("source"), "kmeans.source", SOURCES),
                        space=choice(km.get("space"), "kmeans.space", SPACES),
                        points=whole(km.get("points"), "kmeans.points", 1, 10 ** 7),
                        run=None if run is None else kmeans_state.run_from_json(run))
    if scene.run is not None and scene.run.k > scene.points:
        raise SceneError(f"field \"kmeans.run.start\": {scene.run.k} centroids for "
                         f"{scene.points} points; K can be at most the number of points")
    return scene


def _ranges(ranges: dict | None) -> dict[str, tuple[float, float, float, float]]:
    if ranges is None:
        return {}
    out = {}
    for name, r in ranges.items():
        where = f"plot_ranges.{name}"
        if name not in PLOTS:
            raise SceneError(f"field \"{where}\": unknown plot; the plots are {', '.join(PLOTS)}")
        if (not isinstance(r, list) or len(r) != 4 or not all(is_number(v) for v in r)
                or not (r[0] < r[1] and r[2] < r[3])):
            raise SceneError(f"field \"{where}\": expected [x0, x1, y0, y1] with x0 < x1 and "
                             f"y0 < y1, got {short(r)}")
        out[name] = tuple(float(v) for v in r)
    return out
