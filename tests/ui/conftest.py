"""Fixtures shared by the UI tests."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QSettings

TIMEOUT = 60000


@pytest.fixture
def session(qtbot, tiny, tmp_path):
    """A Session on the tiny dataset with no pre-trained weights, not started yet."""
    from explorer.services.session import Session

    s = Session(dataset=tiny, trained_dir=tmp_path)
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def window(qtbot, tiny, tmp_path):
    """A shown MainWindow, backend ready, settings in a private ini file."""
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=tmp_path / "no-weights", settings=settings)
    qtbot.addWidget(w)
    w.resize(780, 560)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    yield w
    w.close()


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory):
    """A copy of trained/ with the simple model's weights and frames (a Session may save
    into its folder)."""
    from explorer.core import store

    folder = tmp_path_factory.mktemp("trained")
    for name in ("simple.weights.h5", "simple.json", "simple.timelapse.npz"):
        shutil.copy(store.TRAINED_DIR / name, folder / name)
    return folder
