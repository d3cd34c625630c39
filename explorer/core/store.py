"""Save and load weights with their metadata, atomically.

A weights file is Keras' `save_weights` HDF5 (`<arch>.weights.h5`), with a
JSON file beside it (`<arch>.json`) saying what made it. Every write goes to a
temporary file in the same folder and is then moved over the old one with
`os.replace`, so a crash or a kill mid-save leaves the previous file intact.
"""

from __future__ import annotations

import datetime as _dt
import errno
import glob
import json
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from explorer.core import models, untrusted

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

    def summary(self) -> str:
        """One line for the UI: what these weights are."""
        parts = [f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}",
                 f"{self.optimizer} (lr {self.learning_rate:g})"]
        if self.noise:
            parts.append(f"noise {self.noise:g}")
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4f}")
        if self.val_loss is not None:
            parts.append(f"test loss {self.val_loss:.4f}")
        return f"trained on {self.data_source}; " + ", ".join(parts) + f"; {self.date[:10]}"


def weights_path(arch_id: str, folder: str | os.PathLike | None = None) -> Path:
    return Path(folder or TRAINED_DIR) / f"{arch_id}.weights.h5"


def metadata_path(arch_id: str, folder: str | os.PathLike | None = None) -> Path:
    return Path(folder or TRAINED_DIR) / f"{arch_id}.json"


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
    """Write `<arch>.weights.h5` and `<arch>.json` into `folder`, atomically."""
    folder = Path(folder or TRAINED_DIR)
    target = weights_path(model.arch_id, folder)
    try:
        save_pair(model, target, json.dumps(asdict(metadata), indent=2),
                  metadata_path(model.arch_id, folder))
    except OSError as exc:
        raise StoreError(f"cannot save the weights into {folder}: {exc.strerror or exc}. "
                         f"{unchanged_note(target)}Choose a folder you can write to"
                         f"{' and free some space' if exc.errno == errno.ENOSPC else ''}.") from exc
    return target


def unchanged_note(target: Path) -> str:
    """What an interrupted save left: the previous files, untouched (or nothing)."""
    return ("The previous files there are unchanged. " if target.exists()
            else "Nothing was written. ")


def save_pair(model: models.Autoencoder, weights_target: Path, text: str,
              text_target: Path) -> None:
    """The model's weights (with its optimizer's state once compiled and built)
    and a text describing them, both written or neither. Raises OSError.

    Both files are complete on disk before either replaces its old self, so
    a kill or a full disk mid-save leaves the old pair or the new pair: never
    new weights described by the old text (but for the instant between the
    two renames). A failed write removes its temporary file.
    """
    write_weights = _keras_writer(model.autoencoder.save_weights, ".weights.h5")
    weights_tmp = _write_temp(weights_target, write_weights)
    try:
        text_tmp = _write_temp(text_target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        try:
            os.replace(weights_tmp, weights_target)
            os.replace(text_tmp, text_target)
        finally:
            text_tmp.unlink(missing_ok=True)
    finally:
        weights_tmp.unlink(missing_ok=True)


def load_metadata(arch_id: str, folder: str | os.PathLike | None = None) -> Metadata:
    path = metadata_path(arch_id, folder)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: no metadata file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:  # json's parser recurses once per bracket: "[[[[..." ends here
        raise StoreError(f"{path}: not metadata (JSON nested too deeply to read); "
                         "save the weights again to rewrite it") from None
    if not isinstance(raw, dict):
        raise StoreError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED_METADATA if k not in raw]
    if missing:
        raise StoreError(f"{path}: missing field(s) {', '.join(missing)}")
    if raw["arch_id"] != arch_id:
        raise StoreError(f"{path}: metadata is for {raw['arch_id']!r}, not {arch_id!r}")
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
        arch_id=arch_id,
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
        history=tuple(history_pair(h) for h in history))


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
        _check_weights_file(path, model)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # Keras only accepts the .weights.h5 ending; copy other names aside.
            if not path.name.endswith(".weights.h5"):
                with tempfile.TemporaryDirectory() as tmpdir:
                    tmp = Path(tmpdir) / "user.weights.h5"
                    shutil.copyfile(path, tmp)
                    model.autoencoder.load_weights(str(tmp))
            else:
                model.autoencoder.load_weights(str(path))
        # Keras loads what it can and only warns about the rest ("Skipping ...",
        # "... could not be loaded"): half a model is not these weights.
        partial = [str(w.message) for w in caught
                   if "skipping" in str(w.message).lower() or "could not" in str(w.message)]
        if partial:
            raise ValueError(f"part of the model is missing from the file ({partial[0]})")
        if not all(np.isfinite(w).all() for w in model.autoencoder.get_weights()):
            raise ValueError("it holds NaN or infinite weights")
    except Exception as exc:  # Keras raises ValueError, OSError, KeyError...
        model.autoencoder.set_weights(before)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(
            f"{path}: cannot load these weights into the {model.arch_id!r} model "
            f"(a file for another architecture, or a damaged file): {reason}") from None


