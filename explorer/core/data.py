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
import math
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core import package_data, untrusted

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

_IMAGES, _LABELS = 3, 1  # IDX dimension counts, which are also the magic number's last byte
_EMBEDDED_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_IDX_BASES = {  # role -> (file name without .gz, dimensions)
    "train_images": ("train-images-idx3-ubyte", _IMAGES),
    "train_labels": ("train-labels-idx1-ubyte", _LABELS),
    "test_images": ("t10k-images-idx3-ubyte", _IMAGES),
    "test_labels": ("t10k-labels-idx1-ubyte", _LABELS),
}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class DatasetError(ValueError):
    """Bad input data. A ValueError so generic callers still catch it; a type of its
    own so the UI can show the message in a dialog instead of crashing."""


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


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays is ambiguous; identity is what we want
class Dataset:
    """Images float32 in [0, 1], shape (n, 28, 28); labels int64, shape (n,).

    Arrays from the loaders are read-only because loaded datasets are cached and
    shared: a caller that wants to modify one must copy it first.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first n of each split (None: all), for tests and quick runs; a larger
        n than available is clamped so a quick run never fails on a small dataset."""
        for n in (n_train, n_test):
            if n is not None and n < 0:
                raise ValueError(f"subset sizes must be >= 0, got {n}")
        a = self.n_train if n_train is None else min(n_train, self.n_train)
        b = self.n_test if n_test is None else min(n_test, self.n_test)
        return Dataset(self.x_train[:a], self.y_train[:a], self.x_test[:b], self.y_test[:b],
                       source=f"{self.source} (subset {a}/{b})")

    def __repr__(self) -> str:
        return (f"Dataset({self.source!r}, x_train={self.x_train.shape} {self.x_train.dtype}, "
                f"x_test={self.x_test.shape} {self.x_test.dtype})")


