"""A run's time-lapse frames on disk: `<arch>.timelapse.npz` beside its weights.

One compressed .npz, loadable without pickle: per epoch, the probe's own
PCA map as float16 (a rounding of 1/2,000 of the cloud's width at most,
below a pixel on any screen; it halves the file), the K-means purity and
NMI and the losses; once, the probe's labels and test-split indices, the
architecture, the data source and a note on where the frames came from.
50 epochs of 1,000 digits take about 200 KB. The frames are saved as
recorded and aligned again on loading, so the file holds no derived data.

Written atomically, like the weights (explorer.core.store).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from explorer.core import atomic_files, store
from explorer.core.timelapse import Timelapse, align_frames

__all__ = ["FORMAT_VERSION", "load_timelapse", "save_timelapse", "timelapse_path"]

FORMAT_VERSION = 1
_ARRAYS = ("epochs", "raw", "purity", "nmi", "train_loss", "val_loss", "labels", "probe_indices")
_TEXTS = ("arch_id", "source", "note")


def timelapse_path(arch_id: str, folder: str | os.PathLike | None = None) -> Path:
    """`<folder>/<arch>.timelapse.npz`, beside `<arch>.weights.h5` (default: trained/)."""
    return Path(folder or store.TRAINED_DIR) / f"{arch_id}.timelapse.npz"


def _fits_half(a: np.ndarray) -> bool:
    """Whether float16 holds these values (its largest is 65,504)."""
    return not a.size or float(np.max(np.abs(a))) < 60000.0


def save_timelapse(timelapse: Timelapse, path: str | os.PathLike) -> Path:
    """Write the frames to `path` (a .npz), atomically; StoreError if it cannot."""
    path = Path(path)
    if not len(timelapse):
        raise ValueError("there are no frames to save")
    arrays = {
        "version": np.array(FORMAT_VERSION, dtype=np.int32),
        "epochs": timelapse.epochs.astype(np.int32),
        "raw": timelapse.raw.astype(np.float16 if _fits_half(timelapse.raw) else np.float32),
        "purity": timelapse.purity.astype(np.float32),
        "nmi": timelapse.nmi.astype(np.float32),
        "train_loss": timelapse.train_loss.astype(np.float32),
        "val_loss": timelapse.val_loss.astype(np.float32),
        "labels": timelapse.labels.astype(np.int16),
        "probe_indices": timelapse.probe_indices.astype(np.int32),
        **{name: np.array(getattr(timelapse, name)) for name in _TEXTS},
    }

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez_compressed(f, **arrays)

    try:
        atomic_files.atomic_write(path, write)  # the weights' own atomic write, same guarantees
    except OSError as exc:
        raise store.StoreError(f"cannot save the time-lapse to {path}: {exc.strerror or exc}. "
                               "Choose a folder you can write to.") from exc
    return path


def load_timelapse(path: str | os.PathLike) -> Timelapse:
    """Read frames written by `save_timelapse`, aligned; StoreError for a bad file."""
    path = Path(path)
    damaged = (f"{path}: not a time-lapse file of this program, or a damaged one; "
               "training the model again records a new time-lapse")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("version", *_ARRAYS, *_TEXTS) if k not in data.files]
            if missing:
                raise store.StoreError(f"{damaged} (missing {', '.join(missing)})")
            version = int(data["version"])
            if version != FORMAT_VERSION:
                raise store.StoreError(f"{path}: time-lapse format {version}; this program "
                                       f"reads format {FORMAT_VERSION}")
            a = {k: np.array(data[k]) for k in _ARRAYS}
            texts = {k: str(data[k]) for k in _TEXTS}
    except FileNotFoundError:
        raise store.StoreError(f"{path}: no time-lapse file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise store.StoreError(f"{damaged} ({exc})") from None
    raw = a["raw"].astype(np.float32)
    if not np.all(np.isfinite(raw)):
        raise store.StoreError(f"{damaged} (maps hold NaN or infinity)")
    try:
        return Timelapse(
            epochs=a["epochs"].astype(np.int64), raw=raw, coords=align_frames(raw),
            purity=a["purity"].astype(np.float64), nmi=a["nmi"].astype(np.float64),
            train_loss=a["train_loss"].astype(np.float64),
            val_loss=a["val_loss"].astype(np.float64),
            labels=a["labels"].astype(np.int64), probe_indices=a["probe_indices"].astype(np.int64),
            **texts)
    except ValueError as exc:  # inconsistent shapes
        raise store.StoreError(f"{damaged} ({exc})") from None
