"""Lecture mode and your own data, driven through the real MainWindow's menus."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QPushButton

from explorer.core import download
from explorer.core.data import Dataset

TIMEOUT = 60000


def error_text(window) -> str:
    boxes = [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    return boxes[-1].text() if boxes else ""


# ------------------------------------------------------- presentation mode
def look(window) -> dict:
    """What presentation mode changes, read from the widgets themselves."""
    app = QApplication.instance()
    loss = window.training_panel.loss_plot
    kplot = window.kmeans_panel.plot
    axis = loss.getAxis("left")
    return {
        "font": app.font().pointSizeF(),
        "palette_window": app.palette().color(QPalette.ColorRole.Window).name(),
        "palette_text": app.palette().color(QPalette.ColorRole.WindowText).name(),
        "state": window.windowState(),
        "geometry": window.geometry().getRect(),
        # The plots' zoom: how many screen pixels one scene unit takes.
        "loss_zoom": round(loss.transform().m11(), 3),
        "kmeans_zoom": round(kplot.transform().m11(), 3),
        "tick_font": axis.style["tickFont"].pointSizeF() if axis.style["tickFont"] else None,
        "status_font": window.training_panel.status_label.font().pointSizeF(),
        "dock_shown": window.model_dock.isVisible(),
    }


def test_presentation_mode_scales_everything_and_toggles_back_exactly(window, qtbot):
    action = window.findChild(type(window.presentation_action), "presentation_action")
    assert action.isCheckable() and action.shortcut() == QKeySequence("F11")
    window.set_presentation_scale(1.5)
    before = look(window)
    assert before["loss_zoom"] == 1.0 and before["dock_shown"]
    action.trigger()
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=5000)
    on = look(window)
    f = window.presentation.scale
    assert f == 1.5
    assert on["font"] == pytest.approx(before["font"] * f)
    assert on["palette_window"] == "#ffffff" and on["palette_text"] == "#000000"
    assert (on["palette_window"], on["palette_text"]) != (before["palette_window"],
                                                          before["palette_text"])
    # Plots grow whole (text, pens, markers): zoomed by f, their text held at the
    # normal size so that it is not enlarged twice.
    assert on["loss_zoom"] == pytest.approx(f, rel=0.02)
    assert on["kmeans_zoom"] == pytest.approx(f, rel=0.02)
    assert on["tick_font"] == pytest.approx(before["font"])
    assert on["status_font"] == pytest.approx(before["status_font"] * f)  # a font of its own
    assert not on["dock_shown"]  # the tabs get the width; F9 brings the dock back

    action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5000)
    assert not action.isChecked()
    assert look(window) == before


def test_curves_added_during_a_lecture_are_zoomed_with_the_plot(window, qtbot):
    import pyqtgraph as pg

    window.set_presentation_scale(2.0)
    window.presentation_action.trigger()
    plot = window.training_panel.loss_plot
    late = pg.PlotDataItem([0, 1], [1, 0], pen=pg.mkPen("r", width=2))
    plot.addItem(late)
    # No rescan: the view's zoom draws the new curve 2x wide like the rest.
    assert plot.transform().m11() == pytest.approx(2.0, rel=0.02)
    assert late.opts["pen"].widthF() == pytest.approx(2)  # its own pen is left as it is
    window.presentation_action.trigger()
    assert plot.transform().m11() == pytest.approx(1.0)


def test_presentation_scale_is_configurable_and_fits_the_screen_by_default(window, qtbot):
    from explorer.ui.presentation import AUTO, fitting_scale

    app = QApplication.instance()
    normal = app.font().pointSizeF()
    assert window.presentation.scale_setting == AUTO  # "Fit the screen" by default
    assert fitting_scale(1280, 720) == 1.25
    assert fitting_scale(1920, 1080) == pytest.approx(1.88)
    assert fitting_scale(3840, 2160) == 3.0 and fitting_scale(1024, 640) == 1.02
    two = next(a for a in window.scale_actions.actions() if a.data() == 2.0)
    two.trigger()
    assert window.presentation.scale == 2.0
    window.presentation_action.trigger()
    assert app.font().pointSizeF() == pytest.approx(normal * 2)
    next(a for a in window.scale_actions.actions() if a.data() == 1.25).trigger()
    assert app.font().pointSizeF() == pytest.approx(normal * 1.25)  # applied at once
    window.presentation_action.trigger()
    assert app.font().pointSizeF() == pytest.approx(normal)


def test_esc_leaves_full_screen_and_never_stops_a_run(window, qtbot):
    panel = window.model_panel
    panel.train_limit = (256, 64)
    panel.epochs_spin.setValue(30)
    panel.batch_size_spin.setValue(8)
    with qtbot.waitSignal(window.session.batch_finished, timeout=TIMEOUT):
        panel.train_button.click()
    window.presentation_action.trigger()
    qtbot.waitUntil(window.isFullScreen, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5000)
    assert not window.presentation.is_active
    assert window.session.is_training  # Esc left full screen, not the run
    assert "Ctrl+." in panel.stop_button.toolTip() and "Esc" not in panel.stop_button.toolTip()
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT):
        window.findChild(type(window.presentation_action), "stop_action").trigger()


# -------------------------------------------------------- keys for demos
def test_no_key_is_bound_twice(window):
    """An ambiguous shortcut fires nothing: each key may have one owner."""
    owners: dict[str, list[str]] = {}
    for action in window.findChildren(type(window.presentation_action)):
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action.objectName() or action.text())
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():
            owners.setdefault(button.shortcut().toString(), []).append(button.objectName())
    twice = {k: v for k, v in owners.items() if len(v) > 1}
    assert not twice
    for key in ("Ctrl+T", "Ctrl+P", "Esc", "Ctrl+.", "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+R",
                "Ctrl+Backspace", "Ctrl+0", "Ctrl+PgDown", "F11", "F9", "Alt+1", "Alt+5",
                "Ctrl+D", "Ctrl+Shift+D", "Ctrl+Up", "Ctrl+Down"):
        assert QKeySequence(key).toString() in owners, key
    assert "Ctrl+T" in window.model_panel.train_button.toolTip()
    assert "Ctrl+1" in window.kmeans_panel.assign_button.toolTip()


def test_the_keys_work_while_typing_in_a_spin_box(window, qtbot):
    """Real key presses, with the focus where a lecturer's typing leaves it."""
    kmeans, panel = window.kmeans_panel, window.model_panel
    qtbot.waitUntil(lambda: kmeans.stepper is not None, timeout=TIMEOUT)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    panel.train_limit = (64, 16)
    panel.epochs_spin.setValue(200)
    panel.batch_size_spin.setValue(8)
    spin = panel.epochs_spin
    spin.setFocus()
    ctrl = Qt.KeyboardModifier.ControlModifier

    qtbot.keyClick(spin, Qt.Key.Key_1, ctrl)
    assert kmeans.stepper.is_assigned and window.tabs.currentWidget() is kmeans
    after_kmeans = (window.tabs.indexOf(kmeans) + 1) % window.tabs.count()
    qtbot.keyClick(spin, Qt.Key.Key_PageDown, ctrl)
    assert window.tabs.currentIndex() == after_kmeans
    qtbot.keyClick(spin, Qt.Key.Key_F11)
    assert window.isFullScreen()
    qtbot.keyClick(spin, Qt.Key.Key_F11)
    assert not window.isFullScreen()
    with qtbot.waitSignal(window.session.batch_finished, timeout=TIMEOUT):
        qtbot.keyClick(spin, Qt.Key.Key_T, ctrl)
    qtbot.waitUntil(panel.stop_button.isEnabled, timeout=5000)
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT) as ended:
        qtbot.keyClick(spin, Qt.Key.Key_Period, ctrl)  # Stop's key (Esc leaves full screen)
    assert ended.args[0].status == "stopped"
    assert spin.value() == 200  # nothing typed into the box on the way


