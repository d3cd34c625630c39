"""MNIST for the explorer: the Keras cache, a user's file, or the embedded sample.

The program has to show something useful on first start with no network, so the
MNIST test split (10,000 digits) ships in ``resources/`` and is split 8,000/2,000.
When Keras has already downloaded the full set we use it; a lecturer can also
point at their own ``mnist.npz`` or folder of IDX files. Nothing here touches the
network or imports Qt or TensorFlow: loading data must be fast and testable alone.

Every problem with the input raises :class:`DatasetError` whose message names the
file, says what is wrong and what to do, so the UI can show it instead of a
traceback from numpy, gzip or zipfile.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core import package_data, untrusted
from explorer.core.dataset import Dataset, DatasetError, add_noise, one_of_each_class
from explorer.core.idx import IMAGES, LABELS, checked_pair, idx_from_bytes, read_bytes, read_idx

__all__ = [
    "DatasetError", "Dataset", "EMBEDDED_DIR", "KERAS_MNIST_SHA256", "SPLIT_SEED",
    "keras_cache_path", "load_dataset", "load_embedded", "read_idx", "split_indices",
    "add_noise", "one_of_each_class",
]

logger = logging.getLogger(__name__)

# explorer/_resources in an installed wheel, resources/ in a source checkout.
EMBEDDED_DIR = package_data.shipped_folder("resources")
# sha256 of https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# Fixed so that every run, test and pre-trained model sees the same 8,000/2,000 split.
SPLIT_SEED = 20160514

_EMBEDDED_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_IDX_BASES = {  # role -> (file name without .gz, dimensions)
    "train_images": ("train-images-idx3-ubyte", IMAGES),
    "train_labels": ("train-labels-idx1-ubyte", LABELS),
    "test_images": ("t10k-images-idx3-ubyte", IMAGES),
    "test_labels": ("t10k-labels-idx1-ubyte", LABELS),
}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def keras_cache_path() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps mnist.npz.

    Computed per call, not at import, so tests can monkeypatch HOME; honours
    KERAS_HOME as Keras does.
    """
    base = os.environ.get("KERAS_HOME")
    return (Path(base) if base else Path.home() / ".keras") / "datasets" / "mnist.npz"


