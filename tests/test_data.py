"""Tests for explorer.core.data: the three sources, the embedded split, every bad input."""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mnist_files import digits as small
from mnist_files import idx_bytes

from explorer.core import data
from explorer.core.data import Dataset, DatasetError, add_noise, load_dataset, one_of_each_class

# ---------------------------------------------------------------- helpers

UNPICKLED: list[str] = []


def _tripwire() -> str:
    UNPICKLED.append("unpickled")
    return "boom"


class Canary:
    """Records it if anything ever unpickles it: object arrays must be refused unread."""

    def __reduce__(self):
        return (_tripwire, ())


def write_idx_folder(folder: Path, gz: bool, train: bool = True, n_train: int = 30,
                     n_test: int = 20) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    xtr, ytr = small(n_train, 1)
    xte, yte = small(n_test, 2)
    files = {"t10k-images-idx3-ubyte": xte, "t10k-labels-idx1-ubyte": yte}
    if train:
        files |= {"train-images-idx3-ubyte": xtr, "train-labels-idx1-ubyte": ytr}
    for name, arr in files.items():
        raw = idx_bytes(arr)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(raw) if gz else raw)
    return {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}


def good_arrays(n_train: int = 30, n_test: int = 20) -> dict[str, np.ndarray]:
    xtr, ytr = small(n_train, 1)
    xte, yte = small(n_test, 2)
    return {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}


@pytest.fixture
def no_keras_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "keras_cache_path", lambda: tmp_path / "absent" / "mnist.npz")


@pytest.fixture
def resources_copy(tmp_path, monkeypatch) -> Path:
    dst = tmp_path / "resources"
    shutil.copytree(data.EMBEDDED_DIR, dst)
    for p in dst.iterdir():
        p.chmod(0o644)  # the shipped files are read-only
    monkeypatch.setattr(data, "EMBEDDED_DIR", dst)
    return dst


# ---------------------------------------------------------------- embedded sample

def test_embedded_shapes_dtypes_range_source(no_keras_cache):
    ds = load_dataset()
    assert ds.source == "embedded MNIST sample: 8,000 train / 2,000 test"
    assert (ds.n_train, ds.n_test) == (8000, 2000)
    assert ds.x_train.shape == (8000, 28, 28) and ds.x_test.shape == (2000, 28, 28)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.y_test.shape == (2000,)
    for x in (ds.x_train, ds.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(ds.y_train)) == set(range(10))
    assert data.load_embedded() is data.load_embedded()  # cached in-process


def test_embedded_split_reproducible_and_disjoint():
    tr, te = data.split_indices(10000)
    assert len(tr) == 8000 and len(te) == 2000
    assert not set(tr) & set(te)
    assert np.array_equal(np.sort(np.concatenate([tr, te])), np.arange(10000))
    order = np.random.default_rng(20160514).permutation(10000)
    assert np.array_equal(tr, order[:8000]) and np.array_equal(te, order[8000:])
    raw_x = data.read_idx(data.EMBEDDED_DIR / "t10k-images-idx3-ubyte.gz", 3)
    raw_y = data.read_idx(data.EMBEDDED_DIR / "t10k-labels-idx1-ubyte.gz", 1)
    assert raw_x.shape == (10000, 28, 28) and raw_y.shape == (10000,)
    ds = data.load_embedded()
    np.testing.assert_array_equal(ds.x_train, raw_x[tr].astype(np.float32) / 255)
    np.testing.assert_array_equal(ds.y_test, raw_y[te])


def test_embedded_arrays_read_only():
    ds = data.load_embedded()
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.subset(5, 5).x_train):
        with pytest.raises(ValueError):
            a[0] = 0


def test_embedded_checksum_mismatch(resources_copy):
    p = resources_copy / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(p.read_bytes())
    raw[1000] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match="damaged") as err:
        data.load_embedded()
    assert "t10k-images-idx3-ubyte.gz" in str(err.value)


