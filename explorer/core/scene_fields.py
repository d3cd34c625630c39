"""Reading a scene's fields: each check names the field and says what it must be.

Shared by scene_file's parser; every failure is a SceneError whose message
starts with the field's dotted name ("kmeans.k") as the file spells it.
"""

from __future__ import annotations

import json
import math
from typing import Any

VERSION = 1  # the newest scene version this program reads


class SceneError(ValueError):
    """A scene file that cannot be used; the message says which field and what to do."""


def section(obj: dict, name: str, parent: str = "", required: bool = False) -> dict | None:
    where = f"{parent}.{name}" if parent else name
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise SceneError(f"field \"{where}\": expected an object {{...}}, got {short(value)}")
    return value


def only(obj: dict, where: str, allowed: set[str]) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        name = f"{where}.{unknown[0]}" if where else unknown[0]
        raise SceneError(f"unknown field \"{name}\": this program reads scenes of version "
                         f"{VERSION}, whose fields there are {', '.join(sorted(allowed))}")


def choice(value: Any, where: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise SceneError(f"field \"{where}\": expected one of {', '.join(allowed)}, got {short(value)}")
    return value


def whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SceneError(f"field \"{where}\": expected a whole number from {low} to {high:,}, "
                         f"got {short(value)}")
    return value


def number(value: Any, where: str, low: float, high: float) -> float:
    if not is_number(value) or not low <= value <= high:
        raise SceneError(f"field \"{where}\": expected a number from {low} to {high}, got {short(value)}")
    return float(value)


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def short(value: Any) -> str:
    text = json.dumps(value) if _jsonable(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError, RecursionError):
        return False