def test_menu_actions_press_the_panels_buttons(window, qtbot):
    kmeans = window.kmeans_panel
    qtbot.waitUntil(lambda: kmeans.stepper is not None, timeout=TIMEOUT)
    window.tabs.setCurrentIndex(0)
    assign = window.findChild(type(window.presentation_action), "kmeans_assign_action")
    assign.trigger()
    assert window.tabs.currentWidget() is kmeans  # the lab comes to the front
    assert kmeans.stepper.is_assigned and kmeans.stepper.last_kind == "assign"
    window.findChild(type(assign), "kmeans_update_action").trigger()
    assert kmeans.stepper.last_kind == "update"
    window.findChild(type(assign), "kmeans_back_action").trigger()
    assert kmeans.stepper.last_kind == "assign"

    panel = window.model_panel
    panel.train_limit = (64, 16)
    panel.epochs_spin.setValue(200)
    panel.batch_size_spin.setValue(8)
    stop = window.findChild(type(assign), "stop_action")
    assert not stop.isEnabled()  # follows the Stop button
    with qtbot.waitSignal(window.session.batch_finished, timeout=TIMEOUT):
        window.findChild(type(assign), "train_action").trigger()
    qtbot.waitUntil(stop.isEnabled, timeout=5000)
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT) as ended:
        stop.trigger()
    assert ended.args[0].status == "stopped"


