"""What a weights file says about itself: the JSON beside it, read strictly.

A hand-edited or damaged file fails here, as a StoreError naming the file
and the field, not later as a ValueError in a summary or a plot.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from explorer.core import models, variants

__all__ = ["Metadata", "REQUIRED_METADATA", "StoreError", "make_metadata", "metadata_from_json"]

REQUIRED_METADATA = ("arch_id", "keras_version", "optimizer", "epochs")


class StoreError(RuntimeError):
    """A weights or metadata file that cannot be read or written; says which and why."""


@dataclass(frozen=True)
class Metadata:
    arch_id: str
    keras_version: str
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    noise: float
    train_loss: float | None
    val_loss: float | None
    data_source: str
    date: str
    history: tuple = ()  # per-epoch (train_loss, val_loss)
    # Units (dense) or filters (conv) of the code; None, as in files written
    # before variants existed, is the seed's size.
    code_size: int | None = None

    @property
    def variant(self) -> variants.Variant:
        return variants.variant(self.arch_id, self.code_size)

    def summary(self) -> str:
        """One line for the UI: what these weights are."""
        parts = [f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}",
                 f"{self.optimizer} (lr {self.learning_rate:g})"]
        if not self.variant.is_seed:
            parts.insert(0, f"code of {self.variant.size_text}")
        if self.noise:
            parts.append(f"noise {self.noise:g}")
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4f}")
        if self.val_loss is not None:
            parts.append(f"test loss {self.val_loss:.4f}")
        return f"trained on {self.data_source}; " + ", ".join(parts) + f"; {self.date[:10]}"


def make_metadata(model: models.Autoencoder, result, config, data_source: str) -> Metadata:
    """Metadata for weights produced by `training.train(...)`."""
    keras = models.import_keras()
    final = result.final if result is not None else None
    history = tuple((h.train_loss, h.val_loss) for h in result.history) if result else ()
    return Metadata(
        arch_id=model.arch_id,
        keras_version=keras.__version__,
        optimizer=config.optimizer,
        learning_rate=config.effective_learning_rate,
        epochs=result.epochs_done if result else 0,
        batch_size=config.batch_size,
        noise=config.effective_noise,
        train_loss=final.train_loss if final else None,
        val_loss=final.val_loss if final else None,
        data_source=data_source,
        date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        history=history,
        code_size=model.variant.code_size,
    )


def metadata_from_json(raw, name: str, path: Path) -> Metadata:
    """The Metadata of `<name>.json` at `path`, whose parsed content is `raw`."""
    if not isinstance(raw, dict):
        raise StoreError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED_METADATA if k not in raw]
    if missing:
        raise StoreError(f"{path}: missing field(s) {', '.join(missing)}")
    try:
        expected = variants.parse(name)
        stored = variants.variant(str(raw["arch_id"]), raw.get("code_size"))
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{path}: {exc}") from None
    if stored != expected:
        raise StoreError(f"{path}: metadata is for {stored.name!r}, not {name!r}")
    # A hand-edited file must fail here, as a StoreError the session turns
    # into a note, not later as a ValueError in a summary or a plot.
    def value(key: str, cast, default=None, want: str = "a number"):
        v = raw.get(key)
        if v is None or v == "":
            return default
        try:
            if isinstance(v, (bool, list, dict)):
                raise TypeError
            return cast(v)
        except (TypeError, ValueError, OverflowError):
            raise StoreError(f"{path}: field {key!r} should be {want}, got {v!r}") from None

    def history_pair(h) -> tuple[float | None, float | None]:
        if not isinstance(h, (list, tuple)) or len(h) != 2:
            raise StoreError(f"{path}: each 'history' entry should be [train_loss, val_loss], "
                             f"got {h!r}")
        return tuple(None if v is None else _loss(v, path) for v in h)

    history = raw.get("history") or ()
    if not isinstance(history, (list, tuple)):
        raise StoreError(f"{path}: field 'history' should be a list, got {history!r}")
    return Metadata(
        arch_id=stored.arch_id,
        keras_version=str(raw["keras_version"]),
        optimizer=str(raw["optimizer"]),
        learning_rate=value("learning_rate", float, 0.0),
        epochs=value("epochs", int, 0, "a whole number"),
        batch_size=value("batch_size", int, 0, "a whole number"),
        noise=value("noise", float, 0.0),
        train_loss=value("train_loss", float),
        val_loss=value("val_loss", float),
        data_source=str(raw.get("data_source") or "unknown data"),
        date=str(raw.get("date") or ""),
        history=tuple(history_pair(h) for h in history),
        code_size=stored.code_size)


def _loss(v, path: Path) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise StoreError(f"{path}: 'history' holds {v!r} where a loss should be")
    return float(v)
