"""Lesson files: a guided lecture as TOML, read and checked before any step is shown.

A lesson is a `[lesson]` table (title, description) and `[[step]]` tables,
in order. Each step has:

- `title` (required) and `text` (required): a few sentences; a blank line
  starts a paragraph and *stars* emphasise; maths as plain text or Unicode.
- `code` (optional): the program's own Keras code for the step's model.
- `setup` (optional): how the step sets the window up, the keys of
  `explorer.ui.window_state.apply` (architecture, weights, tab, noise,
  noise_seed, digits, kmeans, projection, presentation, scale).
- `figures` (optional): the tutorial's figures to show beside the live ones,
  `{ what = "test loss", tutorial = 0.11, epochs = 50, optimizer = "adadelta" }`;
  `what` is one of FIGURE_KINDS; `epochs` and `optimizer` (what the tutorial
  trained with) let the step say why the live value differs.
- `train` (optional): a short run for "Train it now", `{ epochs = 2 }` with
  optional `optimizer` and `batch_size`.
- `scene` (optional): a scene file (relative to the lesson file) to restore.

Every problem is a `LessonError` naming the file, the step (number and
title) and the field; unknown keys are refused with the list of known ones,
so a typing slip never silently does nothing in front of a class. No Qt here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.core import package_data, window_setup

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LESSON_KEYS = ("title", "description")
STEP_KEYS = ("title", "text", "code", "setup", "figures", "train", "scene")
FIGURE_KEYS = ("what", "tutorial", "epochs", "optimizer", "note")
FIGURE_KINDS = ("test loss", "train loss", "mean activation")
TRAIN_KEYS = ("epochs", "optimizer", "batch_size")
OPTIMIZERS = ("adam", "adadelta")  # as explorer.core.models has them
MAX_LESSON_EPOCHS = 20  # "train it now" is for a lecture: minutes, not hours
MAX_STEPS = 200


class LessonError(ValueError):
    """A lesson file that cannot be used, with the file, step and field in the message."""


@dataclass(frozen=True)
class Figure:
    """A figure the tutorial states, to be set beside the one measured live."""

    what: str  # one of FIGURE_KINDS
    tutorial: float
    epochs: int | None = None  # what the tutorial trained for
    optimizer: str | None = None  # and with
    note: str = ""


@dataclass(frozen=True)
class TrainPlan:
    """The short run "Train it now" starts (the dock's other settings stay)."""

    epochs: int
    optimizer: str | None = None
    batch_size: int | None = None


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    code: str = ""
    setup: Mapping[str, Any] = field(default_factory=dict)
    figures: tuple[Figure, ...] = ()
    train: TrainPlan | None = None
    scene: Path | None = None  # absolute: resolved against the lesson's folder


@dataclass(frozen=True)
class Lesson:
    title: str
    description: str
    steps: tuple[Step, ...]
    path: Path | None = None

    @property
    def folder(self) -> Path:
        """Where the lesson's relative paths (weights, scenes) start."""
        return self.path.parent if self.path is not None else Path.cwd()


def builtin_folder() -> Path:
    """The lessons the program ships (resources/lessons, or the installed copy)."""
    return package_data.shipped_folder("resources") / "lessons"


def builtin_lessons() -> list[Path]:
    """The shipped lesson files, the homework first."""
    paths = sorted(builtin_folder().glob("*.toml"))
    return sorted(paths, key=lambda p: (p.stem != "homework", p.stem))


def load_lesson(path: str | Path) -> Lesson:
    """Read and check a lesson file; LessonError says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{path}: cannot read the lesson file ({exc})") from None
    return parse_lesson(text, path)


def parse_lesson(text: str, path: str | Path | None = None) -> Lesson:
    """The lesson in `text` (TOML); `path` names it in messages and anchors its paths."""
    path = Path(path) if path is not None else None
    where = str(path) if path is not None else "<lesson>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{where}: not valid TOML ({exc}); see resources/lessons/README "
                          "for the format") from None
    unknown = [k for k in data if k not in ("lesson", "step")]
    if unknown:
        raise LessonError(f"{where}: unknown top-level {_names(unknown)}; a lesson has a "
                          "[lesson] table and [[step]] tables")
    head = data.get("lesson")
    if not isinstance(head, dict):
        raise LessonError(f"{where}: no [lesson] table with the title and description")
    _refuse_unknown(head, LESSON_KEYS, f"{where}, [lesson]")
    title = _text(head, "title", f"{where}, [lesson]")
    description = _text(head, "description", f"{where}, [lesson]", required=False)
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{where}: no steps; add [[step]] tables with a title and a text")
    if len(raw_steps) > MAX_STEPS:
        raise LessonError(f"{where}: {len(raw_steps)} steps; a lesson has at most {MAX_STEPS}")
    folder = path.parent if path is not None else Path.cwd()
    steps = tuple(_step(raw, n, where, folder) for n, raw in enumerate(raw_steps, start=1))
    return Lesson(title, description, steps, path)


def _step(raw: Any, n: int, where: str, folder: Path) -> Step:
    if not isinstance(raw, dict):
        raise LessonError(f"{where}, step {n}: a step must be a table")
    title = raw.get("title")
    named = f"{where}, step {n}" + (f" ({title!r})" if isinstance(title, str) else "")
    _refuse_unknown(raw, STEP_KEYS, named)
    title = _text(raw, "title", named)
    text = _text(raw, "text", named)
    code = _text(raw, "code", named, required=False)
    setup = raw.get("setup", {})
    problems = window_setup.check(setup)
    if problems:
        raise LessonError(f"{named}, field setup: " + "; ".join(problems))
    figures = raw.get("figures", [])
    if not isinstance(figures, list):
        raise LessonError(f"{named}, field figures: expected a list of tables such as "
                          "[{ what = \"test loss\", tutorial = 0.11 }]")
    scene = raw.get("scene")
    if scene is not None and (not isinstance(scene, str) or not scene.strip()):
        raise LessonError(f"{named}, field scene: expected the path of a scene file")
    return Step(title, text, code, dict(setup),
                tuple(_figure(f, f"{named}, field figures[{i}]") for i, f in enumerate(figures)),
                _train(raw["train"], f"{named}, field train") if "train" in raw else None,
                (folder / scene).resolve() if scene else None)


def _figure(raw: Any, named: str) -> Figure:
    if not isinstance(raw, dict):
        raise LessonError(f"{named}: expected a table such as {{ what = \"test loss\", "
                          "tutorial = 0.11 }")
    _refuse_unknown(raw, FIGURE_KEYS, named)
    what = raw.get("what")
    if what not in FIGURE_KINDS:
        raise LessonError(f"{named}, what: expected one of {', '.join(FIGURE_KINDS)}, got {what!r}")
    tutorial = window_setup.number(raw.get("tutorial"), 0.0, 1e6)
    if isinstance(tutorial, str):
        raise LessonError(f"{named}, tutorial: {tutorial}")
    epochs = raw.get("epochs")
    if epochs is not None and isinstance(window_setup.integer(epochs, 1), str):
        raise LessonError(f"{named}, epochs: {window_setup.integer(epochs, 1)}")
    optimizer = raw.get("optimizer")
    if optimizer is not None and optimizer not in OPTIMIZERS:
        raise LessonError(f"{named}, optimizer: expected one of {', '.join(OPTIMIZERS)}, "
                          f"got {optimizer!r}")
    return Figure(what, tutorial, epochs, optimizer, _text(raw, "note", named, required=False))


def _train(raw: Any, named: str) -> TrainPlan:
    if not isinstance(raw, dict):
        raise LessonError(f"{named}: expected a table such as {{ epochs = 2 }}")
    _refuse_unknown(raw, TRAIN_KEYS, named)
    epochs = window_setup.integer(raw.get("epochs"), 1, MAX_LESSON_EPOCHS)
    if isinstance(epochs, str):
        raise LessonError(f"{named}, epochs: {epochs} (a lecture's run is 1 to "
                          f"{MAX_LESSON_EPOCHS} epochs)")
    optimizer = raw.get("optimizer")
    if optimizer is not None and optimizer not in OPTIMIZERS:
        raise LessonError(f"{named}, optimizer: expected one of {', '.join(OPTIMIZERS)}, "
                          f"got {optimizer!r}")
    batch_size = raw.get("batch_size")
    if batch_size is not None and isinstance(window_setup.integer(batch_size, 1, 8192), str):
        raise LessonError(f"{named}, batch_size: {window_setup.integer(batch_size, 1, 8192)}")
    return TrainPlan(epochs, optimizer, batch_size)


def _text(table: dict, key: str, named: str, required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(f"{named}, field {key}: expected {'a non-empty' if required else 'a'} "
                          f"text, got {value!r}")
    return value.strip()


def _refuse_unknown(table: dict, known: tuple[str, ...], named: str) -> None:
    unknown = [k for k in table if k not in known]
    if unknown:
        raise LessonError(f"{named}: unknown field {_names(unknown)}; known fields: "
                          f"{', '.join(known)}")


def _names(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)
