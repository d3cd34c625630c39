"""One test per escape the fuzz harness found, each refused now with the project's error.

Escapes (before the fixes): npz zip members with flag bit 5 or 6, an
unsupported or LZMA compression method, or a password escaped as
NotImplementedError, LZMAError or RuntimeError; .npy headers claiming
terabytes raised MemoryError or allocated gigabytes before failing, and a
damaged one raised tokenize's TokenError; gzip bombs in IDAT files were
decoded whole; deeply nested metadata raised RecursionError; weights files
declaring a 3 GB chunked array were read for minutes, ones holding strings
or NaN loaded silently; a .keras config of "units": 262144 took 2.5 GB and
7 s before failing, and a .keras whose weights declared a 3 GB chunked array
was read whole (12.8 GB, 31 s).
"""

from __future__ import annotations

import io
import json
import resource
import shutil
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from fuzz_kinds import _digits, idx_bytes
from fuzz_mutations import deflate_bomb_gzip

from explorer.core import data, models, store

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20


def _npz_bytes(compressed: bool = False) -> bytes:
    xtr, ytr = _digits(30, 1)
    xte, yte = _digits(20, 2)
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, x_train=xtr, y_train=ytr,
                                                      x_test=xte, y_test=yte)
    return buf.getvalue()


def _set_central_field(raw: bytes, offset: int, fmt: str, value: int, member: int = 0) -> bytes:
    """Change one field of the member-th central directory record."""
    out = bytearray(raw)
    at = -1
    for _ in range(member + 1):
        at = out.find(b"PK\x01\x02", at + 1)
    struct.pack_into(fmt, out, at + offset, value)
    return bytes(out)


def _with_flag(bits: int) -> bytes:
    raw = _npz_bytes()
    flags = struct.unpack_from("<H", raw, raw.find(b"PK\x01\x02") + 8)[0]
    return _set_central_field(raw, 8, "<H", flags | bits)


def _with_method(method: int) -> bytes:
    return _set_central_field(_npz_bytes(compressed=True), 10, "<H", method)


def _rezipped(replace: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(_npz_bytes())) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members.update(replace)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def _npy(header: dict, payload: bytes = b"") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + payload


