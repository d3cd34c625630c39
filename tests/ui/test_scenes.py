"""Scenes: saved after K-means half steps, restored exactly in a new window; bad ones refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from explorer.core import scene_file

TIMEOUT = 60000


def _new_window(qtbot, tiny, tmp_path, name: str, trained=None):
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, trained_dir=trained or tmp_path / "no-weights", settings=settings)
    qtbot.addWidget(w)
    w.resize(780, 560)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    return w


def _wait_points(qtbot, panel):
    qtbot.waitUntil(lambda: panel.points is not None and not panel.feed.request_scheduled
                    and not panel.feed.is_waiting, timeout=TIMEOUT)


def _saved_weights(qtbot, window, folder) -> None:
    saved = []
    window.session.save_weights(folder, on_saved=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=TIMEOUT)


def test_a_scene_after_half_steps_restores_j_centroids_and_back_in_a_new_window(
        window, qtbot, tiny, tmp_path):
    panel = window.kmeans_panel
    _saved_weights(qtbot, window, tmp_path / "mine")
    window.kmeans_panel.configure(k=3, seed=5, points=60)
    _wait_points(qtbot, panel)
    for kind in ("assign", "update", "assign", "update", "assign"):
        panel.half_step(kind)
    window.recon_panel.set_noise(0.3)
    window.session.selection.set_noise_seed(4)
    window.show_feature(panel)
    panel.set_view_range((-5.0, 6.0, -4.0, 3.0))
    st = panel.stepper
    saved_j, saved_centroids = st.objective(), np.array(st.centroids)
    path = window.save_scene(tmp_path / "lecture.scene.json")
    assert path is not None and json.loads(path.read_text())["model"]["weights"]["kind"] == "file"

    other = _new_window(qtbot, tiny, tmp_path, "other")
    try:
        with qtbot.waitSignal(other.scene_actions.scene_restored, timeout=TIMEOUT) as restored:
            assert other.load_scene(path)
        assert restored.args == [[]]
        back = other.kmeans_panel.stepper
        assert back.objective() == saved_j
        assert np.array_equal(back.centroids, saved_centroids)
        assert back.history == st.history and len(back.history) == 5
        assert other.kmeans_panel.objective_label.text() == panel.objective_label.text()
        assert other.tabs.currentWidget() is other.kmeans_panel
        assert other.session.selection.noise == 0.3 and other.session.selection.noise_seed == 4
        assert other.kmeans_panel.view_range() == pytest.approx((-5.0, 6.0, -4.0, 3.0))
        # Back walks the saved half steps, exactly as in the first window.
        for _ in range(5):
            assert other.kmeans_panel.back_button.isEnabled()
            other.kmeans_panel.back_button.click()
            st.undo()
            assert np.array_equal(back.centroids, st.centroids)
        assert not other.kmeans_panel.back_button.isEnabled()
    finally:
        other.close()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda o: o.update(version=7), "version 7, made by a newer"),
    (lambda o: o["kmeans"].update(k=-2), 'field "kmeans.k"'),
    (lambda o: o.update(colour="red"), 'unknown field "colour"'),
])
def test_a_bad_scene_names_the_problem_and_changes_nothing(window, qtbot, tmp_path, edit, message):
    window.kmeans_panel.configure(source="pixels", points=40)
    _wait_points(qtbot, window.kmeans_panel)
    obj = json.loads(window.save_scene(tmp_path / "s.scene.json").read_text())
    obj["noise"] = {"factor": 0.8, "seed": 9}
    obj["tab"] = "kmeans"
    edit(obj)
    path = tmp_path / "bad.scene.json"
    path.write_text(json.dumps(obj))
    errors = []
    window.show_error = errors.append
    assert not window.load_scene(path)
    assert len(errors) == 1 and message in errors[0] and "bad.scene.json" in errors[0]
    assert window.session.selection.noise == 0.0
    assert window.tabs.currentIndex() == 0


def test_damaged_json_and_a_changed_weights_file_are_refused(window, qtbot, tmp_path):
    errors = []
    window.show_error = errors.append
    damaged = tmp_path / "damaged.scene.json"
    damaged.write_bytes(b'{"format": "autoencoder-explorer-scene", "vers')
    assert not window.load_scene(damaged)
    assert "not valid UTF-8 JSON" in errors[-1]
    _saved_weights(qtbot, window, tmp_path / "mine")
    path = window.save_scene(tmp_path / "s.scene.json")
    weights = scene_file.read_scene(path).weights
    with open(weights.path, "ab") as f:
        f.write(b"changed")
    asked = []
    window.scene_actions.ask_weights_differ = lambda text: asked.append(text) or False
    window.recon_panel.set_noise(0.5)
    assert not window.load_scene(path)
    assert "checksum" in asked[0] and "was not opened" in errors[-1]
    assert window.session.selection.noise == 0.5


def test_a_pixels_scene_restores_the_run_and_the_latent_map_range(window, qtbot, tmp_path):
    panel = window.kmeans_panel
    panel.configure(source="pixels", points=50, k=4, space="full")
    _wait_points(qtbot, panel)
    panel.step()
    obj = scene_file.scene_to_json(scene_file.read_scene(window.save_scene(tmp_path / "p.json")))
    obj["plot_ranges"]["latent_map"] = [-1.0, 1.0, -2.0, 2.0]
    obj["tab"] = "latent_space"  # its map is computed once it is in view
    j = panel.stepper.objective()
    panel.reset()
    (tmp_path / "p.json").write_text(json.dumps(obj))
    with qtbot.waitSignal(window.scene_actions.scene_restored, timeout=TIMEOUT) as restored:
        window.load_scene(tmp_path / "p.json")
    assert restored.args == [[]]
    assert panel.stepper.objective() == j and len(panel.stepper.history) == 2
    space = window.latent_space_panel
    qtbot.waitUntil(lambda: space.lab.latent_map is not None, timeout=TIMEOUT)
    assert space.view_range() == pytest.approx((-1.0, 1.0, -2.0, 2.0))


def test_weights_changed_since_can_be_restored_anyway_and_the_run_says_it_differs(
        window, qtbot, tmp_path):
    panel = window.kmeans_panel
    _saved_weights(qtbot, window, tmp_path / "mine")
    panel.configure(k=3, points=60)
    _wait_points(qtbot, panel)
    panel.step()
    path = window.save_scene(tmp_path / "s.scene.json")
    with qtbot.waitSignal(window.session.weights_changed, timeout=TIMEOUT):
        window.session.reset_weights()
    _saved_weights(qtbot, window, tmp_path / "mine")  # the same file, other weights
    asked = []
    window.scene_actions.ask_weights_differ = lambda text: asked.append(text) or True
    errors = []
    window.show_error = errors.append
    with qtbot.waitSignal(window.scene_actions.scene_restored, timeout=TIMEOUT) as restored:
        assert window.load_scene(path)
    problems = "\n".join(restored.args[0])
    assert asked and "checksum" in problems and "not those the scene was saved on" in problems
    assert "s.scene.json was restored, except" in errors[-1]


def test_shipped_weights_are_named_as_such_and_restored_in_a_window_that_starts_with_them(
        window, qtbot, tiny, tmp_path):
    _saved_weights(qtbot, window, tmp_path / "trained")  # what a classroom install ships
    first = _new_window(qtbot, tiny, tmp_path, "first", trained=tmp_path / "trained")
    try:
        first.kmeans_panel.configure(k=2, points=40)
        _wait_points(qtbot, first.kmeans_panel)
        first.kmeans_panel.step()
        path = first.save_scene(tmp_path / "shipped.scene.json")
        j = first.kmeans_panel.stepper.objective()
    finally:
        first.close()
    assert scene_file.read_scene(path).weights.kind == "shipped"
    second = _new_window(qtbot, tiny, tmp_path, "second", trained=tmp_path / "trained")
    try:
        with qtbot.waitSignal(second.scene_actions.scene_restored, timeout=TIMEOUT) as restored:
            assert second.load_scene(path)
        assert restored.args == [[]]
        assert second.kmeans_panel.stepper.objective() == j
    finally:
        second.close()


def test_weights_trained_and_not_saved_are_said_at_save_and_at_restore(window, qtbot, tmp_path):
    from explorer.core import training

    session = window.session
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        session.train(training.TrainConfig("simple", epochs=1, batch_size=64), fresh=True)
    assert session.current.unsaved
    path = window.save_scene(tmp_path / "trained.scene.json")
    assert "not saved" in window.statusBar().currentMessage()
    assert scene_file.read_scene(path).weights.kind == "unsaved"
    window.show_error = lambda _text: None
    with qtbot.waitSignal(window.scene_actions.scene_restored, timeout=TIMEOUT) as restored:
        assert window.load_scene(path)
    assert any("never saved" in p for p in restored.args[0])
    assert session.current.unsaved  # the window keeps its own weights


def test_the_file_menu_saves_and_opens_scenes_through_its_dialogs(window, qtbot, tmp_path):
    actions = window.scene_actions
    assert actions.save_action in window.file_menu.actions()
    assert actions.open_action in window.file_menu.actions()
    target = tmp_path / "menu.scene.json"
    actions.ask_save_path = lambda: str(target)
    window.recon_panel.set_noise(0.4)
    actions.save_action.trigger()
    assert scene_file.read_scene(target).noise == 0.4
    window.recon_panel.set_noise(0.0)
    actions.ask_open_path = lambda: str(target)
    with qtbot.waitSignal(actions.scene_restored, timeout=TIMEOUT):
        actions.open_action.trigger()
    assert window.session.selection.noise == 0.4
