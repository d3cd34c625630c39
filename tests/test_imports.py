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


def test_keras_import_leaves_the_collector_little_to_walk():
    """TensorFlow's half a million objects are frozen once imported.

    A full garbage collection walks every tracked object with the GIL held;
    over TensorFlow's heap that took 0.2-0.3 s and froze the window whenever
    one fell during training. After `import_keras` the objects are in the
    permanent generation: few remain for the collector, and it still runs.
    """
    code = ("import gc\nfrom explorer.core import models\nmodels.import_keras()\n"
            "print(gc.get_freeze_count(), len(gc.get_objects()), gc.isenabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    frozen, tracked, enabled = out.stdout.split()
    assert int(frozen) > 100_000
    assert int(tracked) < int(frozen) // 50
    assert enabled == "True"


def test_the_installation_modules_import_neither_qt_nor_tensorflow():
    """--version, the first-run check and image loading stay quick: no Qt, no TensorFlow."""
    mods = _modules_after("import explorer.cli, explorer.first_run, explorer.core.userdata, "
                          "explorer.core.devices, explorer.core.preprocess, "
                          "explorer.core.image_folder, explorer.core.package_data")
    assert not any(m.startswith(("PySide6", "pyqtgraph", "shiboken6")) for m in mods)
    assert "tensorflow" not in mods and "keras" not in mods


def test_projection_modules_import_no_heavy_library():
    """t-SNE, UMAP (which imports TensorFlow), numba and Qt load on first use only."""
    mods = _modules_after("import explorer.core.projection, explorer.core.neighbour_maps, "
                          "explorer.core.embedding_quality, explorer.core.cluster_agreement, "
                          "explorer.core.timelapse, explorer.core.timelapse_store")
    heavy = ("tensorflow", "keras", "openTSNE", "umap", "numba", "sklearn", "PySide6", "pyqtgraph")
    assert not [m for m in mods if m.split(".")[0] in heavy]
