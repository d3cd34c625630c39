"""Small text formatters shared by the panels.

Qt-free on purpose, so they are unit-tested without a QApplication, and so
every panel writes durations, losses and counts the same way.
"""

from __future__ import annotations

import math

NOT_AVAILABLE = "–"


def _is_number(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def format_duration(seconds: float | None) -> str:
    """Seconds as "mm:ss", or "h:mm:ss" past an hour; "--:--" when unknown.

    The trainer's ETA is NaN before the first batch: that must read as
    "not known yet", never as "00:00".
    """
    if not _is_number(seconds) or seconds < 0:
        return "--:--"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_loss(value: float | None, digits: int = 4) -> str:
    """A loss as "0.1234"; huge ones (a diverging run) in scientific notation."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1e4 or (value != 0 and abs(value) < 10 ** -digits):
        return f"{value:.{max(1, digits - 1)}e}"
    return f"{value:.{digits}f}"


def format_count(n: int) -> str:
    """Thousands separated, as the seed's parameter counts are usually quoted."""
    return f"{int(n):,}"


def format_rate(samples_per_s: float | None) -> str:
    if not _is_number(samples_per_s) or samples_per_s <= 0:
        return f"{NOT_AVAILABLE} samples/s"
    if samples_per_s >= 100:
        return f"{samples_per_s:,.0f} samples/s"
    return f"{samples_per_s:.1f} samples/s"


def format_learning_rate(lr: float | None) -> str:
    """Learning rates span 1e-5..1e38: %g keeps both ends short."""
    if lr is None:
        return "default"
    return f"{lr:g}"


def format_shape(shape_text: str) -> str:
    """Keras' "(batch, 4, 4, 8)" as "4×4×8": the per-image shape, short enough
    for a table in a narrow dock (the batch dimension is the same for all)."""
    dims = [d.strip() for d in shape_text.strip("()").split(",")]
    dims = [d for d in dims if d and d not in ("batch", "None")]
    return "×".join(dims) if dims else shape_text


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 epoch", "3 epochs"; `many` for irregular plurals ("batches")."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def run_label(number: int, arch_id: str, optimizer: str) -> str:
    """The legend entry of a finished run: "run 1: simple, adam"."""
    return f"run {number}: {arch_id}, {optimizer}"


def progress_text(epoch: int, epochs: int, batch: int, batches: int) -> str:
    """epoch is 1-based here (the epoch in progress), as a person counts."""
    return f"epoch {epoch}/{epochs} · batch {batch}/{batches}"


def progress_fraction(epochs_done: int, epochs: int, batch: int, batches: int) -> float:
    """Overall progress of a run in [0, 1]; epochs_done counts whole epochs."""
    if epochs <= 0 or batches <= 0:
        return 0.0
    done = epochs_done * batches + batch
    return min(1.0, max(0.0, done / (epochs * batches)))
