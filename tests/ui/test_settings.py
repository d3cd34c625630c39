"""Settings survive a restart of the window (QSettings in a temporary ini file)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from explorer.ui.main_window import MainWindow
from explorer.ui.presentation import AUTO
from explorer.ui.settings import WindowSettings, default_settings

TIMEOUT = 60000


def open_window(qtbot, tiny, tmp_path, **kwargs) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=tmp_path / "no-weights", settings=settings,
                   **kwargs)
    qtbot.addWidget(w)
    w.resize(790, 600)
    return w


def test_settings_survive_a_restart(qtbot, tiny, tmp_path):
    first = open_window(qtbot, tiny, tmp_path)
    with qtbot.waitSignal(first.session.backend_ready, timeout=TIMEOUT):
        first.show()
    assert first.session.arch_id == "simple"  # nothing remembered yet
    panel = first.model_panel
    with qtbot.waitSignal(first.session.model_changed, timeout=TIMEOUT):
        panel.architecture_combo.setCurrentIndex(panel.architecture_combo.findData("deep"))
    panel.epochs_spin.setValue(7)
    panel.batch_size_spin.setValue(64)
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adadelta"))
    panel.learning_rate_spin.setValue(0.5)
    panel.train_noise_spin.setValue(0.25)
    next(a for a in first.scale_actions.actions() if a.data() == 2.0).trigger()
    first.showMaximized()
    first.close()

    second = open_window(qtbot, tiny, tmp_path)
    # Read before the backend starts: the first model built is the right one.
    assert second.session.arch_id == "deep"
    with qtbot.waitSignal(second.session.backend_ready, timeout=TIMEOUT):
        second.show()
    qtbot.waitUntil(lambda: second.model_panel.layer_table.rowCount() > 0, timeout=TIMEOUT)
    panel = second.model_panel
    assert panel.architecture_combo.currentData() == "deep"
    config = panel.current_config()  # the settings survive the model being built
    assert (config.arch_id, config.epochs, config.batch_size, config.optimizer) == \
        ("deep", 7, 64, "adadelta")
    assert config.learning_rate == pytest.approx(0.5)
    assert config.noise == pytest.approx(0.25)
    assert second.presentation.scale == 2.0
    assert [a.data() for a in second.scale_actions.actions() if a.isChecked()] == [2.0]
    assert second.isMaximized()
    second.showNormal()
    qtbot.waitUntil(lambda: second.geometry().height() == 600, timeout=5000)
    second.close()


def test_training_settings_of_another_architecture_are_not_applied(qtbot, tiny, tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("model/architecture", "conv")
    store.setValue("training/arch", "simple")  # made for another model
    store.setValue("training/epochs", 3)
    store.setValue("presentation/scale", "nonsense")
    store.sync()
    w = open_window(qtbot, tiny, tmp_path)
    assert w.session.arch_id == "conv"
    assert w.model_panel.epochs_spin.value() == 50  # the seed's for conv, not 3
    assert w.presentation.scale_setting == AUTO  # an unreadable value falls back: fit the screen
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    w.close()


def test_an_explicit_architecture_wins_over_the_remembered_one(qtbot, tiny, tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("model/architecture", "deep")
    store.sync()
    w = open_window(qtbot, tiny, tmp_path, arch_id="sparse")
    assert w.session.arch_id == "sparse"
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    w.close()


def test_without_a_store_nothing_is_remembered(qtbot, tmp_path):
    # pytest-qt's application names no organisation: no user settings file is touched.
    assert default_settings() is None
    store = WindowSettings(None)
    store.set_value("model/architecture", "deep")
    assert store.architecture() is None
    assert store.presentation_scale() == AUTO
    assert store.last_folder("export") == str(__import__("pathlib").Path.home())
