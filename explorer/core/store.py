"""Save and load weights with their metadata, atomically.

A weights file is Keras' `save_weights` HDF5 (`<name>.weights.h5`), with a
JSON file beside it (`<name>.json`) saying what made it. The name is the
model's variant name (`explorer.core.variants`): the bare architecture id for
the seed's code size ("simple"), else with the size ("simple-8"). Every write goes to a
temporary file in the same folder and is then moved over the old one with
`os.replace`, so a crash or a kill mid-save leaves the previous file intact.

Two places hold weights: the shipped ones (read-only, inside the installed
package or the checkout's trained/) and the user's own, in the user data
folder (explorer.core.userdata), where every save goes unless told
otherwise. At start the user's own weights for an architecture win over the
shipped ones (`find_weights`, `load_preferred`); nothing ever writes into
the installed package.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from explorer.core import models, package_data, untrusted, userdata, variants
from explorer.core.atomic_files import atomic_write, keras_writer, write_temp

# The shipped weights: explorer/_trained when installed, trained/ in a checkout.
TRAINED_DIR = package_data.shipped_folder("trained")
USER, SHIPPED = "user", "shipped"  # where a weights file comes from
SET_ASIDE = "set-aside"  # sub-folder of the user's weights for those reverted from

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


def _folder(folder: str | os.PathLike | None) -> Path:
    """A given folder, or by default the user's weights folder (not created by looking)."""
    return Path(folder) if folder else userdata.weights_dir(create=False)


def weights_path(name: str, folder: str | os.PathLike | None = None) -> Path:
    """`<name>.weights.h5` in `folder` (name: an architecture id, or a variant's
    name such as "simple-8"); by default in the user's weights folder."""
    return _folder(folder) / f"{name}.weights.h5"


def metadata_path(name: str, folder: str | os.PathLike | None = None) -> Path:
    """`<name>.json` in `folder`; by default in the user's weights folder."""
    return _folder(folder) / f"{name}.json"


def shipped_weights(arch_id: str) -> Path:
    """The pre-trained weights that ship with the program (the file may be absent)."""
    return weights_path(arch_id, TRAINED_DIR)


def user_weights(arch_id: str) -> Path:
    """The user's own weights for `arch_id` (the file may be absent)."""
    return weights_path(arch_id, userdata.weights_dir(create=False))


def weights_candidates(name: str) -> list[tuple[Path, str]]:
    """The weights files that exist for `name`, best first: the user's, then the shipped.

    `name` is an architecture id or a variant's name ("simple-8"); only the
    seed's five ship with the program, so a variant has at most the user's own.
    """
    variants.parse(name)  # an unknown name is a ValueError here, not "no weights"
    found = [(user_weights(name), USER), (shipped_weights(name), SHIPPED)]
    return [(path, origin) for path, origin in found if path.is_file()]


def find_weights(name: str) -> tuple[Path, str] | None:
    """The weights the program starts with: (path, "user" or "shipped"), or None if neither."""
    candidates = weights_candidates(name)
    return candidates[0] if candidates else None


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


def _refuse_package_folder(target: Path) -> None:
    if package_data.is_inside_package(target):
        raise StoreError(f"{target.parent} is part of the installed program and is never "
                         f"written to; save into your own folder (by default "
                         f"{userdata.weights_dir(create=False)}).")


def save(model: models.Autoencoder, metadata: Metadata,
         folder: str | os.PathLike | None = None) -> Path:
    """Write `<name>.weights.h5` and `<name>.json` into `folder`, atomically (name:
    the model's variant name, "simple" or "simple-8").

    By default into the user's weights folder, where `find_weights` then
    prefers them to the shipped ones.
    """
    write_weights = keras_writer(model.autoencoder.save_weights, ".weights.h5")
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
    folder = _folder(folder)
    target = weights_path(name, folder)
    _refuse_package_folder(target)
    try:
        write_pair(write_weights, target, json.dumps(asdict(metadata), indent=2),
                   metadata_path(name, folder))
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
    and a text describing them, both written or neither (recovery checkpoints
    are written so). Raises OSError."""
    write_pair(keras_writer(model.autoencoder.save_weights, ".weights.h5"), weights_target,
               text, text_target)


def write_pair(write_weights, weights_target: Path, text: str, text_target: Path) -> None:
    """Weights written by `write_weights(tmp)` and a text, both or neither. Raises OSError.

    Both files are complete on disk before either replaces its old self, so
    a kill or a full disk mid-save leaves the old pair or the new pair: never
    new weights described by the old text (but for the instant between the
    two renames). A failed write removes its temporary file.
    """
    weights_tmp = write_temp(weights_target, write_weights)
    try:
        text_tmp = write_temp(text_target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        try:
            os.replace(weights_tmp, weights_target)
            os.replace(text_tmp, text_target)
        finally:
            text_tmp.unlink(missing_ok=True)
    finally:
        weights_tmp.unlink(missing_ok=True)


def _reading_folder(name: str, folder: str | os.PathLike | None) -> str | os.PathLike | None:
    """Where a load with no folder reads: beside the weights the program starts
    with (the user's own, else, for the five architectures, the shipped ones)."""
    if folder is None:
        try:
            found = find_weights(name)
        except ValueError:  # no model's name: load_metadata says so, as a StoreError
            return folder
        if found is not None:
            return found[0].parent
    return folder


def write_bytes_atomically(target: str | os.PathLike, data: bytes) -> Path:
    """Write a whole file in one step: a reader sees the old file or the new one."""
    target = Path(target)
    try:
        atomic_write(target, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}. "
                         f"Choose a folder you can write to.") from exc
    return target