def __getattr__(name: str) -> Any:
    # KERAS_CACHE_PATH is resolved at use time so that it follows HOME and KERAS_HOME.
    if name == "KERAS_CACHE_PATH":
        return keras_cache_path()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _shown(path: Path) -> str:
    """A path as the user would type it: ~/... under the home folder."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def _frozen(ds: Dataset) -> Dataset:
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        a.flags.writeable = False
    return ds


def split_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed (train, test) index split used when only test digits are at hand:
    a seeded permutation, the first 80 % for training (8,000 of 10,000)."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    return order[: n * 4 // 5], order[n * 4 // 5:]


def _split_dataset(images: np.ndarray, labels: np.ndarray, source: str) -> Dataset:
    if len(images) < 2:
        raise DatasetError(f"{source}: only {len(images)} digit(s), too few to split")
    tr, te = split_indices(len(images))
    n_tr, n_te = len(tr), len(te)
    return _frozen(Dataset(images[tr], labels[tr], images[te], labels[te],
                           source=f"{source}: {n_tr:,} train / {n_te:,} test"))


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def load_embedded() -> Dataset:
    """The MNIST test split shipped in resources/, split 8,000 train / 2,000 test.

    Checksummed against resources/SHA256SUMS so a damaged installation is reported
    rather than silently training on garbage; cached in-process because the UI and
    the tests load it often (the cache key includes the files' mtimes and sizes).
    """
    folder = Path(EMBEDDED_DIR)
    stamps = []
    for fname in (*_EMBEDDED_FILES, "SHA256SUMS"):
        try:
            stamps.append(_stamp(folder / fname))
        except OSError as exc:
            raise DatasetError(f"{fname}: missing from {folder}; the installation is damaged: "
                               "reinstall the program or restore resources/") from exc
    return _load_embedded_cached(folder, tuple(stamps))


@functools.lru_cache(maxsize=4)
def _load_embedded_cached(folder: Path, _stamps: tuple[tuple[int, int], ...]) -> Dataset:
    sums: dict[str, str] = {}
    for line in read_bytes(folder / "SHA256SUMS").decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    arrays = []
    for fname, ndim in zip(_EMBEDDED_FILES, (IMAGES, LABELS), strict=True):
        raw = read_bytes(folder / fname)
        want, got = sums.get(fname), hashlib.sha256(raw).hexdigest()
        if got != want:
            raise DatasetError(f"{fname}: SHA-256 checksum mismatch (expected {want or 'none listed'}, "
                               f"got {got}); the installation is damaged: reinstall the program "
                               "or restore resources/ from the repository")
        arrays.append(idx_from_bytes(raw, fname, ndim))
    images, labels = checked_pair(*arrays, *_EMBEDDED_FILES)
    return _split_dataset(images, labels, "embedded MNIST sample")


def _load_npz(path: Path) -> Dataset:
    """A Keras-format mnist.npz; never unpickles, so a file can never run code."""
    name = path.name
    try:
        f = path.open("rb")
    except OSError as exc:
        raise DatasetError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    # We own the file object: np.load(path) leaks its handle when the zip is corrupt.
    with f:
        return _read_npz(f, name)


def _read_npz(f: Any, name: str) -> Dataset:
    """Read the four arrays member by member, as np.load would, but with every
    .npy header checked against its member's size before anything is allocated
    (untrusted.read_npy_member): np.load allocates whatever a header claims,
    and lets zipfile's NotImplementedError and RuntimeError escape."""
    try:
        if f.read(4) not in _ZIP_MAGICS:
            raise DatasetError(f"{name}: not a .npz archive (a zip of .npy arrays, as np.savez "
                               "writes) nor a folder of MNIST IDX files")
        size = f.seek(0, os.SEEK_END)
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            members = {i.filename[:-4]: i for i in zf.infolist() if i.filename.endswith(".npy")}
            missing = [k for k in _NPZ_KEYS if k not in members]
            if missing:
                raise DatasetError(f"{name}: missing array(s) {', '.join(missing)} (found: "
                                   f"{', '.join(members) or 'none'}); a Keras-format "
                                   "mnist.npz holds x_train, y_train, x_test, y_test")
            arrays = {}
            for k in _NPZ_KEYS:
                try:
                    arrays[k] = untrusted.read_npy_member(zf, members[k], size)
                except untrusted.Refused as exc:
                    raise DatasetError(f"{name}[{k}]: {exc}") from None
    except DatasetError:
        raise
    except untrusted.DAMAGED_ARCHIVE_ERRORS as exc:
        raise DatasetError(f"{name}: the .npz archive is truncated or corrupt "
                           f"({exc or type(exc).__name__})") from exc
    parts = [checked_pair(arrays[f"x_{s}"], arrays[f"y_{s}"], f"{name}[x_{s}]", f"{name}[y_{s}]")
             for s in ("train", "test")]
    return _frozen(Dataset(*parts[0], *parts[1],
                           source=f"{name}: {len(parts[0][0]):,} train / {len(parts[1][0]):,} test"))


def _find_idx(folder: Path, base: str) -> Path | None:
    # Also accept the "train-images.idx3-ubyte" spelling some mirrors use.
    for stem in (base, base.replace("-idx", ".idx")):
        for cand in (stem, stem + ".gz"):
            if (folder / cand).is_file():
                return folder / cand
    return None


def _load_idx_folder(folder: Path) -> Dataset:
    found = {role: _find_idx(folder, base) for role, (base, _) in _IDX_BASES.items()}

    def pair(split: str) -> tuple[np.ndarray, np.ndarray]:
        img, lbl = found[f"{split}_images"], found[f"{split}_labels"]
        assert img is not None and lbl is not None
        return checked_pair(read_idx(img, IMAGES), read_idx(lbl, LABELS), img.name, lbl.name)

    missing = [base for role, (base, _) in _IDX_BASES.items() if found[role] is None]
    if not missing:
        (xtr, ytr), (xte, yte) = pair("train"), pair("test")
        return _frozen(Dataset(xtr, ytr, xte, yte, source=f"MNIST IDX files in {_shown(folder)}: "
                                                          f"{len(xtr):,} train / {len(xte):,} test"))
    if missing == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]:
        return _split_dataset(*pair("test"), f"MNIST test split in {_shown(folder)}")
    if len(missing) == 4:
        npz = sorted(p.name for p in folder.glob("*.npz"))
        hint = f"; it holds {npz[0]}: pass that file instead" if npz else ""
        raise DatasetError(f"{folder.name or folder}: folder holds no MNIST IDX files (expected "
                           f"{', '.join(b + '[.gz]' for b, _ in _IDX_BASES.values())}){hint}")
    raise DatasetError(f"{folder.name or folder}: folder lacks {', '.join(missing)} (with or without "
                       ".gz); MNIST needs all four IDX files, or just the two t10k files")


@functools.lru_cache(maxsize=1)  # 70,000 images as float32 is ~220 MB: keep only one
def _load_keras_cache(path: Path, _stamp: tuple[int, int], sha256: str) -> Dataset:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise DatasetError("its SHA-256 is not the official mnist.npz's")
    ds = _load_npz(path)
    return dataclasses.replace(ds, source=f"full MNIST (Keras cache {_shown(path)}): "
                                          f"{ds.n_train:,} train / {ds.n_test:,} test")


def _try_keras_cache() -> tuple[Dataset | None, str]:
    """The Keras cache if present and genuine, else (None, why it was skipped or '')."""
    path = keras_cache_path()
    try:
        if not path.is_file():
            return None, ""
        return _load_keras_cache(path, _stamp(path), KERAS_MNIST_SHA256), ""
    except (OSError, DatasetError) as exc:
        return None, f"Keras cache {_shown(path)} skipped: {exc}"


def load_dataset(path: str | os.PathLike[str] | None = None) -> Dataset:
    """Load MNIST from ``path`` (a Keras-format .npz file or a folder of IDX files),
    or with no path from the Keras cache if genuine, else from the embedded sample.

    Raises DatasetError for any bad ``path``; with no path it never raises for a
    bad Keras cache: it logs a warning, notes it in ``source`` and falls back.
    """
    if path is None:
        ds, why = _try_keras_cache()
        if ds is not None:
            return ds
        ds = load_embedded()
        if why:
            logger.warning("%s; using the embedded sample", why)
            ds = dataclasses.replace(ds, source=f"{ds.source} ({why})")
        return ds
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        return _load_idx_folder(p)
    if not p.exists():
        raise DatasetError(f"{p.name or p}: no such file or folder ({p}); give a Keras-format "
                           "mnist.npz or a folder of MNIST IDX files")
    if "idx" in p.name and "ubyte" in p.name:
        raise DatasetError(f"{p.name}: is a single IDX file; pass the folder that holds the "
                           f"MNIST IDX files ({p.parent}) instead")
    return _load_npz(p)