def test_tensorboard_logging_writes_event_files(window, qtbot, tmp_path, monkeypatch):
    pytest.importorskip("tensorboard", reason="tf.summary needs the tensorboard package")
    logs = tmp_path / "tb"
    monkeypatch.setattr(window, "_ask_tensorboard_dir", lambda: str(logs))
    assert not window.tensorboard_action.isChecked()  # off by default
    window.tensorboard_action.setChecked(True)
    assert window.model_panel.current_config().tensorboard_dir.startswith(str(logs))
    panel = window.model_panel
    panel.train_limit = (64, 16)
    panel.epochs_spin.setValue(1)
    panel.batch_size_spin.setValue(32)
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT) as ended:
        window.findChild(type(window.tensorboard_action), "train_action").trigger()
    assert ended.args[0].status == "finished"
    assert list(logs.rglob("events.out.tfevents*"))
    window.tensorboard_action.setChecked(False)
    assert panel.current_config().tensorboard_dir is None


def test_tensorboard_without_its_package_says_what_to_install(window, qtbot, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorboard" else real(name, *a))
    monkeypatch.setattr(window, "_ask_tensorboard_dir", lambda: pytest.fail("no dialog"))
    window.tensorboard_action.setChecked(True)
    assert not window.tensorboard_action.isChecked()
    assert "pip install tensorboard" in error_text(window)
    assert window.model_panel.current_config().tensorboard_dir is None


# ----------------------------------------------------------- your own data
def write_pngs(folder, images: np.ndarray, labels: np.ndarray) -> None:
    """PNG files as an image program writes them: Qt's encoder, sub-folders 0..9."""
    for i, (img, label) in enumerate(zip(images, labels, strict=True)):
        sub = folder / str(int(label))
        sub.mkdir(parents=True, exist_ok=True)
        u8 = np.ascontiguousarray(np.round(np.asarray(img) * 255).astype(np.uint8))
        qimg = QImage(u8.data, 28, 28, 28, QImage.Format.Format_Grayscale8)
        assert qimg.save(str(sub / f"digit{i}.png"))


def test_opening_a_folder_of_pngs_switches_every_panel(window, qtbot, tmp_path, embedded,
                                                        monkeypatch):
    folder = tmp_path / "class drawings"
    images, labels = embedded.x_train[-30:], embedded.y_train[-30:]
    write_pngs(folder, images, labels)
    monkeypatch.setattr(window.dataset_actions, "_ask_dataset_path", lambda kind: str(folder))
    recon = window.recon_panel
    with qtbot.waitSignal(window.session.dataset_changed, timeout=5000):
        window.findChild(type(window.presentation_action), "open_dataset_folder_action").trigger()
    ds = window.session.dataset
    assert str(folder) in ds.source and ds.n_train + ds.n_test == 30
    # Named, so that a run's recovery checkpoint can find its data again.
    assert window.session.data_path == str(folder.resolve())
    assert str(folder) in window.data_label.text()
    qtbot.waitUntil(lambda: recon.current_view is not None, timeout=TIMEOUT)
    shown = recon.current_view.originals
    for digit in shown:  # every digit shown is one of the PNGs
        assert min(np.abs(digit - x).max() for x in images) <= 0.5 / 255
    assert window.kmeans_panel.points_spin.maximum() == ds.n_test
    qtbot.waitUntil(lambda: window.kmeans_panel.points is not None
                    and window.kmeans_panel.points.n == ds.n_test, timeout=TIMEOUT)


def test_a_bad_file_shows_an_error_and_keeps_the_data(window, qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"not a zip at all")
    old = window.session.dataset
    monkeypatch.setattr(window.dataset_actions, "_ask_dataset_path", lambda kind: str(bad))
    window.findChild(type(window.presentation_action), "open_dataset_action").trigger()
    qtbot.waitUntil(lambda: "mnist.npz" in error_text(window), timeout=5000)
    assert "keeps using" in error_text(window) and old.source in error_text(window)
    assert window.session.dataset is old


def test_opening_data_while_training_is_refused(window, qtbot, tmp_path, tiny, monkeypatch):
    folder = tmp_path / "pngs"
    write_pngs(folder, tiny.x_test[:4], tiny.y_test[:4])
    old = window.session.dataset
    monkeypatch.setattr(window.session.runner, "is_training", True)
    assert not window.dataset_actions.open_dataset(str(folder), kind="folder")
    qtbot.waitUntil(lambda: "stop the training" in error_text(window), timeout=5000)
    assert window.session.dataset is old


def test_download_without_network_says_so_at_once(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # no cached copy to fall back on

    def no_network(*args, **kwargs):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(download.socket, "create_connection", no_network)
    old = window.session.dataset
    with qtbot.waitSignal(window.dataset_actions.download_finished, timeout=10000) as done:
        window.findChild(type(window.presentation_action), "download_mnist_action").trigger()
        assert window.dataset_actions.progress.isVisible()
    assert done.args == ["failed"]
    text = error_text(window)
    assert "could not reach the download server" in text.lower()
    assert "Network is unreachable" in text
    assert f"keeps using {old.source}" in text
    assert window.session.dataset is old and window.dataset_actions.progress is None


def test_a_cancelled_download_is_dropped_and_a_finished_one_switches(window, qtbot, tiny,
                                                                     monkeypatch):
    gate = threading.Event()
    full = Dataset(tiny.x_train, tiny.y_train, tiny.x_test, tiny.y_test, "full MNIST (test)")
    monkeypatch.setattr(download, "download_full_mnist",
                        lambda **kw: full if gate.wait(20) else None)
    actions, old = window.dataset_actions, window.session.dataset
    try:
        with qtbot.waitSignal(actions.download_finished, timeout=5000) as done:
            actions.download_full_mnist()
            qtbot.mouseClick(actions.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
        assert done.args == ["cancelled"] and actions.progress is None
    finally:
        gate.set()
    flushed = []
    window.session.submit("after", lambda s, m, d: True, flushed.append)
    qtbot.waitUntil(lambda: bool(flushed), timeout=TIMEOUT)  # the download job is over
    assert window.session.dataset is old  # its answer never arrived

    with qtbot.waitSignal(window.session.dataset_changed, timeout=TIMEOUT):
        actions.download_full_mnist()
    assert window.session.dataset is full
    assert actions.progress is None


def test_every_plot_shows_its_numbers_as_they_are(window):
    """No "(x0.001)" or "(x1e-06)" scale hidden in an axis label, on any plot."""
    import pyqtgraph as pg

    plots = window.findChildren(pg.PlotWidget)
    names = {p.objectName() for p in plots}
    assert {"loss_plot", "kmeans_plot", "kmeans_j_plot", "kmeans_confusion"} <= names
    for plot in plots:
        for side in ("left", "bottom"):
            assert not plot.getPlotItem().getAxis(side).autoSIPrefix, (plot.objectName(), side)
