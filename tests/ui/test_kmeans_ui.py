"""The K-means lab, driven through its real widgets on a real Session."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from explorer.core import cluster_metrics, latent_points, training
from explorer.features.kmeans.derivation import ASSIGN_BACKGROUND, UPDATE_BACKGROUND, DerivationView
from explorer.features.kmeans.panel import KMeansPanel
from explorer.features.kmeans.plot_items import UNASSIGNED
from explorer.widgets.formatting import format_loss

TIMEOUT = 60000


@pytest.fixture
def panel(qtbot, session):
    p = KMeansPanel(session)
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.points_ready, timeout=TIMEOUT):
        session.start()
    qtbot.waitUntil(lambda: p.points is not None and "latent" in p.points.source,
                    timeout=TIMEOUT)
    yield p
    p.stop_animation()


def click(qtbot, button):
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_j(panel) -> str:
    return panel.findChild(type(panel.objective_label), "kmeans_objective").text()


def item_xy(item) -> np.ndarray:
    x, y = item.getData()
    return np.column_stack([x, y]) if x is not None and len(x) else np.zeros((0, 2))


def j_plot_counts(panel) -> tuple[int, int, int]:
    jp = panel.j_plot
    n = lambda it: 0 if it.getData()[0] is None else len(it.getData()[0])  # noqa: E731
    return n(jp.line), n(jp.assign_item), n(jp.update_item)


# --------------------------------------------------------------------- tests
def test_before_the_backend_latent_waits_and_raw_pixels_work_at_once(qtbot, session):
    panel = KMeansPanel(session)
    qtbot.addWidget(panel)
    assert "loading TensorFlow" in panel.plot.message.text()
    assert not panel.plot.message.isHidden()
    assert not panel.assign_button.isEnabled() and panel.stepper is None
    with qtbot.waitSignal(panel.points_ready, timeout=TIMEOUT):
        panel.source_combo.setCurrentIndex(1)  # raw pixels: no TensorFlow needed
    assert panel.points.source == "raw pixels" and panel.points.dim == 784
    assert panel.plot.message.isHidden()
    click(qtbot, panel.step_button)
    assert len(panel.stepper.history) == 2
    points, stepper = panel.points, panel.stepper
    with qtbot.waitSignal(session.backend_ready, timeout=TIMEOUT):
        session.start()
    # the pixels on screen do not depend on the model: no recompute, no reset.
    # Let any scheduled request go out, then wait for a job queued after it.
    qtbot.waitUntil(lambda: not panel.feed.request_scheduled, timeout=5000)
    probe = []
    session.submit("probe", lambda s, m, d: True, probe.append)
    qtbot.waitUntil(lambda: bool(probe), timeout=TIMEOUT)
    assert panel.points is points and panel.stepper is stepper


def test_assign_then_update_show_j_colour_the_clusters_and_back_undoes(panel, qtbot):
    points, st = panel.points, panel.stepper
    n = points.n
    assert n == 64 and st.k == 10 and st.points.shape == (n, 2)
    # before the first assignment: every point grey, no cluster item holds any
    assert len(item_xy(panel.plot.unassigned_item)) == n
    assert panel.plot.unassigned_item.opts["brush"].color().getRgb()[:3] == UNASSIGNED
    assert all(len(item_xy(it)) == 0 for it in panel.cluster_items)

    with qtbot.waitSignal(panel.stepped, timeout=5000) as blocker:
        click(qtbot, panel.assign_button)
    assert blocker.args == ["assign"]
    j1 = st.objective()
    assert shown_j(panel) == f"J = {format_loss(j1)}"
    assert float(shown_j(panel).split("=")[1]) == pytest.approx(j1, abs=1e-4)
    assert j_plot_counts(panel) == (1, 1, 0)
    assert len(item_xy(panel.plot.unassigned_item)) == 0
    sizes = [len(item_xy(it)) for it in panel.cluster_items]
    assert sum(sizes) == n and sum(s > 0 for s in sizes) >= 2
    colours = {it.opts["brush"].color().getRgb() for it in panel.cluster_items[:st.k]}
    assert len(colours) == st.k  # one colour per cluster
    for j, it in enumerate(panel.cluster_items[:st.k]):
        expected = points.coords[st.labels == j]
        np.testing.assert_allclose(np.sort(item_xy(it), axis=0), np.sort(expected, axis=0))
    assert panel.derivation.highlighted == "assign"
    assert panel.confusion.counts.sum() == n and panel.confusion.counts.shape == (10, 10)
    assert panel.findChild(type(panel.purity_label), "kmeans_purity_label").text().startswith(
        f"purity {cluster_metrics.purity(st.labels, points.labels):.3f}")
    assert panel.changed_label.text() == f"first assignment: all {n} points coloured"

    click(qtbot, panel.update_button)
    j2 = st.objective()
    assert j2 <= j1 + 1e-12
    assert shown_j(panel) == f"J = {format_loss(j2)}"
    assert j_plot_counts(panel) == (2, 1, 1)
    assert panel.derivation.highlighted == "update"
    assert st.iteration == 1 and "iteration 1" in panel.iteration_label.text()

    click(qtbot, panel.back_button)
    assert len(st.history) == 1 and shown_j(panel) == f"J = {format_loss(j1)}"
    assert j_plot_counts(panel) == (1, 1, 0)
    assert panel.derivation.highlighted == "assign"

    click(qtbot, panel.update_button)
    click(qtbot, panel.assign_button)
    moved = st.last_changed
    assert panel.changed_label.text() == (
        f"{moved} point{'' if moved == 1 else 's'} changed cluster in the last assignment")


def test_run_animates_to_convergence_and_clicking_again_stops_it(panel, qtbot):
    panel.speed_slider.setValue(panel.speed_slider.maximum())
    click(qtbot, panel.run_button)
    assert panel.is_running and panel.run_button.text() == "Stop"
    qtbot.waitUntil(lambda: panel.stepper.converged, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=5000)
    assert panel.run_button.text() == "Run"
    assert panel.converged_label.text() == "converged ✓"
    values = np.array(panel.stepper.history_values)
    assert len(values) >= 3
    assert np.all(np.diff(values) <= 1e-12 * max(1.0, values[0])), "J went up"
    line_y = panel.j_plot.line.getData()[1]
    np.testing.assert_allclose(line_y, values)

    click(qtbot, panel.reset_button)
    assert panel.stepper.history == [] and panel.converged_label.text() == "not converged"
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: len(panel.stepper.history) >= 1, timeout=TIMEOUT)
    click(qtbot, panel.run_button)  # "Stop"
    assert not panel.is_running and panel.run_button.text() == "Run"
    panel.stop_animation()  # what the main window calls on close: harmless when stopped
    assert not panel.is_running


def test_k_spin_and_reset_give_k_grey_centroids(panel, qtbot):
    click(qtbot, panel.step_button)
    panel.k_spin.setValue(4)
    click(qtbot, panel.reset_button)
    st = panel.stepper
    assert st.k == 4 and st.centroids.shape == (4, 2) and st.history == []
    assert len(item_xy(panel.plot.centroid_item)) == 4
    assert len(item_xy(panel.plot.unassigned_item)) == panel.points.n
    assert panel.plot.regions.isVisible()
    assert set(np.unique(panel.plot.regions.image)) <= set(range(4))


def test_raw_pixels_source(panel, qtbot):
    with qtbot.waitSignal(panel.points_ready, timeout=TIMEOUT):
        panel.source_combo.setCurrentIndex(1)
    assert panel.points.source == "raw pixels" and panel.points.codes.shape == (64, 784)
    click(qtbot, panel.step_button)
    assert panel.stepper.points.shape == (64, 2)
    assert "784-d" in panel.status_label.text()


def test_full_latent_space_clusters_the_codes_and_shows_centroids_projected(panel, qtbot):
    panel.space_combo.setCurrentIndex(1)
    st = panel.stepper
    assert st.points.shape == (64, 32) == panel.points.codes.shape
    click(qtbot, panel.step_button)
    shown = item_xy(panel.plot.centroid_item)
    np.testing.assert_allclose(shown, panel.points.projection.transform(st.centroids),
                               rtol=1e-4, atol=1e-4)
    assert not panel.plot.regions.isVisible()  # no 2-D Voronoi for 32-d regions
    assert "ℝ<sup>32</sup>" in panel.derivation.toHtml() or "32" in panel.derivation.toPlainText()


def test_k_larger_than_the_points_disables_the_steps_with_a_message(panel, qtbot):
    with qtbot.waitSignal(panel.points_ready, timeout=TIMEOUT):
        panel.points_spin.setValue(5)
    assert panel.points.n == 5
    assert panel.k_spin.value() == 10 and panel.stepper is None
    text = panel.message_label.text()
    assert "K = 10" in text and "5 points" in text
    assert not panel.assign_button.isEnabled() and not panel.run_button.isEnabled()
    assert shown_j(panel) == "J = –"
    panel.k_spin.setValue(3)
    assert panel.stepper is not None and panel.stepper.k == 3
    assert panel.message_label.text() == "" and panel.assign_button.isEnabled()


def test_identical_points_give_j_zero_and_converge_without_nan(panel, qtbot):
    m = 30
    same = latent_points.make_point_set(np.ones((m, 8)), np.arange(m) % 10,
                                        np.zeros((m, 28, 28)), "identical points")
    with qtbot.waitSignal(panel.points_ready, timeout=5000):
        panel.set_points(same)
    assert panel.stepper.k == 10
    panel.speed_slider.setValue(20)
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: panel.stepper.converged, timeout=TIMEOUT)
    assert panel.stepper.objective() == 0.0 and shown_j(panel) == "J = 0.0000"
    assert np.all(np.isfinite(panel.stepper.centroids))
    assert panel.converged_label.text() == "converged ✓"
    assert "empty" in panel.empty_label.text()  # nine clusters got no point
    assert "nan" not in panel.purity_label.text().lower()


def test_click_to_place_adds_moves_and_removes_centroids(panel, qtbot):
    panel.init_combo.setCurrentText("click to place")
    assert panel.stepper is None and "Click on the plot" in panel.message_label.text()
    assert not panel.k_spin.isEnabled()
    x0, x1, y0, y1 = latent_points.padded_bounds(panel.points.coords, pad=-0.2)
    assert panel.place_centroid(x0, y0)
    assert panel.stepper.k == 1 and panel.k_spin.value() == 1
    # a real click on the plot, through the scene
    vb = panel.plot.getViewBox()
    panel.resize(900, 750)
    panel.show()
    qtbot.waitExposed(panel)
    at = panel.plot.mapFromScene(vb.mapViewToScene(QPointF(x1, y1)))
    qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: panel.stepper.k == 2, timeout=5000)
    np.testing.assert_allclose(panel.stepper.centroids[1], [x1, y1],
                               atol=3 * max(vb.viewPixelSize()))
    assert panel.k_spin.value() == 2
    click(qtbot, panel.step_button)
    panel.move_centroid(0, x1, y0)
    np.testing.assert_allclose(panel.stepper.centroids[0], [x1, y0])
    assert panel.stepper.history == []  # an edit starts a new run
    assert panel.remove_centroid_near(x1 + 1e-3, y1)
    assert panel.stepper.k == 1 and panel.k_spin.value() == 1
    np.testing.assert_allclose(panel.stepper.centroids[0], [x1, y0])


def test_hovering_a_point_shows_its_digit_and_true_label(panel, qtbot):
    panel.resize(900, 750)
    panel.show()
    qtbot.waitExposed(panel)
    x, y = panel.points.coords[7]
    scene_pos = panel.plot.getViewBox().mapViewToScene(QPointF(float(x), float(y)))
    panel.plot.scene().sigMouseMoved.emit(scene_pos)
    assert not panel.plot.hover.isHidden()
    i = panel.plot.hover_index
    assert np.allclose(panel.points.coords[i], (x, y), atol=1e-3)  # 7 or one on top of it
    assert panel.plot.hover.caption.text() == f"digit {panel.points.labels[i]} · not assigned"
    assert panel.plot.hover.image.pixmap().width() == 84


def test_progress_and_stale_codes_during_training(panel, qtbot, session):
    session.worker.job_progress.emit("kmeans-points", 0.4, "Encoding")
    assert "computing latent codes… 40%" in panel.status_label.text()
    notes = []
    session.weights_changed.connect(lambda: notes.append(panel.status_label.text()))
    before = panel.points
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        session.train(training.TrainConfig("simple", epochs=2, batch_size=64))
    assert any("from before training" in t for t in notes)
    assert panel.is_stale or panel.points is not before
    qtbot.waitUntil(lambda: panel.points is not before, timeout=TIMEOUT)
    assert not panel.is_stale and "before training" not in panel.status_label.text()


def test_a_new_dataset_recomputes_and_caps_the_point_count(panel, qtbot, session, embedded):
    with qtbot.waitSignal(panel.points_ready, timeout=TIMEOUT):
        session.set_dataset(embedded.subset(100, 30))
    assert panel.points.n == 30 and panel.points_spin.maximum() == 30


def test_derivation_highlights_the_step_just_taken(qtbot):
    view = DerivationView()
    qtbot.addWidget(view)
    assert view.objectName() == "kmeans_derivation" and view.highlighted is None
    text = view.toPlainText()
    for symbol in ("Σ", "μ", "‖", "∂", "argmin"):
        assert symbol in text
    assert ASSIGN_BACKGROUND not in view.toHtml()
    view.highlight("assign")
    assert view.highlighted == "assign" and ASSIGN_BACKGROUND in view.toHtml()
    view.highlight("update")
    assert UPDATE_BACKGROUND in view.toHtml() and ASSIGN_BACKGROUND not in view.toHtml()
    with pytest.raises(ValueError):
        view.highlight("sideways")
