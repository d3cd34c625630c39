from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv, message", [
    (["train", "vae"], "invalid choice"),
    (["train", "conv", "--epochs", "0"], "at least 1"),
    (["train", "conv", "--batch-size", "0"], "at least 1"),
    (["train", "conv", "--noise", "2.0"], "between 0 and 1"),
    (["train", "conv", "--learning-rate", "-1"], "positive"),
    (["train", "conv", "--optimizer", "sgd"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_missing_data_file_exits_2_naming_it(tmp_path, capsys):
    missing = tmp_path / "nope.npz"
    assert cli.main(["train", "simple", "--epochs", "1", "--data", str(missing)]) == 2
    assert "nope.npz" in capsys.readouterr().err


def test_train_headless_prints_epochs_and_writes_files(tmp_path):
    """As a new user would run it: a real subprocess on the embedded data."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "train", "conv", "--epochs", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "embedded MNIST sample" in proc.stdout
    assert "Epoch 1/1: train loss" in proc.stdout and "samples/s" in proc.stdout
    # TensorFlow's C++ start-up log is kept off the terminal
    assert "oneDNN" not in proc.stderr and "cuda" not in proc.stderr.lower()
    meta = json.loads((out / "conv.json").read_text())
    assert meta["arch_id"] == "conv" and meta["epochs"] == 1
    assert (out / "conv.weights.h5").stat().st_size > 10_000