def _check_weights_file(path: Path, model: models.Autoencoder) -> None:
    """Refuse, before Keras reads a byte of data, a file whose arrays are not numbers
    or are larger than this whole model: Keras reads each array in full before
    comparing its shape, and an empty chunked array may declare gigabytes."""
    _check_h5_arrays(path, sum(w.nbytes for w in model.autoencoder.get_weights()))


def _check_h5_arrays(source, limit: int) -> None:
    """Raise ValueError for an HDF5 file (a path or a file object) holding an array
    that is not numbers or that declares more than `limit` bytes."""
    import h5py

    problems: list[str] = []

    def visit(name: str, obj) -> None:
        if isinstance(obj, h5py.Dataset) and not problems:
            if obj.dtype.kind not in "fiu":
                problems.append(f"{name} holds {obj.dtype} values, not numbers")
            elif obj.size * obj.dtype.itemsize > limit:
                problems.append(f"{name} declares {obj.shape}, more than the whole model holds")

    try:
        with h5py.File(source, "r") as f:
            f.visititems(visit)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ValueError(f"not a readable HDF5 weights file ({str(exc)[:200]})") from None
    if problems:
        raise ValueError(problems[0])


def load(model: models.Autoencoder, folder: str | os.PathLike | None = None) -> Metadata:
    """Load `<arch>.weights.h5` and its metadata from `folder` into `model`."""
    meta = load_metadata(model.arch_id, folder)
    load_weights(model, weights_path(model.arch_id, folder))
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
    """Load a user's `.keras` file in safe mode: no code from Lambda layers runs,
    and no model is built whose weights the file could not hold."""
    keras = models.import_keras()
    try:
        _check_keras_archive(keras, Path(path))
        return keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"{path}: cannot open this Keras model safely: {reason}") from None


def _check_keras_archive(keras, path: Path) -> None:
    """Refuse a .keras archive before Keras builds the model it describes.

    Keras builds every layer (allocating and filling its weights) before it
    reads a single weight, so a config of a few bytes, `"units": 262144`,
    took 2.5 GB and 7 s here before failing. The model is first built
    without state (`keras.StatelessScope` defers every variable's
    initialisation) to count the bytes its weights need; a genuine file
    stores all of them in model.weights.h5.
    """
    import zipfile

    size = path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            untrusted.check_zip_member(info, size)
        config = json.loads(zf.read("config.json"))
        stored = zf.getinfo("model.weights.h5").file_size
    if not isinstance(config, dict):
        raise ValueError("config.json does not describe a model")
    config = dict(config, compile_config=None)
    from keras.src.backend.common import global_state

    # initialize_variables=False, or leaving the scope would allocate them
    # all; Keras then keeps them in a global list of variables to initialise
    # later, which is put back as it was (else each check would leak a model).
    pending = list(global_state.get_global_attribute("uninitialized_variables") or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        needed = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in model.weights)
    finally:
        global_state.set_global_attribute("uninitialized_variables", pending)
    if needed > stored:
        raise ValueError(f"its configuration declares {needed:,} bytes of weights but the "
                         f"file stores {stored:,}: it is damaged")
    # And no stored array larger than all the weights the model has (Keras
    # reads each in full before comparing shapes: 12.8 GB for a forged one).
    with zipfile.ZipFile(path) as zf, zf.open("model.weights.h5") as weights:
        _check_h5_arrays(weights, needed)
