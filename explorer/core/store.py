"""Save and load weights with their metadata, atomically.

A weights file is Keras' `save_weights` HDF5 (`<name>.weights.h5`), with a
JSON file beside it (`<name>.json`) saying what made it. The name is the
model's variant name (`explorer.core.variants`): the bare architecture id for
the seed's code size ("simple"), else with the size ("simple-8"). Every write goes to a
temporary file in the same folder and is then moved over the old one with
`os.replace`, so a crash or a kill mid-save leaves the previous file intact.
"""

from __future__ import annotations

import datetime as _dt
import glob
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from explorer.core import models, variants

TRAINED_DIR = Path(__file__).resolve().parents[2] / "trained"

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


def weights_path(name: str, folder: str | os.PathLike | None = None) -> Path:
    """`<name>.weights.h5` in folder; name is an architecture id or a variant name."""
    return Path(folder or TRAINED_DIR) / f"{name}.weights.h5"


def metadata_path(name: str, folder: str | os.PathLike | None = None) -> Path:
    return Path(folder or TRAINED_DIR) / f"{name}.json"


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


# A temporary file this old was left by a save that was killed, not one
# still being written (a save takes seconds).
LEFTOVER_AGE_S = 600


def _remove_leftovers(target: Path) -> None:
    """Delete the hidden temporary files of earlier saves of target that were killed."""
    now = time.time()
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*"):
        try:
            if now - leftover.stat().st_mtime > LEFTOVER_AGE_S:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: no reason to fail a save


def _write_temp(target: Path, write) -> Path:
    """Call write(tmp_path) for a temporary file beside target, flushed to disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _atomic_write(target: Path, write) -> None:
    """Call write(tmp_path), then move tmp over target in one step."""
    tmp = _write_temp(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _keras_writer(save_to, ending: str):
    """A write(tmp) for _write_temp around a Keras save that insists on its ending.

    Keras refuses file names without ".weights.h5" / ".keras", so it writes a
    sibling with that ending (same folder, so the final rename stays atomic),
    which then takes the temporary file's place.
    """
    def write(tmp: Path) -> None:
        named = tmp.with_name(tmp.name[:-len(".tmp")] + ending)
        try:
            save_to(str(named))
            os.replace(named, tmp)
        finally:
            named.unlink(missing_ok=True)

    return write


def save(model: models.Autoencoder, metadata: Metadata,
         folder: str | os.PathLike | None = None) -> Path:
    """Write `<name>.weights.h5` and `<name>.json` into `folder`, atomically."""
    write_weights = _keras_writer(model.autoencoder.save_weights, ".weights.h5")
    return _save_pair(model.variant.name, write_weights, metadata, folder)


def save_weights_bytes(data: bytes, metadata: Metadata,
                       folder: str | os.PathLike | None = None) -> Path:
    """As `save`, for weights that arrive as the bytes of a `.weights.h5` file.

    A sweep's trials train on other processes or machines and send their
    weights back this way; the file is written as `save` writes it.
    """
    return _save_pair(metadata.variant.name, lambda tmp: tmp.write_bytes(data), metadata,
                      folder)


def _save_pair(name: str, write_weights, metadata: Metadata,
               folder: str | os.PathLike | None) -> Path:
    folder = Path(folder or TRAINED_DIR)
    target = weights_path(name, folder)
    try:
        text = json.dumps(asdict(metadata), indent=2)
        # Both files are complete on disk before either replaces its old self,
        # so a kill mid-save leaves the old pair or the new pair: never new
        # weights described by the old metadata (but for the instant between
        # the two renames).
        weights_tmp = _write_temp(target, write_weights)
        try:
            meta_tmp = _write_temp(metadata_path(name, folder),
                                   lambda tmp: tmp.write_text(text, encoding="utf-8"))
            try:
                os.replace(weights_tmp, target)
                os.replace(meta_tmp, metadata_path(name, folder))
            finally:
                meta_tmp.unlink(missing_ok=True)
        finally:
            weights_tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot save the weights into {folder}: {exc.strerror or exc}. "
                         f"Choose a folder you can write to.") from exc
    return target


def write_bytes_atomically(target: str | os.PathLike, data: bytes) -> Path:
    """Write a whole file in one step: a reader sees the old file or the new one."""
    target = Path(target)
    try:
        _atomic_write(target, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}. "
                         f"Choose a folder you can write to.") from exc
    return target


def write_text_atomically(target: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomically(target, text.encode("utf-8"))


def load_metadata(name: str, folder: str | os.PathLike | None = None) -> Metadata:
    """`<name>.json` from folder (name: "simple", or a variant's, "simple-8")."""
    path = metadata_path(name, folder)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: no metadata file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: not valid JSON ({exc})") from None
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


def load_weights(model: models.Autoencoder, path: str | os.PathLike) -> None:
    """Load a weights file into `model`, or raise StoreError leaving it unchanged."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such weights file")
    before = model.autoencoder.get_weights()
    try:
        # Keras only accepts the .weights.h5 ending; copy other names aside.
        if not path.name.endswith(".weights.h5"):
            with tempfile.TemporaryDirectory() as tmpdir:
                tmp = Path(tmpdir) / "user.weights.h5"
                shutil.copyfile(path, tmp)
                model.autoencoder.load_weights(str(tmp))
        else:
            model.autoencoder.load_weights(str(path))
    except Exception as exc:  # Keras raises ValueError, OSError, KeyError...
        model.autoencoder.set_weights(before)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(
            f"{path}: cannot load these weights into the {model.variant.name!r} model "
            f"(a file for another architecture, or a damaged file): {reason}") from None


def load(model: models.Autoencoder, folder: str | os.PathLike | None = None) -> Metadata:
    """Load `<name>.weights.h5` and its metadata from `folder` into `model`."""
    meta = load_metadata(model.variant.name, folder)
    load_weights(model, weights_path(model.variant.name, folder))
    return meta


def export_keras(model: models.Autoencoder, path: str | os.PathLike) -> Path:
    """The whole autoencoder as a `.keras` file that plain Keras can load."""
    path = Path(path)
    if path.suffix != ".keras":
        path = path.with_suffix(".keras")

    try:
        _atomic_write(path, _keras_writer(model.autoencoder.save, ".keras"))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def open_keras_file(path: str | os.PathLike):
    """Load a user's `.keras` file in safe mode: no code from Lambda layers runs."""
    keras = models.import_keras()
    try:
        return keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"{path}: cannot open this Keras model safely: {reason}") from None
