"""The setup dict of a lesson step or a scene, checked without a window.

`explorer.ui.window_state.apply(window, setup)` sets a window up from it and
documents every key; this module holds the keys and the checks that need no
window (types, ranges, known words), so a lesson file is refused on load,
naming the field, rather than half-applied in front of a class. What only the
window can tell (is there such a tab, are there that many test digits, do the
weights exist) is said when the step is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from explorer.core import variants

KEYS = ("architecture", "weights", "tab", "noise", "noise_seed", "digits", "kmeans",
        "projection", "presentation", "scale")
WEIGHTS_WORDS = ("current", "shipped", "fresh")
KMEANS_KEYS = ("k", "seed", "init", "space", "source", "points")
KMEANS_INITS = ("k-means++", "random points", "click to place")
KMEANS_SPACES = ("map", "full")
KMEANS_SOURCES = ("latent", "pixels")
PROJECTION_METHODS = ("pca", "tsne", "umap")
SCALE_RANGE = (1.0, 3.0)


def number(value: Any, lo: float, hi: float) -> float | str:
    """`value` as a float in lo..hi, or the sentence saying why it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"expected a number from {lo:g} to {hi:g}, got {value!r}"
    if not lo <= value <= hi:
        return f"{value!r} is outside {lo:g}..{hi:g}"
    return float(value)


def integer(value: Any, lo: int, hi: int | None = None) -> int | str:
    """`value` as a whole number >= lo (and <= hi), or the sentence saying why not."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a whole number, got {value!r}"
    if value < lo or (hi is not None and value > hi):
        return f"{value} is outside {lo}..{hi}" if hi is not None else f"{value} is below {lo}"
    return value


def parse_variant(value: Any) -> variants.Variant:
    """An architecture id or a variant name ("simple-8"); ValueError says what to write."""
    if not isinstance(value, str):
        raise ValueError(f"expected a name such as \"simple\" or \"simple-8\", got {value!r}")
    try:
        return variants.parse(value.strip().lower())
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{value!r} is not a model ({exc}); use one of "
                         f"{', '.join(variants.SEED_CODE_SIZE)} or a variant such as "
                         "simple-8") from None


def check(setup: Any) -> list[str]:
    """Problems with `setup` that need no window, each starting with its key."""
    if not isinstance(setup, Mapping):
        return [f"the setup must be a table of settings, got {type(setup).__name__}"]
    problems = [f"{key!r} is not a setting; known ones: {', '.join(KEYS)}"
                for key in setup if key not in KEYS]
    for key in KEYS:
        if key in setup:
            problem = check_key(key, setup[key])
            if problem:
                problems.append(f"{key}: {problem}")
    return problems


def check_key(key: str, value: Any) -> str | None:
    """The problem with `value` for the known setting `key`, or None when it is usable."""
    return _CHECKS[key](value)


def _check_architecture(value) -> str | None:
    try:
        parse_variant(value)
    except ValueError as exc:
        return str(exc)
    return None


def _check_weights(value) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"expected one of {', '.join(WEIGHTS_WORDS)} or a .weights.h5 path, got {value!r}"


def _check_tab(value) -> str | None:
    return None if isinstance(value, str) and value.strip() else \
        f"expected a tab's title or key, got {value!r}"


def _check_number(lo: float, hi: float):
    def check_one(value) -> str | None:
        answer = number(value, lo, hi)
        return answer if isinstance(answer, str) else None

    return check_one


def _check_seed(value) -> str | None:
    answer = integer(value, 0)
    return answer if isinstance(answer, str) else None


def _check_digits(value) -> str | None:
    if (not isinstance(value, list | tuple) or not value
            or any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in value)):
        return f"expected a list of test-digit indices such as [0, 1, 2], got {value!r}"
    return None


def _check_kmeans(value) -> str | None:
    if not isinstance(value, Mapping):
        return f"expected a table of {', '.join(KMEANS_KEYS)}, got {value!r}"
    unknown = [k for k in value if k not in KMEANS_KEYS]
    if unknown:
        return f"{', '.join(map(repr, unknown))} not known; use {', '.join(KMEANS_KEYS)}"
    for key in ("k", "seed", "points"):
        if key in value:
            answer = integer(value[key], 1 if key != "seed" else 0)
            if isinstance(answer, str):
                return f"{key}: {answer}"
    for key, words in (("init", KMEANS_INITS), ("space", KMEANS_SPACES),
                       ("source", KMEANS_SOURCES)):
        if key in value and value[key] not in words:
            return f"{key} must be one of {', '.join(words)}, got {value[key]!r}"
    return None


def _check_projection(value) -> str | None:
    if not isinstance(value, Mapping) or value.get("method") not in PROJECTION_METHODS:
        return (f"expected a table with a method ({', '.join(PROJECTION_METHODS)}) and its "
                f"parameters, got {value!r}")
    return None


def _check_presentation(value) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {value!r}"


def _check_scale(value) -> str | None:
    if value == "fit":
        return None
    answer = number(value, *SCALE_RANGE)
    return f"{answer} (or \"fit\")" if isinstance(answer, str) else None


_CHECKS = {"architecture": _check_architecture, "weights": _check_weights, "tab": _check_tab,
           "noise": _check_number(0.0, 1.0), "noise_seed": _check_seed, "digits": _check_digits,
           "kmeans": _check_kmeans, "projection": _check_projection,
           "presentation": _check_presentation, "scale": _check_scale}