def _shown(path: Path) -> str:
    """A path as the user would type it: ~/... under the home folder."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DatasetError(f"{path.name}: file not found ({path})") from exc
    except OSError as exc:
        raise DatasetError(f"{path.name}: cannot be read ({exc.strerror or exc}); "
                           "check that it is a readable file") from exc


def _idx_from_bytes(raw: bytes, name: str, ndim: int | None = None) -> np.ndarray:
    """Decode an IDX file (gzipped or not) held in memory; see :func:`read_idx`."""
    gzipped = raw[:2] == b"\x1f\x8b"  # sniff the content: names lie more often than bytes
    if gzipped:
        try:
            # Streamed and bounded by the IDX header inside: a gzip bomb, or a
            # header claiming four billion digits, stops before it allocates.
            raw = untrusted.gunzip(raw, _idx_declared_size)
        except untrusted.Refused as exc:
            raise DatasetError(f"{name}: {exc}; download the file again") from None
        except (EOFError, OSError, zlib.error) as exc:
            raise DatasetError(f"{name}: gzip data is truncated or corrupt ({exc}); "
                               "download the file again") from exc
    elif name.endswith(".gz"):
        raise DatasetError(f"{name}: not a gzip file, although its name ends in .gz; if it is "
                           "a raw IDX file, remove .gz from its name, else download it again")
    if len(raw) < 4:
        raise DatasetError(f"{name}: only {len(raw)} bytes, too short for an IDX file; "
                           "download the file again")
    magic, dims_n = int.from_bytes(raw[:4], "big"), raw[3]
    if ndim is not None and magic != 0x800 | ndim:
        kind = "an image" if ndim == _IMAGES else "a label" if ndim == _LABELS else f"a {ndim}-d"
        other = {_IMAGES: "an image", _LABELS: "a label"}.get(magic & 0xFF)
        hint = (f"it looks like {other} file under {kind} file's name; check which file is "
                "which (MNIST's images are *-images-idx3-ubyte, its labels "
                "*-labels-idx1-ubyte)" if other and raw[:3] == b"\x00\x00\x08"
                else "it is not an MNIST IDX file; download the file again")
        raise DatasetError(f"{name}: wrong IDX magic number 0x{magic:08X}, "
                           f"expected 0x{0x800 | ndim:08X} for {kind} file: {hint}")
    if raw[:3] != b"\x00\x00\x08" or dims_n == 0:
        raise DatasetError(f"{name}: not an unsigned-byte IDX file (magic number 0x{magic:08X}; "
                           "MNIST uses 0x00000803 for images and 0x00000801 for labels)")
    header = 4 + 4 * dims_n
    if len(raw) < header:
        raise DatasetError(f"{name}: IDX header truncated ({len(raw)} of {header} bytes); "
                           "download the file again")
    dims = struct.unpack(f">{dims_n}I", raw[4:header])
    expected, actual = math.prod(dims), len(raw) - header
    if actual != expected:
        what = "truncated" if actual < expected else "longer than its header says"
        # A gzipped file is decoded no further than one byte past its header's size.
        holds = f"{actual:,}" if actual < expected or not gzipped else "more"
        raise DatasetError(f"{name}: data {what}: the header declares "
                           f"{' x '.join(map(str, dims))} = {expected:,} bytes, the file holds "
                           f"{holds}; download the file again")
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header).reshape(dims)


def _idx_declared_size(head: bytes) -> int | None:
    """The whole file's size as an IDX header declares it (None: need more bytes;
    0: not an unsigned-byte IDX header, so nothing more needs decoding)."""
    if len(head) < 4:
        return None
    if head[:3] != b"\x00\x00\x08" or head[3] == 0:
        return 0
    header = 4 + 4 * head[3]
    if len(head) < header:
        return None
    return header + math.prod(struct.unpack(f">{head[3]}I", head[4:header]))


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> np.ndarray:
    """Read an unsigned-byte IDX file, gzipped or raw (told apart by content).

    With ``ndim`` (3 for images, 1 for labels) the magic number must match it.
    The result is a read-only uint8 view on the decoded bytes (no copy).
    """
    path = Path(path)
    return _idx_from_bytes(_read_bytes(path), path.name, ndim)


def _check_dtype(a: np.ndarray, name: str, what: str) -> None:
    if a.dtype == object:
        raise DatasetError(f"{name}: {what} have dtype object (Python objects); "
                           "save them as a numeric array")
    if a.dtype.kind not in "uif":
        raise DatasetError(f"{name}: {what} have dtype {a.dtype}; expected integers or floats")


def _images(x: np.ndarray, name: str) -> np.ndarray:
    """Validate images and scale them to float32 in [0, 1]."""
    x = np.asarray(x)
    _check_dtype(x, name, "images")
    if x.ndim == 2 and x.shape[1] == 784:  # flattened, as many tutorials save them
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DatasetError(f"{name}: images have shape {x.shape}; expected (n, 28, 28) or (n, 784)")
    if x.shape[0] == 0:
        raise DatasetError(f"{name}: holds no images")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DatasetError(f"{name}: images contain {int((~np.isfinite(x)).sum()):,} NaN or "
                           "infinite pixel values")
    lo, hi = x.min().item(), x.max().item()
    if lo < 0 or hi > 255:
        raise DatasetError(f"{name}: pixel values span {lo:g}..{hi:g}; expected 0..255 "
                           "(or 0..1 for floats already scaled)")
    out = x.astype(np.float32)  # always a copy, never a view on the caller's data
    if x.dtype.kind != "f" or hi > 1.0:  # floats with max <= 1 are taken as already scaled
        out /= np.float32(255)
    return out


def _labels(y: np.ndarray, name: str) -> np.ndarray:
    """Validate labels as class numbers 0..9 and return them as int64."""
    y = np.asarray(y)
    _check_dtype(y, name, "labels")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        hint = " (they look one-hot: save np.argmax(y, axis=1))" if y.ndim == 2 and y.shape[1] == 10 else ""
        raise DatasetError(f"{name}: labels have shape {y.shape}; expected (n,) digits 0..9{hint}")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise DatasetError(f"{name}: labels must be whole numbers 0..9 (found NaN, inf or fractions)")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DatasetError(f"{name}: labels span {y.min().item():g}..{y.max().item():g}; "
                           "expected digits 0..9")
    return y.astype(np.int64)


def _pair(x: np.ndarray, y: np.ndarray, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = _images(x, x_name), _labels(y, y_name)
    if len(images) != len(labels):
        raise DatasetError(f"{x_name} holds {len(images):,} images but {y_name} holds "
                           f"{len(labels):,} labels; they must pair one to one")
    return images, labels


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
    for line in _read_bytes(folder / "SHA256SUMS").decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    arrays = []
    for fname, ndim in zip(_EMBEDDED_FILES, (_IMAGES, _LABELS), strict=True):
        raw = _read_bytes(folder / fname)
        want, got = sums.get(fname), hashlib.sha256(raw).hexdigest()
        if got != want:
            raise DatasetError(f"{fname}: SHA-256 checksum mismatch (expected {want or 'none listed'}, "
                               f"got {got}); the installation is damaged: reinstall the program "
                               "or restore resources/ from the repository")
        arrays.append(_idx_from_bytes(raw, fname, ndim))
    images, labels = _pair(*arrays, *_EMBEDDED_FILES)
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
    parts = [_pair(arrays[f"x_{s}"], arrays[f"y_{s}"], f"{name}[x_{s}]", f"{name}[y_{s}]")
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
        return _pair(read_idx(img, _IMAGES), read_idx(lbl, _LABELS), img.name, lbl.name)

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


def add_noise(x: np.ndarray, factor: float, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """clip(x + factor * N(0, 1), 0, 1) as float32, as the seed's denoising example.

    Seeded (default 0) so that the same slider position always shows the same
    noisy digits; pass None for fresh noise each call. Returns a new array.
    """
    factor = float(factor)
    if not (math.isfinite(factor) and factor >= 0):
        raise ValueError(f"noise factor must be a finite number >= 0, got {factor}")
    x = np.asarray(x, dtype=np.float32)
    if factor == 0:
        return np.clip(x, 0.0, 1.0)  # a copy, equal to x for valid images
    noisy = x + np.float32(factor) * np.random.default_rng(seed).standard_normal(x.shape, dtype=np.float32)
    return np.clip(noisy, 0.0, 1.0, out=noisy)


def one_of_each_class(labels: np.ndarray, seed: int | None = None) -> np.ndarray:
    """Indices of one example per digit, in order 0..9: the first of each, or a
    random one per class with a seed. Raises ValueError if a digit is absent."""
    labels = np.asarray(labels).ravel()
    rng = None if seed is None else np.random.default_rng(seed)
    out = np.empty(10, dtype=np.int64)
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        if where.size == 0:
            raise ValueError(f"no example of digit {digit} among {labels.size:,} labels")
        out[digit] = where[0] if rng is None else rng.choice(where)
    return out
