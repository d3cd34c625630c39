"""Scene files (core.scene_file) and K-means runs as data (core.kmeans_state)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core import kmeans_state, scene_file
from explorer.core.kmeans import KMeansStepper
from explorer.core.scene_file import KMeansScene, Scene, SceneError, WeightsRef


def _points(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (4, 3))
    return np.concatenate([c + rng.normal(0, 1, (60, 3)) for c in centres])


def _stepped(points: np.ndarray, kinds: str) -> KMeansStepper:
    st = KMeansStepper(points, 4, seed=3)
    for kind in kinds:
        st.assign() if kind == "a" else st.update()
    return st


def test_a_run_exported_and_restored_has_the_same_centroids_history_and_undo_depth():
    points = _points()
    st = _stepped(points, "auaua")
    st.undo()  # an undone half step is not part of the run
    run = kmeans_state.export_run(st)
    assert run.steps == ("assign", "update", "assign", "update") and run.dropped == 0
    back = kmeans_state.restore_run(points, kmeans_state.run_from_json(
        json.loads(json.dumps(kmeans_state.run_to_json(run)))))
    assert np.array_equal(back.centroids, st.centroids)
    assert np.array_equal(back.labels, st.labels)
    assert back.history == st.history
    # Back walks the same half steps in both, to the very start.
    while st.can_undo:
        assert back.undo() and st.undo()
        assert np.array_equal(back.centroids, st.centroids) and back.history == st.history
    assert not back.can_undo


def test_export_leaves_the_stepper_as_it_was():
    st = _stepped(_points(), "aua")
    before = (np.array(st.centroids), st.history)
    kmeans_state.export_run(st)
    assert np.array_equal(st.centroids, before[0]) and st.history == before[1] and st.can_undo


def test_an_edit_starts_a_new_run_from_the_edited_centroids():
    points = _points()
    st = _stepped(points, "au")
    st.move_centroid(0, [9.0, 9.0, 9.0])
    st.assign()
    run = kmeans_state.export_run(st)
    assert run.steps == ("assign",) and run.start[0].tolist() == [9.0, 9.0, 9.0]


def test_a_run_replayed_on_other_points_says_so():
    run = kmeans_state.export_run(_stepped(_points(0), "au"))
    with pytest.raises(kmeans_state.KMeansRunError, match="not those the scene was saved on"):
        kmeans_state.restore_run(_points(1), run)
    with pytest.raises(kmeans_state.KMeansRunError, match="3-dimensional"):
        kmeans_state.restore_run(_points(0)[:, :2], run)


def _scene() -> Scene:
    st = _stepped(_points(), "aua")
    return Scene(architecture="conv", code_size=None,
                 weights=WeightsRef("file", "/w/conv.weights.h5", "a" * 64), tab="kmeans",
                 noise=0.35, noise_seed=4, digit_mode="classes", digits=tuple(range(10)),
                 kmeans=KMeansScene(4, 3, "k-means++", "latent", "full", 240,
                                    kmeans_state.export_run(st)),
                 projection="pca", plot_ranges={"kmeans_plot": (-1.0, 2.0, -3.0, 4.0)},
                 presentation_scale=1.5)


def test_a_scene_written_reads_back_the_same(tmp_path):
    scene = _scene()
    path = scene_file.write_scene(tmp_path / "a.scene.json", scene)
    back = scene_file.read_scene(path)
    assert scene_file.scene_to_json(back) == scene_file.scene_to_json(scene)
    assert kmeans_state.same_run(back.kmeans.run, scene.kmeans.run)


def _write(tmp_path, obj) -> str:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("change", "message"), [
    (lambda o: o.update(version=2), "version 2, made by a newer"),
    (lambda o: o.update(format="something"), 'field "format" must be'),
    (lambda o: o.update(colour="red"), 'unknown field "colour"'),
    (lambda o: o["model"].update(architecture="vae"), 'field "model.architecture": expected one of'),
    (lambda o: o["kmeans"].update(k="ten"), 'field "kmeans.k": expected a whole number'),
    (lambda o: o["kmeans"]["run"].update(steps=["assign", "jump"]), "kmeans.run.steps"),
    (lambda o: o["kmeans"]["run"].update(objectives=[1.0]), "kmeans.run.objectives"),
    (lambda o: o["noise"].update(factor=7), 'field "noise.factor"'),
    (lambda o: o["plot_ranges"].update(kmeans_plot=[1, 0, 0, 1]), "plot_ranges.kmeans_plot"),
    (lambda o: o["model"]["weights"].update(sha256="xyz"), "model.weights.sha256"),
])
def test_a_bad_field_is_named(tmp_path, change, message):
    obj = scene_file.scene_to_json(_scene())
    change(obj)
    with pytest.raises(SceneError, match=message):
        scene_file.read_scene(_write(tmp_path, obj))


def test_a_file_that_is_not_json_says_so(tmp_path):
    with pytest.raises(SceneError, match="not valid UTF-8 JSON"):
        scene_file.read_scene(_write(tmp_path, '{"format": "autoencoder-explorer-scene", '))
    with pytest.raises(SceneError, match="Cannot read the scene"):
        scene_file.read_scene(tmp_path / "missing.json")


def test_a_scene_edited_by_hand_with_a_byte_order_mark_still_reads(tmp_path):
    path = scene_file.write_scene(tmp_path / "a.scene.json", _scene())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert scene_file.read_scene(path).architecture == "conv"


def test_a_scene_may_name_only_the_model_and_leaves_the_rest_alone(tmp_path):
    scene = scene_file.read_scene(_write(tmp_path, {
        "format": "autoencoder-explorer-scene", "version": 1,
        "model": {"architecture": "sparse", "weights": {"kind": "fresh"}}}))
    assert scene.architecture == "sparse" and scene.weights.kind == "fresh"
    assert scene.tab is None and scene.noise is None and scene.kmeans is None
    assert scene.plot_ranges == {} and scene.presentation_scale is None
