"""The tools that check the code's shape, run as part of the suite (and so in CI).

ruff (style, imports, the banned module-level TensorFlow import) and
import-linter (core imports no Qt; features are independent; the shell ->
features -> services/widgets -> core layering), both configured in
pyproject.toml. A failure prints the tool's own report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    if shutil.which("ruff") is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    result = _run(lint)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_python_dash_m_explorer_is_main_py():
    result = _run(sys.executable, "-m", "explorer", "train", "nonsense")
    assert result.returncode == 2
    assert "invalid choice: 'nonsense'" in result.stderr