def test_embedded_missing_file(resources_copy):
    (resources_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz.*damaged"):
        data.load_embedded()


# ---------------------------------------------------------------- Keras cache

def test_keras_cache_path_follows_home(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_path() == tmp_path / ".keras" / "datasets" / "mnist.npz"
    assert data.KERAS_CACHE_PATH == data.keras_cache_path()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.keras_cache_path() == tmp_path / "kh" / "datasets" / "mnist.npz"


@pytest.fixture
def fake_cache(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "mnist.npz"
    np.savez(path, **good_arrays(40, 10))
    monkeypatch.setattr(data, "keras_cache_path", lambda: path)
    return path


def test_keras_cache_used_when_sha_matches(fake_cache, monkeypatch):
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", hashlib.sha256(fake_cache.read_bytes()).hexdigest())
    ds = load_dataset()
    assert ds.source.startswith("full MNIST (Keras cache ")
    assert ds.source.endswith(": 40 train / 10 test")
    assert (ds.n_train, ds.n_test) == (40, 10)


def test_keras_cache_skipped_when_sha_differs(fake_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="explorer.core.data"):
        ds = load_dataset()
    assert ds.source.startswith("embedded MNIST sample: 8,000 train / 2,000 test (Keras cache")
    assert "skipped" in ds.source and "SHA-256" in ds.source
    assert "skipped" in caplog.text
    assert data.load_embedded().source == "embedded MNIST sample: 8,000 train / 2,000 test"


# ---------------------------------------------------------------- user files

@pytest.mark.parametrize("variant", ["uint8", "float01", "float255", "flat784"])
def test_npz_happy_path(tmp_path, variant):
    arrays = good_arrays()
    expected = arrays["x_train"].astype(np.float32) / 255
    if variant == "float01":
        arrays = {k: (v / 255.0 if k.startswith("x") else v) for k, v in arrays.items()}
    elif variant == "float255":
        arrays = {k: (v.astype(np.float64) if k.startswith("x") else v) for k, v in arrays.items()}
    elif variant == "flat784":
        arrays = {k: (v.reshape(len(v), 784) if k.startswith("x") else v) for k, v in arrays.items()}
    path = tmp_path / "mine.npz"
    np.savez_compressed(path, **arrays)
    ds = load_dataset(str(path))
    assert ds.source == "mine.npz: 30 train / 20 test"
    assert ds.x_train.shape == (30, 28, 28) and ds.x_train.dtype == np.float32
    np.testing.assert_allclose(ds.x_train, expected, rtol=1e-6, atol=1e-7)
    assert ds.y_test.dtype == np.int64 and list(ds.y_test[:3]) == [0, 1, 2]


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_idx_folder(tmp_path, gz):
    folder = tmp_path / "mnist"
    arrays = write_idx_folder(folder, gz)
    ds = load_dataset(folder)
    assert ds.source.endswith(": 30 train / 20 test") and "IDX" in ds.source
    np.testing.assert_array_equal(ds.x_test, arrays["x_test"] / np.float32(255))
    np.testing.assert_array_equal(ds.y_train, arrays["y_train"])


def test_idx_folder_test_split_only(tmp_path):
    folder = tmp_path / "t10k"
    arrays = write_idx_folder(folder, gz=True, train=False, n_test=50)
    ds = load_dataset(folder)
    assert (ds.n_train, ds.n_test) == (40, 10)
    tr, te = data.split_indices(50)
    np.testing.assert_array_equal(ds.y_train, arrays["y_test"][tr])
    np.testing.assert_array_equal(ds.y_test, arrays["y_test"][te])


def test_read_idx_sniffs_gzip_by_content(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    p = tmp_path / "images-no-suffix"
    p.write_bytes(gzip.compress(idx_bytes(arr)))
    np.testing.assert_array_equal(data.read_idx(p), arr)


# ---------------------------------------------------------------- bad input

def test_missing_path(tmp_path):
    with pytest.raises(DatasetError, match="nothere.npz: no such file"):
        load_dataset(tmp_path / "nothere.npz")


def test_folder_without_mnist_files(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    with pytest.raises(DatasetError, match="empty: folder holds no MNIST IDX files"):
        load_dataset(tmp_path / "empty")


def test_folder_with_some_files_missing(tmp_path):
    write_idx_folder(tmp_path / "part", gz=False)
    (tmp_path / "part" / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="part: folder lacks train-labels-idx1-ubyte"):
        load_dataset(tmp_path / "part")


def test_single_idx_file_given(tmp_path):
    write_idx_folder(tmp_path / "m", gz=True)
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz: is a single IDX file"):
        load_dataset(tmp_path / "m" / "t10k-images-idx3-ubyte.gz")


def _corrupt_idx(tmp_path: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / "m"
    write_idx_folder(folder, gz=name.endswith(".gz"))
    (folder / name).write_bytes(content)
    return folder


def test_truncated_gz(tmp_path):
    full = gzip.compress(idx_bytes(small(30)[0]))
    folder = _corrupt_idx(tmp_path, "train-images-idx3-ubyte.gz", full[: len(full) // 2])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: gzip data is truncated or corrupt"):
        load_dataset(folder)


def test_non_gzip_with_gz_name(tmp_path):
    folder = _corrupt_idx(tmp_path, "t10k-labels-idx1-ubyte.gz", idx_bytes(small(20)[1]))
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz: not a gzip file"):
        load_dataset(folder)


def test_wrong_idx_magic(tmp_path):
    folder = _corrupt_idx(tmp_path, "t10k-images-idx3-ubyte", idx_bytes(small(20)[1]))
    with pytest.raises(DatasetError) as err:
        load_dataset(folder)
    assert str(err.value) == (
        "t10k-images-idx3-ubyte: wrong IDX magic number 0x00000801, expected 0x00000803 for "
        "an image file: it looks like a label file under an image file's name; check which "
        "file is which (MNIST's images are *-images-idx3-ubyte, its labels "
        "*-labels-idx1-ubyte)")


def test_an_idx_file_of_another_shape_says_to_download_again(tmp_path):
    two_d = idx_bytes(np.zeros((3, 4), np.uint8))  # magic 0x00000802: no MNIST file has it
    folder = _corrupt_idx(tmp_path, "t10k-labels-idx1-ubyte", two_d)
    with pytest.raises(DatasetError, match="wrong IDX magic number 0x00000802, expected "
                       "0x00000801 for a label file: it is not an MNIST IDX file; "
                       "download the file again"):
        load_dataset(folder)


def test_not_an_idx_file(tmp_path):
    with pytest.raises(DatasetError, match="junk: not an unsigned-byte IDX file"):
        (tmp_path / "junk").write_bytes(b"hello world, this is text")
        data.read_idx(tmp_path / "junk")


def test_truncated_idx_payload(tmp_path):
    raw = idx_bytes(small(20)[0])
    folder = _corrupt_idx(tmp_path, "t10k-images-idx3-ubyte", raw[:-100])
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte: data truncated.*15,680 bytes.*15,580"):
        load_dataset(folder)


def test_idx_count_mismatch(tmp_path):
    folder = _corrupt_idx(tmp_path, "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(19, np.uint8)))
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte holds 20 images but "
                                           "t10k-labels-idx1-ubyte holds 19 labels"):
        load_dataset(folder)


def test_npz_not_a_zip(tmp_path):
    (tmp_path / "fake.npz").write_bytes(b"not a zip at all")
    with pytest.raises(DatasetError, match="fake.npz: not a .npz archive"):
        load_dataset(tmp_path / "fake.npz")


def test_npz_truncated(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, **good_arrays())
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="cut.npz: the .npz archive is truncated or corrupt"):
        load_dataset(path)


def test_npz_object_array_refused_unpickled(tmp_path):
    arrays = good_arrays()
    obj = np.empty(30, dtype=object)
    obj[:] = [Canary() for _ in range(30)]
    arrays["y_train"] = obj
    path = tmp_path / "evil.npz"
    np.savez(path, **arrays)  # np.save pickles object arrays
    UNPICKLED.clear()
    with pytest.raises(DatasetError, match=r"evil.npz\[y_train\]: holds pickled .*refusing to unpickle"):
        load_dataset(path)
    assert UNPICKLED == []


def _bad(**changes):
    arrays = good_arrays()
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v(arrays[k]) if callable(v) else v
    return arrays


BAD_NPZ = {
    "missing": (_bad(y_test=None, x_test=None), r"bad.npz: missing array\(s\) x_test, y_test"),
    "img_shape": (_bad(x_train=np.zeros((30, 27, 28), np.uint8)),
                  r"bad.npz\[x_train\]: images have shape \(30, 27, 28\)"),
    "label_shape": (_bad(y_test=np.zeros((20, 2), np.uint8)), r"bad.npz\[y_test\]: labels have shape"),
    "one_hot": (_bad(y_test=np.eye(10)[np.arange(20) % 10]), r"bad.npz\[y_test\]: .*one-hot"),
    "string_dtype": (_bad(x_test=np.full((20, 28, 28), "a")), r"bad.npz\[x_test\]: images have dtype <U1"),
    "nan": (_bad(x_train=lambda x: np.where(x > 250, np.nan, x / 255.0)), r"bad.npz\[x_train\]: .*NaN"),
    "inf": (_bad(x_test=lambda x: np.where(x > 250, np.inf, x * 1.0)), r"bad.npz\[x_test\]: .*infinite"),
    "above_255": (_bad(x_train=lambda x: x.astype(np.int32) + 1),
                  r"bad.npz\[x_train\]: pixel values span 1..256"),
    "negative": (_bad(x_test=lambda x: x / 255.0 - 0.5), r"bad.npz\[x_test\]: pixel values span -0.5"),
    "label_range": (_bad(y_train=lambda y: y + 1), r"bad.npz\[y_train\]: labels span 1..10"),
    "label_fraction": (_bad(y_train=lambda y: y + 0.5), r"bad.npz\[y_train\]: labels must be whole"),
    "count": (_bad(y_train=lambda y: y[:-1]),
              r"bad.npz\[x_train\] holds 30 images but bad.npz\[y_train\] holds 29"),
    "empty": (_bad(x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, np.uint8)),
              r"bad.npz\[x_test\]: holds no images"),
}


@pytest.mark.parametrize("case", BAD_NPZ, ids=list(BAD_NPZ))
def test_bad_npz(tmp_path, case):
    arrays, pattern = BAD_NPZ[case]
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=pattern):
        load_dataset(path)


# ---------------------------------------------------------------- noise, subset, helpers

def test_add_noise():
    x = data.load_embedded().x_test[:50]
    noisy = add_noise(x, 0.5, seed=3)
    assert noisy.dtype == np.float32 and noisy.shape == x.shape
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    assert np.array_equal(noisy, add_noise(x, 0.5, seed=3))
    assert not np.array_equal(noisy, add_noise(x, 0.5, seed=4))
    assert np.abs(noisy - x).mean() > 0.1
    same = add_noise(x, 0.0)
    assert same.dtype == np.float32 and np.array_equal(same, x) and same is not x
    same[0] = 0.5  # a writable copy even of read-only input
    assert add_noise(np.zeros((2, 2), np.uint8), 0).dtype == np.float32
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            add_noise(x, bad)


def test_subset():
    ds = data.load_embedded()
    sub = ds.subset(500, 100)
    assert (sub.n_train, sub.n_test) == (500, 100)
    assert sub.source == ds.source + " (subset 500/100)"
    assert np.shares_memory(sub.x_train, ds.x_train)
    np.testing.assert_array_equal(sub.y_test, ds.y_test[:100])
    assert ds.subset(n_test=7).n_train == 8000 and ds.subset(n_test=7).n_test == 7
    assert ds.subset(10**6, 10**6).n_train == 8000
    assert isinstance(sub, Dataset) and "subset" in repr(sub)
    with pytest.raises(ValueError):
        ds.subset(-1)


def test_one_of_each_class():
    y = data.load_embedded().y_train
    idx = one_of_each_class(y)
    assert list(y[idx]) == list(range(10))
    for digit, i in enumerate(idx):
        assert digit not in y[:i]  # the first of its class
    seeded = one_of_each_class(y, seed=1)
    assert list(y[seeded]) == list(range(10))
    assert np.array_equal(seeded, one_of_each_class(y, seed=1))
    assert not np.array_equal(seeded, idx)
    with pytest.raises(ValueError, match="digit 9"):
        one_of_each_class(np.arange(9))


def test_import_pulls_no_tensorflow_or_qt():
    code = ("import sys, explorer.core.data; "
            "bad = [m for m in ('tensorflow', 'keras', 'PySide6') if m in sys.modules]; "
            "sys.exit(str(bad) if bad else 0)")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