def _raw_npy_header(text: bytes) -> bytes:
    """A version 1.0 .npy start with a header text as given (an unclosed bracket here)."""
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _measured(call):
    """(exception, peak traced MB, seconds) of call()."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        error = exc
    else:
        error = None
    finally:
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return error, peak, time.perf_counter() - t0


NPZ_ESCAPES = {
    # name: (bytes, what the message must say)
    "flag bit 6, strong encryption (NotImplementedError)": (lambda: _with_flag(0x40), "encrypted"),
    "flag bit 0, a password (RuntimeError)": (lambda: _with_flag(0x1), "encrypted"),
    "flag bit 5, compressed patched data (NotImplementedError)": (
        lambda: _with_flag(0x20), "truncated or corrupt"),
    "compression method 99 (NotImplementedError)": (lambda: _with_method(99), "method 99"),
    "compression method 14, LZMA (LZMAError)": (lambda: _with_method(14), "method 14"),
    "npy header claims 10**12 digits (MemoryError)": (
        lambda: _rezipped({"x_train.npy": _npy({"descr": "|u1", "fortran_order": False,
                                                "shape": (10 ** 12, 28, 28)}, bytes(784))}),
        "declares shape"),
    "npy header claims 4e9 digits, data cut short (allocated 16 GB)": (
        lambda: _rezipped({"x_test.npy": _npy({"descr": "<f4", "fortran_order": False,
                                               "shape": (4_000_000_000,)}, bytes(4000))}),
        "declares shape"),
    "npy header damaged (TokenError)": (
        lambda: _rezipped({"y_train.npy": _raw_npy_header(b"{'descr': '|u1', 'shape': (30, \n")}),
        "damaged .npy header"),
}


@pytest.mark.parametrize("name", sorted(NPZ_ESCAPES))
def test_npz_escape_is_refused_with_the_files_name_and_no_large_allocation(name, tmp_path):
    make, message = NPZ_ESCAPES[name]
    path = tmp_path / "d.npz"
    path.write_bytes(make())
    error, peak_mb, _ = _measured(lambda: data.load_dataset(path))
    assert isinstance(error, data.DatasetError), repr(error)
    assert str(error).startswith("d.npz") and message in str(error), str(error)
    assert peak_mb < 16, f"{peak_mb:.0f} MB allocated for a {path.stat().st_size:,}-byte file"


def test_main_train_data_with_a_strong_encryption_flag_prints_one_line(tmp_path):
    """The escape the issue names: `main.py train --data` printed a traceback."""
    path = tmp_path / "d.npz"
    path.write_bytes(_with_flag(0x40))
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "simple", "--epochs",
                           "1", "--data", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "d.npz" in proc.stderr and "encrypted" in proc.stderr
    assert not (tmp_path / "out").exists()


def _gz_folder(tmp_path: Path, images_gz: bytes) -> Path:
    folder = tmp_path / "mnist"
    folder.mkdir()
    import gzip

    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(images_gz)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros(20, np.uint8))))
    return folder


GZIP_BOMBS = {
    "header declares 20 digits, 60 MB of zeros follow (decoded whole)": (
        lambda: deflate_bomb_gzip(bytes([0, 0, 8, 3]) + struct.pack(">3I", 20, 28, 28), 60 * MB),
        "longer than its header says"),
    "100,000 black digits in 76 KB (decoded whole: 78 MB, then 313 MB as floats)": (
        lambda: deflate_bomb_gzip(bytes([0, 0, 8, 3]) + struct.pack(">3I", 100_000, 28, 28),
                                  100_000 * 784),
        "over 100 to 1"),
    "header claims four billion digits": (
        lambda: deflate_bomb_gzip(bytes([0, 0, 8, 3]) + struct.pack(">3I", 4_000_000_000, 28, 28),
                                  MB),
        "more than the"),
}


@pytest.mark.parametrize("name", sorted(GZIP_BOMBS))
def test_a_gzip_bomb_is_refused_after_decoding_no_more_than_its_header_allows(name, tmp_path):
    make, message = GZIP_BOMBS[name]
    folder = _gz_folder(tmp_path, make())
    error, peak_mb, _ = _measured(lambda: data.load_dataset(folder))
    assert isinstance(error, data.DatasetError), repr(error)
    assert "t10k-images-idx3-ubyte.gz" in str(error) and message in str(error), str(error)
    assert peak_mb < 16, f"{peak_mb:.0f} MB allocated"


def test_a_real_mnist_sized_gzip_file_still_loads(tmp_path):
    """The bounds refuse bombs, not data: 10,000 real digits gzipped (ratio ~5)."""
    import gzip

    x, y = _digits(5_000, 7)
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(x)))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(y)))
    ds = data.load_dataset(folder)
    assert ds.n_train + ds.n_test == 5_000


def test_deeply_nested_metadata_is_a_store_error(tmp_path):
    (tmp_path / "simple.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(store.StoreError, match="nested too deeply"):
        store.load_metadata("simple", tmp_path)


@pytest.fixture(scope="module")
def simple_model():
    return models.build("simple")


@pytest.fixture
def weights_file(tmp_path, simple_model):
    path = tmp_path / "simple.weights.h5"
    shutil.copyfile(store.shipped_weights("simple"), path)
    return path


def _replace_dataset(path: Path, name: str, **create) -> None:
    with h5py.File(path, "r+") as f:
        del f[name]
        f.create_dataset(name, **create)


@pytest.mark.parametrize("change, message", [
    (dict(shape=(1 << 20, 784), dtype="f4", chunks=True, compression="gzip"),
     "more than the whole model holds"),
    (dict(data=np.full(784, b"nan", dtype="S3")), "not numbers"),
    (dict(data=np.full(784, np.nan, dtype="f4")), "NaN or infinite"),
])
def test_a_forged_weights_array_is_refused_quickly_and_the_model_is_unchanged(
        weights_file, simple_model, change, message):
    _replace_dataset(weights_file, "layers/dense_1/vars/1", **change)
    before = simple_model.autoencoder.get_weights()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(store.StoreError, match=message):
        store.load_weights(simple_model, weights_file)
    assert time.perf_counter() - t0 < 30  # it was minutes: a hang guard, not a timing test
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024 < 256 * MB
    after = simple_model.autoencoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_the_shipped_weights_still_load(simple_model):
    store.load_weights(simple_model, store.shipped_weights("simple"))


def test_a_keras_config_declaring_a_huge_layer_is_refused_before_it_is_built(tmp_path,
                                                                             simple_model):
    path = store.export_keras(simple_model, tmp_path / "s.keras")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    config = json.loads(members["config.json"])
    layers = config["config"]["layers"]
    code = next(layer for layer in layers if layer["config"]["name"] == "code")
    code["config"]["units"] = 1 << 18  # and the next layer's input to match: a consistent lie
    out = next(layer for layer in layers if layer["config"]["name"] == "reconstruction")
    out["build_config"]["input_shape"] = [None, 1 << 18]
    members["config.json"] = json.dumps(config).encode()
    forged = tmp_path / "forged.keras"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(store.StoreError, match="declares .* bytes of weights but the file stores"):
        store.open_keras_file(forged)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024 < 256 * MB
    store.open_keras_file(path)  # the genuine export still opens


def test_a_keras_file_whose_weights_declare_a_huge_array_is_refused_before_reading_it(
        tmp_path, simple_model):
    """Found by the 2,000-case run: Keras read the forged array whole (12.8 GB, 31 s)."""
    path = store.export_keras(simple_model, tmp_path / "s.keras")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    h5 = tmp_path / "w.h5"
    h5.write_bytes(members["model.weights.h5"])
    _replace_dataset(h5, "layers/dense_1/vars/0", shape=(1 << 20, 784), dtype="f4", chunks=True,
                     compression="gzip")
    members["model.weights.h5"] = h5.read_bytes()
    forged = tmp_path / "forged.keras"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(store.StoreError, match="more than the whole model holds"):
        store.open_keras_file(forged)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024 < 256 * MB


# ------------------------------------------------------------------ sweep folders
def _sweep_folder(tmp_path: Path) -> Path:
    from fuzz_kinds import _sweep_seed

    out = tmp_path / "sweep"
    for rel, content in _sweep_seed().items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)
    return out


def _trial(out: Path) -> Path:
    return next((out / "trials").iterdir())


def test_a_sweep_whose_digits_file_is_damaged_opens_with_that_trial_named(tmp_path):
    """Found by the sweep kind's first run: zipfile's BadZipFile and EOFError escaped."""
    from explorer.features.sweeps.picture import read_sweep

    out = _sweep_folder(tmp_path)
    digits = _trial(out) / "digits.npz"
    for damage in (b"", digits.read_bytes()[:300], b"PK\x03\x04" + b"\0" * 60):
        digits.write_bytes(damage)
        picture = read_sweep(out)
        assert len(picture.rows) == 1 and picture.digit_rows == ()
        assert any("cannot read the trial's digits" in p for p in picture.problems)


def test_a_trial_file_with_a_repeat_that_is_no_number_or_nested_deep_is_named_not_raised(
        tmp_path):
    """Found by the sweep kind's first run: a TypeError and a RecursionError escaped."""
    from explorer.core import sweep_files

    out = _sweep_folder(tmp_path)
    trial = _trial(out) / "trial.json"
    raw = json.loads(trial.read_text())
    for repeat in ("99", {}, -1, True):
        raw["spec"]["repeat"] = repeat
        trial.write_text(json.dumps(raw))
        with pytest.raises(sweep_files.SweepFileError, match="repeat must be a whole number"):
            sweep_files.read_trial(trial.parent)
    trial.write_text("[" * 100_000)
    with pytest.raises(sweep_files.SweepFileError, match="nested too deep"):
        sweep_files.read_trial(trial.parent)
