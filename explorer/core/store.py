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
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from explorer.core import models, package_data, userdata, variants
from explorer.core.atomic_files import atomic_write, keras_writer, write_temp
from explorer.core.metadata import (
    REQUIRED_METADATA,
    Metadata,
    StoreError,
    make_metadata,
    metadata_from_json,
)
from explorer.core.weights_checks import check_keras_archive, check_weights_file

__all__ = ["Metadata", "REQUIRED_METADATA", "SHIPPED", "StoreError", "TRAINED_DIR", "USER",
           "export_keras", "find_weights", "load", "load_metadata", "load_preferred",
           "load_weights", "make_metadata", "metadata_path", "open_keras_file", "save",
           "save_pair", "save_weights_bytes", "set_aside_user_weights", "shipped_weights",
           "unchanged_note", "user_weights", "weights_candidates", "weights_path",
           "write_bytes_atomically", "write_pair", "write_text_atomically"]

# The shipped weights: explorer/_trained when installed, trained/ in a checkout.
TRAINED_DIR = package_data.shipped_folder("trained")
USER, SHIPPED = "user", "shipped"  # where a weights file comes from
SET_ASIDE = "set-aside"  # sub-folder of the user's weights for those reverted from



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
    return metadata_from_json(raw, name, path)


def load_weights(model: models.Autoencoder, path: str | os.PathLike) -> None:
    """Load a weights file into `model`, or raise StoreError leaving it unchanged."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such weights file")
    before = model.autoencoder.get_weights()
    try:
        check_weights_file(path, model)
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
        check_keras_archive(keras, Path(path))
        return keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"{path}: cannot open this Keras model safely: {reason}") from None
