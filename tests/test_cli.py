from __future__ import annotations

import json
import os
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


def test_version_is_the_packages(capsys):
    import explorer

    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"autoencoder-explorer {explorer.__version__}"


def test_python_m_explorer_is_the_same_program():
    proc = subprocess.run([sys.executable, "-m", "explorer", "--version"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.startswith("autoencoder-explorer ")
    proc = subprocess.run([sys.executable, "-m", "explorer", "train", "vae"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def _batches_and_epochs(progress):
    from explorer.core.training import BatchProgress, EpochResult

    for epoch in range(2):
        for batch in range(1, 5):
            progress.on_batch(BatchProgress(epoch, batch, 4, 0.5 - 0.01 * batch, 1234.0, 3.0))
        progress.on_epoch(EpochResult(epoch + 1, 2, 0.3 - 0.1 * epoch, 0.31, 1500.0, 2.0, 1.0))


def test_progress_is_plain_lines_when_not_a_terminal():
    import io

    out = io.StringIO()
    with cli.TerminalProgress(out, epochs=2) as progress:
        _batches_and_epochs(progress)
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text  # no bar, no colours: a log file
    assert text.splitlines() == [
        "Epoch 1/2: train loss 0.3000, validation loss 0.3100, 1,500 samples/s, ETA 00:02",
        "Epoch 2/2: train loss 0.2000, validation loss 0.3100, 1,500 samples/s, ETA 00:02"]


def test_progress_is_a_bar_per_epoch_in_a_terminal():
    import io

    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with cli.TerminalProgress(out, console=console, epochs=2) as progress:
        _batches_and_epochs(progress)
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text  # the bars' labels
    assert "4/4" in text and "loss 0.4600" in text and "1,234 samples/s" in text
    assert "━" in text  # rich's bar
    assert "Epoch 1/2: train loss 0.3000" in text and "Epoch 2/2: train loss 0.2000" in text


def test_train_on_the_cpu_into_the_user_folder_with_stderr_open(tmp_path, tiny):
    """No --out: the weights go to the user's own folder; --device cpu says it uses the CPU.

    And standard error is no longer muted for the whole process, only
    TensorFlow's own log is: a native write to file descriptor 2 after start
    reaches the terminal. (One subprocess for both: each pays TensorFlow's import.)
    """
    import numpy as np

    from explorer.core import userdata

    data = tmp_path / "few.npz"  # a few hundred digits: the run is about the plumbing
    np.savez(data, x_train=np.asarray(tiny.x_train) * 255, y_train=tiny.y_train,
             x_test=np.asarray(tiny.x_test) * 255, y_test=tiny.y_test)
    script = (
        "import os, sys\n"
        "from explorer.core import training\n"
        "real = training.train\n"
        "def train(*a, **k):\n"
        "    os.write(2, b'native message from C\\n')\n"
        "    return real(*a, **k)\n"
        "training.train = train\n"
        "from explorer import cli\n"
        "sys.argv = ['autoencoder-explorer', '--device', 'cpu', 'train', 'conv', '--epochs', '1',"
        f" '--data', {str(data)!r}]\n"
        "sys.exit(cli.main())\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{userdata.HOME_ENV: str(tmp_path / "home")})
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Device: CPU, " in proc.stdout and " thread" in proc.stdout
    weights = tmp_path / "home" / "weights" / "conv.weights.h5"
    assert weights.stat().st_size > 10_000 and (weights.parent / "conv.json").is_file()
    assert f"Saved {weights}" in proc.stdout
    assert "native message from C" in proc.stderr
    # TensorFlow's C++ lines, at import ("oneDNN custom operations") and later
    # ("oneDNN supports DT_INT32 only on ..."), stay off the terminal
    assert "oneDNN" not in proc.stderr and "cuda" not in proc.stderr.lower()
