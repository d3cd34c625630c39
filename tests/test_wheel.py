"""Installed from its wheel, as `pip install .` or a PyPI release would, the program works anywhere.

The wheel is built from a copy of the sources, installed with no dependencies
(they are already in this environment, seen through --system-site-packages)
into a fresh virtual environment, and run from a folder outside the
checkout under a temporary HOME: the window starts on the shipped weights
and data, and `train` writes into the user data folder, never into the
installed package.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from explorer.core import models, userdata

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("explorer", "resources", "trained", "pyproject.toml", "setup.py", "README.md")
pytestmark = pytest.mark.slow


def _run(args, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:  # a copy: an in-tree build would leave build/ in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    # Without build isolation (no download) when setuptools is here, as the test extra ensures.
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", dist, src],
         timeout=300)
    (built,) = dist.glob("autoencoder_explorer-*.whl")
    return built


def test_the_wheel_holds_the_embedded_data_and_the_shipped_weights(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "SHA256SUMS",
                 "MNIST-README.md"):
        assert f"explorer/_resources/{name}" in names
    for arch in models.ARCH_IDS:
        assert f"explorer/_trained/{arch}.weights.h5" in names
    for lesson in ("homework.toml", "what_the_code_knows.toml", "README.md"):
        assert f"explorer/_resources/lessons/{lesson}" in names
        assert f"explorer/_trained/{arch}.json" in names
    assert "explorer/__main__.py" in names and "explorer/core/preprocess.py" in names


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    # --system-site-packages: TensorFlow, Qt and the rest are already installed
    # here; --without-pip: this environment's pip, seen through them, installs;
    # --ignore-installed: this environment's own (editable) copy must not count.
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env_dir],
         timeout=120)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel],
         timeout=300)
    return env_dir


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (userdata.HOME_ENV, "XDG_DATA_HOME", "XDG_CONFIG_HOME", "PYTHONPATH",
                        "KERAS_HOME")}
    env.update(HOME=str(home), USERPROFILE=str(home), QT_QPA_PLATFORM="offscreen")
    return env


def test_installed_from_the_wheel_it_starts_and_trains_outside_the_checkout(venv, tmp_path):
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    program = bin_dir / "autoencoder-explorer"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home = tmp_path / "home"
    env = _clean_env(home)
    where = _run([python, "-c", "import explorer; print(explorer.__file__)"], cwd=elsewhere,
                 env=env, timeout=60).stdout.strip()
    package = Path(where).resolve().parent
    assert package.is_relative_to(venv.resolve()), f"imported {where}, not the installed copy"
    shipped = {p.name: p.stat().st_mtime_ns for p in (package / "_trained").iterdir()}

    from explorer.ui.app import STARTUP_REPORT_ENV

    window = _run([program], cwd=elsewhere, env=dict(env, **{STARTUP_REPORT_ENV: "1"}), timeout=300)
    assert "model_ready" in window.stdout
    assert "weights the shipped pre-trained weights, trained on embedded MNIST sample" in window.stdout

    train = _run([program, "train", "simple", "--epochs", "1"], cwd=elsewhere, env=env, timeout=600)
    assert "Data: embedded MNIST sample: 8,000 train / 2,000 test" in train.stdout
    assert "Epoch 1/1: train loss" in train.stdout
    saved = list(home.rglob("simple.weights.h5"))
    assert len(saved) == 1 and f"Saved {saved[0]}" in train.stdout
    assert saved[0].parent.name == "weights" and saved[0].parent.parent.name == userdata.APP_NAME
    if sys.platform.startswith("linux"):
        assert saved[0] == home / ".local" / "share" / userdata.APP_NAME / "weights" / "simple.weights.h5"
    assert {p.name: p.stat().st_mtime_ns for p in (package / "_trained").iterdir()} == shipped
    assert not list(elsewhere.iterdir()), "nothing written where it was started"
