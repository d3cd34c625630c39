"""Lesson mode in the window: walking the built-in lesson, live figures, broken files, keys."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from explorer.core import lesson_file, models, variants, views
from explorer.core.lesson_file import load_lesson

TIMEOUT = 60000


@pytest.fixture
def shipped_window(qtbot, tiny, tmp_path):
    """A shown window on the tiny data with the shipped pre-trained weights."""
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, settings=settings)
    qtbot.addWidget(w)
    w.resize(1100, 700)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    yield w
    w.close()


def _homework():
    return load_lesson(lesson_file.builtin_lessons()[0])


def _expected(steps, index):
    """What step `index` leaves the window showing: its own setup over the steps before it."""
    state = {"architecture": "simple", "tab": None, "noise": 0.0}
    for step in steps[:index + 1]:
        for key in state:
            if key in step.setup:
                state[key] = step.setup[key]
    return state


def _check_window(window, steps, index):
    want = _expected(steps, index)
    arch = variants.parse(want["architecture"]).arch_id
    assert window.model_panel.architecture_combo.currentData() == arch, steps[index].title
    if want["tab"] is not None:
        assert window.tabs.tabText(window.tabs.currentIndex()) == want["tab"], steps[index].title
    assert window.session.selection.noise == want["noise"], steps[index].title
    assert window.recon_panel.noise_slider.value() == views.step_from_noise(want["noise"])


def test_walking_the_homework_forwards_and_back_sets_each_step_up(shipped_window, qtbot):
    w = shipped_window
    lesson = _homework()
    assert w.open_lesson(str(lesson.path))
    player, panel = w.lesson_dock.player, w.lesson_panel
    assert w.lesson_dock.dock.isVisible() and w.findChild(object, "lesson_view") is not None
    steps = lesson.steps
    for index in range(len(steps)):
        if index:
            panel.next_button.click()
        assert player.index == index
        assert player.problems == [], (steps[index].title, player.problems)
        assert panel.position_label.text() == f"step {index + 1} of {len(steps)}"
        assert panel.jump_combo.currentIndex() == index
        _check_window(w, steps, index)
    assert not panel.next_button.isEnabled()
    qtbot.waitUntil(lambda: not w.session.is_busy, timeout=TIMEOUT)
    assert w.session.arch_id == _expected(steps, len(steps) - 1)["architecture"]
    for index in reversed(range(len(steps) - 1)):
        panel.prev_button.click()
        assert player.index == index and player.problems == []
        _check_window(w, steps, index)
    assert not panel.prev_button.isEnabled()
    qtbot.waitUntil(lambda: not w.session.is_busy, timeout=TIMEOUT)
    assert w.session.arch_id == "simple"
    panel.jump_combo.activated.emit(6)  # the jump list
    assert player.index == 6 and w.model_panel.architecture_combo.currentData() == "sparse"


def test_the_sparse_steps_live_figures_are_the_live_values(shipped_window, qtbot):
    w = shipped_window
    lesson = _homework()
    w.open_lesson(str(lesson.path))
    player = w.lesson_dock.player
    sparse = next(i for i, s in enumerate(lesson.steps) if s.setup.get("architecture") == "sparse")
    player.go(sparse)
    qtbot.waitUntil(lambda: player.rows and all(r.live is not None for r in player.rows),
                    timeout=TIMEOUT)
    live = {r.figure.what: r for r in player.rows}
    assert set(live) == {"mean activation", "train loss", "test loss"}
    direct = []

    def job(state, model, dataset):
        codes = models.encode(model, dataset.x_test)
        recon = models.reconstruct(model, dataset.x_test)
        return (model.variant.name, float(codes.mean()),
                float(models.per_image_loss(dataset.x_test, recon).mean()))

    w.session.submit("direct", job, direct.append)
    qtbot.waitUntil(lambda: bool(direct), timeout=TIMEOUT)
    name, activation, loss = direct[0]
    assert name == "sparse"
    assert live["mean activation"].live == pytest.approx(activation, rel=1e-5)
    assert live["test loss"].live == pytest.approx(loss, rel=1e-5)
    assert live["mean activation"].figure.tutorial == 3.33
    # The sentence comes from the shipped weights' metadata: Adam, the embedded sample.
    assert "Adam, not Adadelta" in live["test loss"].why
    assert "trained on 8,000 digits, not MNIST's 60,000" in live["test loss"].why
    table = w.lesson_panel.figures_label.text()
    assert "live on these weights" in table and f"{live['test loss'].live:.3f}" in table


def test_a_broken_lesson_file_is_a_message_naming_file_step_and_field(window, tmp_path, qtbot):
    path = tmp_path / "broken.toml"
    text = _homework().path.read_text().replace('noise = 0.5, noise_seed = 0 }',
                                                'noise = "loud", noise_seed = 0 }', 1)
    path.write_text(text)
    assert not window.open_lesson(str(path))
    box = window.findChild(QMessageBox, "error_box")
    assert box is not None
    message = box.text()
    assert str(path) in message
    assert "step 11 ('Tutorial part 5: noise the plain model was never shown')" in message
    assert "field setup: noise: expected a number" in message
    assert window.lesson_dock.player.lesson is None


def test_page_keys_move_steps_and_arrows_leave_text_fields_and_sliders_alone(window, qtbot):
    w = window
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    w.lesson_dock.dock.show()
    w.lesson_panel.open_lesson(_homework())
    player = w.lesson_dock.player
    w.tabs.setFocus()
    qtbot.keyClick(w.tabs, Qt.Key.Key_PageDown)
    assert player.index == 1
    qtbot.keyClick(w.tabs, Qt.Key.Key_PageUp)
    assert player.index == 0
    w.lesson_panel.next_button.setFocus()
    qtbot.keyClick(w.lesson_panel.next_button, Qt.Key.Key_Right)
    assert player.index == 1
    qtbot.keyClick(w.lesson_panel.next_button, Qt.Key.Key_Left)
    assert player.index == 0
    spin = w.model_panel.epochs_spin  # a text field: Right moves its caret
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Right)
    assert player.index == 0
    qtbot.keyClick(spin, Qt.Key.Key_PageDown)  # Page Down always moves the lesson
    assert player.index == 1
    w.show_feature(w.recon_panel)
    slider = w.recon_panel.noise_slider
    slider.setFocus()
    before = slider.value()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert player.index == 1 and slider.value() == before + 1  # the slider still moves
    w.lesson_dock.dock.hide()  # a hidden lesson takes no keys
    w.tabs.setFocus()
    qtbot.keyClick(w.tabs, Qt.Key.Key_PageDown)
    assert player.index == 1


def test_view_lesson_opens_the_homework_and_train_it_now_starts_a_short_run(window, qtbot):
    w = window
    w.toggle_lesson_action.trigger()
    player, panel = w.lesson_dock.player, w.lesson_panel
    assert player.lesson is not None and player.lesson.title.startswith("Homework 9")
    simple = next(i for i, s in enumerate(player.steps) if s.train is not None)
    player.go(simple)
    assert panel.train_button.isVisibleTo(panel) and "2 epochs" in panel.train_button.text()
    qtbot.waitUntil(lambda: "about" in player.train_note, timeout=TIMEOUT)
    assert "on this machine" in player.train_note
    w.model_panel.train_limit = (64, 32)
    with qtbot.waitSignal(w.session.training_ended, timeout=TIMEOUT) as ended:
        assert player.train_now() is None
        assert w.model_panel.state.hyperparameters.epochs == 2
    assert ended.args[0].epochs_done == 2
    qtbot.waitUntil(lambda: "speed measured in this session" in player.train_note, timeout=TIMEOUT)
    assert np.isfinite(ended.args[0].final.train_loss)


def test_centroids_of_the_previous_model_are_not_decoded_by_the_next(qtbot):
    """A step switching architecture while the K-means lab holds centroids: the old
    centroids are refused with a sentence, not a reshape error."""
    from explorer.features.kmeans.prototypes import PrototypeJob

    model = models.build("denoise")
    with pytest.raises(ValueError, match="step K-means again on the new codes"):
        PrototypeJob(np.zeros((3, 32)), "denoise")(None, model, None)


@pytest.mark.parametrize(("size", "mode"), [((1024, 640), "normal"), ((1280, 720), "presentation")])
def test_with_the_lesson_open_every_control_of_every_tab_fits(qtbot, tiny, tmp_path, size, mode):
    from fit import all_problems

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=tmp_path / "none", settings=settings)
    qtbot.addWidget(w)
    w.resize(*size)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    if mode == "presentation":
        w.set_presentation_scale(1.25)
        w.presentation_action.trigger()
        qtbot.waitUntil(w.isFullScreen, timeout=5000)
        w.resize(*size)
        QApplication.processEvents()
    w.toggle_lesson_action.trigger()
    assert w.lesson_dock.dock.isVisible() and w.lesson_dock.player.lesson is not None
    w.lesson_dock.player.go(6)  # the sparse step: text, figures, a run and code
    QApplication.processEvents()
    problems = {tab: p for tab, p in all_problems(w).items() if p}
    assert problems == {}, (size, mode)
    w.close()


def test_on_a_narrow_window_the_model_panel_steps_aside_for_the_lesson_and_comes_back(
        qtbot, tiny, tmp_path):
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=tmp_path / "none", settings=settings)
    qtbot.addWidget(w)
    w.resize(1024, 640)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    assert w.model_dock.isVisible()
    w.toggle_lesson_action.trigger()
    assert w.lesson_dock.dock.isVisible() and not w.model_dock.isVisible()
    assert "F9" in w.statusBar().currentMessage()
    w.toggle_lesson_action.trigger()  # the lesson closes: the model panel is back
    assert not w.lesson_dock.dock.isVisible() and w.model_dock.isVisible()
    w.toggle_lesson_action.trigger()
    assert not w.model_dock.isVisible()
    w.lesson_dock.dock.close()  # the dock's own close button: the model panel is back too
    assert w.model_dock.isVisible()
    w.resize(1800, 1000)
    w.toggle_lesson_action.trigger()  # room for both: nothing moves
    assert w.lesson_dock.dock.isVisible() and w.model_dock.isVisible()
    w.close()


def test_moving_the_noise_measures_the_test_loss_again_at_that_noise(shipped_window, qtbot):
    w = shipped_window
    w.open_lesson(str(lesson_file.builtin_lessons()[0]))
    player = w.lesson_dock.player
    simple = next(i for i, s in enumerate(player.steps)
                  if s.setup.get("architecture") == "simple" and s.figures)
    player.go(simple)
    qtbot.waitUntil(lambda: player.measured is not None, timeout=TIMEOUT)
    clean = player.rows[0].live
    w.recon_panel.set_noise(0.5)
    qtbot.waitUntil(lambda: player.measured is not None and player.measured.noise == 0.5,
                    timeout=TIMEOUT)
    assert player.rows[0].live > clean  # noisy inputs reconstruct worse
    assert "inputs with noise 0.50" in player.rows[0].why


def test_the_second_lesson_walks_through_and_its_t_sne_step_chooses_t_sne(shipped_window, qtbot):
    """'What the code knows' applies step by step, its t-SNE step in the Latent space tab."""
    w = shipped_window
    assert w.open_lesson(str(lesson_file.builtin_lessons()[1]))
    player = w.lesson_dock.player
    for index, step in enumerate(player.steps):
        player.go(index)
        assert player.problems == [], (step.title, player.problems)
        if "projection" in step.setup:
            controls = w.latent_space_panel.projection_controls
            assert controls.combo.currentData() == step.setup["projection"]["method"]
        if "tab" in step.setup:
            assert w.tabs.tabText(w.tabs.currentIndex()) == step.setup["tab"]
    assert w.kmeans_panel.source == "pixels" and w.kmeans_panel.full_space
    qtbot.waitUntil(lambda: not w.session.is_busy, timeout=TIMEOUT)
    assert w.session.arch_id == "deep"


def test_a_dock_shown_by_the_restored_layout_applies_no_step(qtbot, tiny, tmp_path):
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(dataset=tiny, trained_dir=tmp_path / "none", settings=settings)
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.session.backend_ready, timeout=TIMEOUT):
        first.show()
    first.toggle_lesson_action.trigger()
    assert first.lesson_dock.dock.isVisible()
    first.close()
    again = MainWindow(dataset=tiny, trained_dir=tmp_path / "none", settings=settings)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.session.backend_ready, timeout=TIMEOUT):
        again.show()
    assert again.lesson_dock.dock.isVisible()  # the layout is restored ...
    assert again.lesson_dock.player.lesson is None  # ... but no step was applied
    assert again.tabs.currentWidget() is not again.kmeans_panel
    again.close()