def write_text_atomically(target: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomically(target, text.encode("utf-8"))


def load_metadata(name: str, folder: str | os.PathLike | None = None) -> Metadata:
    """The metadata `<name>.json` in `folder` (name: "simple", or a variant's,
    "simple-8"); by default of the weights the program starts with (the
    user's own, else the shipped ones)."""
    path = metadata_path(name, _reading_folder(name, folder))
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
            f"{path}: cannot load these weights into the {model.variant.name!r} model "
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
    """Load `<name>.weights.h5` and its metadata from `folder` into `model` (name:
    the model's variant name).

    With no folder: from where `find_weights` points (the user's own weights,
    else the shipped ones).
    """
    name = model.variant.name
    if folder is None and name in models.ARCH_IDS and find_weights(name) is None:
        raise StoreError(f"no weights for {name!r}: neither your own "
                         f"({user_weights(name)}) nor shipped ones "
                         f"({shipped_weights(name)})")
    folder = _reading_folder(name, folder)
    meta = load_metadata(name, folder)
    load_weights(model, weights_path(name, folder))
    return meta


@dataclass(frozen=True)
class LoadedWeights:
    """What `load_preferred` put into a model, in words the UI can show as they are."""

    path: Path | None  # None: no usable file, the model keeps fresh weights
    origin: str  # USER, SHIPPED, or "fresh"
    metadata: Metadata | None  # None when the file had no readable description
    note: str  # one sentence: which weights these are
    skipped: tuple[str, ...] = ()  # why better candidates were passed over


def load_preferred(model: models.Autoencoder) -> LoadedWeights:
    """Load the best usable weights into `model`: the user's own, else the shipped ones
    (by the model's variant name: a variant's are the user's `simple-8.weights.h5`).

    A user file that fails to load is skipped (and said so in `skipped` and
    the note), so a damaged save never leaves the program without its shipped
    weights; with no usable file the model keeps its fresh weights.
    """
    skipped: list[str] = []
    name = model.variant.name
    for path, origin in weights_candidates(name):
        try:
            load_weights(model, path)
        except StoreError as exc:
            skipped.append(str(exc))
            continue
        whose = "your own weights" if origin == USER else "the shipped pre-trained weights"
        try:
            meta = load_metadata(name, path.parent)
            note = f"{whose}, {meta.summary()}"
        except StoreError as exc:
            meta, note = None, f"{whose} from {path} (their description: {exc})"
            skipped.append(str(exc))
        if skipped and origin == SHIPPED:
            note += f"; your own weights were unusable: {skipped[0]}"
        return LoadedWeights(path, origin, meta, note, tuple(skipped))
    note = "fresh, untrained weights"
    if skipped:
        note += f": no weights file could be loaded ({skipped[-1]})"
    elif model.variant.is_seed:
        note += f" (no pre-trained file {shipped_weights(name).name})"
    else:  # variants never ship: only the user's own saves exist
        note += f" (no saved {name} weights yet: train it, then Save)"
    return LoadedWeights(None, "fresh", None, note, tuple(skipped))


def set_aside_user_weights(arch_id: str) -> Path | None:
    """Move the user's own weights for `arch_id` out of the way, so the shipped ones load.

    "Revert to the shipped weights" must not destroy what the user trained:
    the pair goes to `<weights>/set-aside/<arch>-<UTC time>.weights.h5` (and
    .json), from where it can be loaded again. Returns the new weights path,
    or None when the user had no weights for `arch_id`.
    """
    source = user_weights(arch_id)
    if not source.is_file():
        return None
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    aside = source.parent / SET_ASIDE
    stem = f"{arch_id}-{stamp}"
    n = 1
    while (aside / f"{stem}.weights.h5").exists():  # two reverts in one second
        n += 1
        stem = f"{arch_id}-{stamp}-{n}"
    try:
        aside.mkdir(parents=True, exist_ok=True)
        meta = metadata_path(arch_id, source.parent)
        if meta.is_file():
            os.replace(meta, aside / f"{stem}.json")
        os.replace(source, aside / f"{stem}.weights.h5")
    except OSError as exc:
        raise StoreError(f"cannot move your weights {source} aside into {aside}: "
                         f"{exc.strerror or exc}") from exc
    return aside / f"{stem}.weights.h5"


def export_keras(model: models.Autoencoder, path: str | os.PathLike) -> Path:
    """The whole autoencoder as a `.keras` file that plain Keras can load."""
    path = Path(path)
    if path.suffix != ".keras":
        path = path.with_suffix(".keras")
    _refuse_package_folder(path)

    try:
        atomic_write(path, keras_writer(model.autoencoder.save, ".keras"))
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
