"""Import hygiene, each checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, timeout=120)
    return set(out.stdout.split())


def test_core_imports_no_qt():
    mods = _modules_after("import explorer.core.data, explorer.core.models, "
                          "explorer.core.training, explorer.core.store, "
                          "explorer.core.kmeans, explorer.core.projection")
    assert not any(m.startswith(("PySide6", "pyqtgraph", "shiboken6")) for m in mods)


def test_core_and_ui_import_no_tensorflow():
    """The window must be able to paint before TensorFlow is imported."""
    mods = _modules_after("import explorer.core.models, explorer.core.training, "
                          "explorer.ui.main_window")
    assert "tensorflow" not in mods and "keras" not in mods
