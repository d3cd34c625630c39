"""Bad input from the command line and in the files the program reads.

The loaders' own checks are in test_data.py and test_store.py; here each bad
file goes through the real entry point (`python main.py train ... --data X`
in a subprocess) and must get exit code 2 and one line that names the file
and says what to do, with nothing written. Also: metadata files whose values
are of the wrong kind, which used to escape as ValueError.
"""

from __future__ import annotations

import gzip
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mnist_files import digits, idx_bytes, idx_folder, npz, truncated_gz_folder

from explorer import cli
from explorer.core import store

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ builders
def _objects(n: int) -> np.ndarray:
    a = np.empty(n, dtype=object)
    a[:] = [{"label": i % 10} for i in range(n)]
    return a


def _folder_without_mnist(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("hi")
    return folder


def _not_a_zip(tmp_path: Path) -> Path:
    (tmp_path / "d.npz").write_bytes(b"hello")
    return tmp_path / "d.npz"


# name -> (make(tmp_path) -> the --data path, what the message must name, what to do)
BAD_DATA = {
    "missing path": (lambda t: t / "nope.npz", "nope.npz", "give a Keras-format mnist.npz"),
    "folder without MNIST": (_folder_without_mnist, "notes", "expected train-images-idx3-ubyte"),
    "truncated .gz": (lambda t: truncated_gz_folder(t / "m"), "t10k-images-idx3-ubyte.gz",
                      "download the file again"),
    "non-gzip named .gz": (
        lambda t: idx_folder(t / "m", labels=idx_bytes(digits(20)[1])),
        "t10k-labels-idx1-ubyte.gz", "remove .gz from its name"),
    "wrong IDX magic": (
        lambda t: idx_folder(t / "m", images=gzip.compress(idx_bytes(digits(20)[1]))),
        "t10k-images-idx3-ubyte.gz", "expected 0x00000803 for an image file"),
    "npz without the four arrays": (lambda t: npz(t / "d.npz", x_test=None, y_test=None),
                                    "d.npz", "holds x_train, y_train, x_test, y_test"),
    "npz wrong shape": (lambda t: npz(t / "d.npz", x_train=np.zeros((30, 32, 32), np.uint8)),
                        "d.npz[x_train]", "expected (n, 28, 28) or (n, 784)"),
    "npz wrong dtype": (lambda t: npz(t / "d.npz", x_test=np.full((20, 28, 28), "a")),
                        "d.npz[x_test]", "expected integers or floats"),
    "npz NaN": (lambda t: npz(t / "d.npz", x_train=lambda x: np.where(x > 200, np.nan, x / 255)),
                "d.npz[x_train]", "NaN"),
    "npz above 255": (lambda t: npz(t / "d.npz", x_test=lambda x: x.astype(np.int32) * 2),
                      "d.npz[x_test]", "expected 0..255"),
    "npz counts differ": (lambda t: npz(t / "d.npz", y_train=lambda y: y[:-3]),
                          "d.npz[y_train] holds 27 labels", "pair one to one"),
    "npz pickled objects": (lambda t: npz(t / "d.npz", y_test=_objects(20)),
                            "d.npz[y_test]", "refusing to unpickle"),
    "not a zip": (_not_a_zip, "d.npz", "not a .npz archive"),
}


def run_main(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_main_train_with_bad_data_exits_2_with_one_line_naming_the_file(case, tmp_path):
    make, names, todo = BAD_DATA[case]
    data = make(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    proc = run_main("train", "simple", "--epochs", "1", "--data", str(data), "--out", str(out))
    err = proc.stderr.strip()
    assert proc.returncode == 2, proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("autoencoder-explorer: error: ")
    assert names in err and todo in err, err
    assert proc.stdout == ""  # refused before any training
    assert not out.exists()
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_pickled_npz_is_refused_without_running_its_code(tmp_path):
    """An .npz whose object array would run code when unpickled: never unpickled."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (marker, "ran"))

    arrays = np.empty(20, dtype=object)
    arrays[:] = [Payload() for _ in range(20)]
    pickle.dumps(arrays[0])  # the payload really is picklable
    path = npz(tmp_path / "evil.npz", y_test=arrays)
    proc = run_main("train", "simple", "--data", str(path))
    assert proc.returncode == 2 and "refusing to unpickle" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize("argv, message", [
    (["train", "simple", "--epochs", "0"], "must be at least 1, got 0"),
    (["train", "autoencoder9"], "invalid choice: 'autoencoder9'"),
])
def test_out_of_range_values_exit_2_with_one_line_in_a_real_process(argv, message):
    proc = run_main(*argv)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert message in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("argv, message", [
    (["train", "simple", "--learning-rate", "nan"], "positive"),
    (["train", "simple", "--learning-rate", "inf"], "positive"),
    (["train", "simple", "--learning-rate", "0"], "positive"),
    (["train", "simple", "--noise", "-0.1"], "between 0 and 1"),
    (["train", "simple", "--noise", "nan"], "between 0 and 1"),
    (["train", "simple", "--epochs", "1.5"], "not a whole number"),
    (["train", "simple", "--batch-size", "-3"], "at least 1"),
    (["train", "simple", "--epochs", "many"], "not a whole number"),
])
def test_more_out_of_range_values_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err


# ------------------------------------------------------ metadata values
GOOD_META = {"arch_id": "simple", "keras_version": "3.0", "optimizer": "adam",
             "learning_rate": 0.001, "epochs": 3, "batch_size": 256, "noise": 0.0,
             "train_loss": 0.2, "val_loss": 0.21, "data_source": "x", "date": "2026-01-01",
             "history": [[0.3, 0.31], [0.2, 0.21]]}


@pytest.mark.parametrize("change, field", [
    ({"epochs": "many"}, "epochs"),
    ({"epochs": [3]}, "epochs"),
    ({"learning_rate": "fast"}, "learning_rate"),
    ({"train_loss": "low"}, "train_loss"),
    ({"val_loss": {"a": 1}}, "val_loss"),
    ({"batch_size": 1e400}, "batch_size"),  # JSON's Infinity
    ({"history": [1, 2]}, "history"),
    ({"history": [["a", "b"]]}, "history"),
    ({"history": "long"}, "history"),
])
def test_metadata_with_values_of_the_wrong_kind_is_a_store_error(tmp_path, change, field):
    """Before: float('fast') escaped as ValueError; the session's first build
    failed and the window stayed on "loading TensorFlow..." for ever."""
    (tmp_path / "simple.json").write_text(json.dumps({**GOOD_META, **change}))
    with pytest.raises(store.StoreError) as err:
        store.load_metadata("simple", tmp_path)
    assert "simple.json" in str(err.value) and field in str(err.value)


def test_metadata_with_good_values_still_loads_as_before(tmp_path):
    (tmp_path / "simple.json").write_text(json.dumps({**GOOD_META, "learning_rate": "0.01",
                                                      "val_loss": None, "noise": None}))
    meta = store.load_metadata("simple", tmp_path)
    assert (meta.epochs, meta.learning_rate, meta.val_loss, meta.noise) == (3, 0.01, None, 0.0)
    assert meta.history == ((0.3, 0.31), (0.2, 0.21))
    assert "3 epochs" in meta.summary()


def test_the_shipped_metadata_all_load():
    for arch_id in ("simple", "sparse", "deep", "conv", "denoise"):
        meta = store.load_metadata(arch_id)
        assert meta.arch_id == arch_id and meta.epochs > 0 and meta.summary()
