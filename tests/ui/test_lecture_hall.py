"""Issue 20 in the window: what a lecture hall needs, offscreen (tests/xserver does a real screen)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fit import all_problems
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication

TIMEOUT = 60000
TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture
def shipped(tmp_path):
    folder = tmp_path / "trained"
    shutil.copytree(TRAINED, folder)
    return folder


def open_window(qtbot, tiny, tmp_path, trained, size=(1280, 720)):
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=trained, settings=settings)
    qtbot.addWidget(w)
    w.resize(*size)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    return w


@pytest.mark.parametrize("size", [(1024, 640), (1280, 720), (1920, 1080)])
@pytest.mark.parametrize("mode", ["normal", "presentation"])
def test_every_named_control_of_every_tab_is_inside_the_window(qtbot, tiny, tmp_path, size, mode):
    w = open_window(qtbot, tiny, tmp_path, tmp_path / "none", size)
    assert (w.width(), w.height()) == size  # a resize to 1,024 x 640 is accepted
    if mode == "presentation":
        w.set_presentation_scale(1.25)
        w.presentation_action.trigger()
        qtbot.waitUntil(w.isFullScreen, timeout=5000)
        w.resize(*size)  # offscreen has no window manager: hold the size under test
        QApplication.processEvents()
    problems = {tab: p for tab, p in all_problems(w).items() if p}
    assert problems == {}, (size, mode)
    w.close()


def test_in_presentation_at_1280x720_the_digits_are_at_least_as_large(qtbot, tiny, tmp_path,
                                                                     shipped):
    w = open_window(qtbot, tiny, tmp_path, shipped, (1280, 720))
    w.tabs.setCurrentWidget(w.recon_panel)
    qtbot.waitUntil(lambda: w.recon_panel.current_view is not None, timeout=TIMEOUT)
    QApplication.processEvents()
    normal = w.recon_panel.recon_view.cell_size()
    w.set_presentation_scale(1.25)
    w.presentation_action.trigger()
    qtbot.waitUntil(w.isFullScreen, timeout=5000)
    w.resize(1280, 720)
    QApplication.processEvents()
    presenting = w.recon_panel.recon_view.cell_size()
    assert presenting >= normal, (presenting, normal)
    w.close()


def test_clicking_a_digit_shows_it_large_with_its_label_loss_and_code(qtbot, tiny, tmp_path,
                                                                     shipped):
    w = open_window(qtbot, tiny, tmp_path, shipped)
    panel = w.recon_panel
    w.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.current_view is not None, timeout=TIMEOUT)
    QApplication.processEvents()
    grid = panel.recon_view
    rect = grid._cell_rects[3]
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.center().x()), int(grid.height() / 2)))
    zoom = panel.zoom
    assert zoom is not None and zoom.isVisible()
    view = panel.current_view
    assert zoom.title_label.text() == f"Digit {view.labels[3]} · test #{view.indices[3]}"
    assert f"{view.per_digit_loss[3]:.4f}" in zoom.lines_label.text()
    assert zoom.code.isVisible() and zoom.digit.image.width() == 2 * 28 + 2
    w.close()


def test_simple_and_sparse_codes_are_drawn_on_one_colour_scale(qtbot, tiny, tmp_path, shipped):
    w = open_window(qtbot, tiny, tmp_path, shipped)
    latent = w.latent_panel
    w.tabs.setCurrentWidget(latent)
    qtbot.waitUntil(lambda: latent.comparison.pair is not None, timeout=TIMEOUT)
    pair = latent.comparison.pair
    assert pair.arch_ids == ("simple", "sparse")
    top = max(float(np.nanmax(c)) for c in pair.codes)
    assert pair.levels == (0.0, pytest.approx(top))  # one scale: the largest of both
    simple, sparse = pair.stats
    assert sparse.mean_activation < simple.mean_activation  # the tutorial's point, live
    figures = {a: latent.comparison_view.rows[a][0].text() for a in pair.arch_ids}
    assert f"{simple.mean_activation:.2f} (the tutorial: 7.30)" in figures["simple"]
    assert f"{sparse.mean_activation:.2f} (the tutorial: 3.33)" in figures["sparse"]
    w.close()


def test_validating_is_shown_while_validation_runs(qtbot, tiny, tmp_path):
    w = open_window(qtbot, tiny, tmp_path, tmp_path / "none")
    runs = w.training_panel.state
    seen = []
    runs.readout_changed.connect(lambda r: seen.append(r.status))
    panel = w.model_panel
    panel.train_limit = (128, 512)  # a long validation pass beside a short epoch
    panel.epochs_spin.setValue(2)
    panel.batch_size_spin.setValue(64)
    with qtbot.waitSignal(w.session.training_ended, timeout=TIMEOUT):
        panel.train_button.click()
    assert "validating after epoch 1 of 2" in seen
    assert seen.index("validating after epoch 1 of 2") < len(seen) - 1
    w.close()
