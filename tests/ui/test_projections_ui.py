"""Projections chosen in the Latent space tab and the K-means lab, on a real Session
with the shipped simple model and a few hundred test digits (UMAP's first call
compiles numba kernels: small data keeps the rest of it short)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.features.latent_space.panel import LatentSpacePanel

TIMEOUT = 120000


@pytest.fixture
def session(qtbot, embedded, shipped_copy):
    from explorer.services.session import Session

    s = Session(dataset=embedded.subset(256, 300), trained_dir=shipped_copy, arch_id="simple")
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def latent(qtbot, session):
    p = LatentSpacePanel(session)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    with qtbot.waitSignal(p.lab.map.map_changed, timeout=TIMEOUT):
        session.start()
    yield p
    p.shutdown()


def choose(qtbot, panel, method: str) -> None:
    """Pick `method` in the panel's projection_combo and wait for its map."""
    combo = panel.findChild(type(panel.projection_combo), "projection_combo")
    with qtbot.waitSignal(panel.lab.map.map_changed, timeout=TIMEOUT):
        combo.setCurrentIndex(combo.findData(method))


def test_each_projection_in_the_latent_space_tab_draws_its_map_and_what_it_keeps(qtbot, latent):
    qtbot.waitUntil(lambda: latent.quality_view.quality is not None, timeout=TIMEOUT)
    pca = latent.quality_view.quality
    assert pca.method == "pca" and latent.lift_note.isHidden()
    assert "What this PCA map keeps" in latent.quality_view.figures_label.text()
    frames = []
    latent.lab.map.frame_shown.connect(frames.append)
    choose(qtbot, latent, "tsne")
    m = latent.lab.latent_map
    assert m.method == "tsne" and not m.is_exact and m.n == 300
    assert frames, "t-SNE's intermediate layouts reach the plot while it optimises"
    assert not latent.lift_note.isHidden()
    assert "nearest test digits" in latent.lift_note.text()
    qtbot.waitUntil(lambda: latent.quality_view.quality is not None, timeout=TIMEOUT)
    tsne = latent.quality_view.quality
    assert tsne.method == "tsne" and tsne.map_agreement > pca.map_agreement
    assert np.isclose(tsne.full_agreement, pca.full_agreement)  # the same codes
    assert not latent.projection_controls.cancel_button.isEnabled()
    choose(qtbot, latent, "umap")
    assert latent.lab.latent_map.method == "umap"
    choose(qtbot, latent, "pca")
    assert latent.lab.latent_map.is_exact and latent.lift_note.isHidden()


def test_cancel_stops_a_t_sne_map_and_keeps_the_map_on_screen(qtbot, latent):
    before = latent.lab.latent_map
    controls = latent.projection_controls
    controls.perplexity_spin.setValue(12)  # not in the cache from another test
    controls.select("tsne")
    qtbot.waitUntil(lambda: controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: latent.lab.map.projection.frames_shown > 0, timeout=TIMEOUT)
    arrived = []
    latent.lab.map.map_changed.connect(lambda a: arrived.append(a.latent_map.method))
    controls.cancel_button.click()
    assert controls.combo.currentData() == "pca" and not controls.cancel_button.isEnabled()
    assert "cancelled" in controls.progress_label.text()
    qtbot.wait(1500)
    assert latent.lab.latent_map is before and set(arrived) <= {"pca"}


# ------------------------------------------------------------- the K-means lab
@pytest.fixture
def lab_panel(qtbot, session):
    from explorer.features.kmeans.panel import KMeansPanel

    p = KMeansPanel(session)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    p.points_spin.setValue(300)
    with qtbot.waitSignal(p.points_ready, timeout=TIMEOUT):
        session.start()
    qtbot.waitUntil(lambda: p.points is not None and p.points.n == 300
                    and "latent" in p.points.source, timeout=TIMEOUT)
    yield p
    p.stop_animation()


def choose_in_lab(qtbot, panel, method: str) -> None:
    combo = panel.findChild(type(panel.projection_combo), "projection_combo")
    with qtbot.waitSignal(panel.points_ready, timeout=TIMEOUT):
        combo.setCurrentIndex(combo.findData(method))


def test_each_projection_in_the_k_means_lab_gives_points_to_cluster_and_their_quality(
        qtbot, lab_panel):
    p = lab_panel
    frames = []
    p.feed.projection.frame_ready.connect(frames.append)
    p.projection_controls.perplexity_spin.setValue(20)  # the other tab's map is in the cache
    for method in ("tsne", "umap", "pca"):
        choose_in_lab(qtbot, p, method)
        qtbot.waitUntil(lambda m=method: p.quality_view.quality is not None
                        and p.quality_view.quality.method == m, timeout=TIMEOUT)
        assert p.points.n == 300
        assert (method == "pca") == (type(p.points).__name__ == "PointSet")
    assert frames and all(f.shape == (300, 2) for f in frames)
    # clustering the t-SNE map works as on PCA's: a step colours every point
    choose_in_lab(qtbot, p, "tsne")
    assert "t-SNE" in p.status_label.text()
    p.step()
    assert p.stepper.is_assigned and p.stepper.converged is not None
    p.space_combo.setCurrentIndex(1)  # full space: centroids drawn where their codes' points are
    p.step()
    shown = p.lab.display_centroids()
    assert shown.shape == (p.lab.k, 2) and np.all(np.isfinite(shown))


def test_full_code_against_map_clusterings_side_by_side_with_ari_nmi_and_disagreements(
        qtbot, lab_panel):
    p = lab_panel
    state = p.map_binding.comparison
    qtbot.waitUntil(lambda: state.result is not None and state.points is p.points,
                    timeout=TIMEOUT)
    result = state.result
    c = result.comparison
    assert result.full_labels.shape == result.map_labels.shape == (300,)
    text = p.full_vs_map.agreement_label.text()
    assert f"ARI {c.ari:.2f}" in text and f"NMI {c.nmi:.2f}" in text
    # PCA's map of a 32-d code does not keep its clusters: the digits that differ are marked
    assert p.full_vs_map.map_plot.disagreeing_shown == p.full_vs_map.full_plot.disagreeing_shown \
        == c.n_disagree > 0
    with qtbot.waitSignal(state.compared, timeout=TIMEOUT):
        p.k_spin.setValue(3)
    assert int(state.result.full_labels.max()) == 2


def test_cancel_in_the_k_means_lab_keeps_the_points_being_clustered(qtbot, lab_panel):
    p = lab_panel
    before = p.points
    controls = p.projection_controls
    controls.perplexity_spin.setValue(11)  # not in the cache
    controls.select("tsne")
    qtbot.waitUntil(lambda: p.feed.projection.frames_shown > 0, timeout=TIMEOUT)
    controls.cancel_button.click()
    assert controls.combo.currentData() == "pca" and not controls.cancel_button.isEnabled()
    qtbot.wait(1500)
    assert p.points is before and "PCA axes" in p.status_label.text()
    # the plot shows the clustered points again, not the grey t-SNE frame it was drawing
    items = [p.plot.unassigned_item, *p.cluster_items]
    drawn = np.concatenate([np.column_stack(it.getData()) for it in items
                            if it.getData()[0] is not None and len(it.getData()[0])])
    assert drawn.shape == (300, 2)
    assert np.allclose(np.sort(drawn[:, 0]), np.sort(before.coords[:, 0]))


def test_a_new_projection_replaces_a_running_one_and_a_repeated_one_comes_from_the_cache(
        qtbot, latent):
    from explorer.core import projection

    controls, state = latent.projection_controls, latent.lab.map
    arrived = []
    state.map_changed.connect(lambda a: arrived.append(a.latent_map.method))
    controls.perplexity_spin.setValue(9)
    controls.select("tsne")
    qtbot.waitUntil(lambda: state.projection.frames_shown > 0, timeout=TIMEOUT)
    choose(qtbot, latent, "umap")  # while t-SNE still optimises
    qtbot.wait(1500)
    assert arrived == ["umap"]  # the replaced t-SNE never reached the plot
    choose(qtbot, latent, "pca")
    hits = projection.DEFAULT_CACHE.hits
    choose(qtbot, latent, "umap")  # the same codes, method and parameters
    assert projection.DEFAULT_CACHE.hits == hits + 1 and latent.lab.latent_map.method == "umap"


def test_a_t_sne_frame_moves_the_points_in_place(qtbot):
    """A frame of the same digits writes x and y only (a full setData per frame
    was most of the GUI thread's cost while t-SNE animates); other digits are
    drawn afresh."""
    from explorer.features.latent_space.map_plot import LatentMapPlot

    plot = LatentMapPlot()
    qtbot.addWidget(plot)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    images = np.zeros((200, 28, 28), np.float32)
    plot.set_points(rng.normal(size=(200, 2)), labels, images, ("t-SNE 1", "t-SNE 2"))
    moved = rng.normal(size=(200, 2)) * 40
    for item in plot.digit_items:
        item.dataBounds(0)  # cached, as a paint would leave them
    assert plot.move_points(moved, labels)
    for d, item in enumerate(plot.digit_items):
        x, y = item.getData()
        assert np.array_equal(np.c_[x, y], moved[labels == d])
    xs = np.concatenate([item.dataBounds(0) for item in plot.digit_items if len(item.data)])
    assert (xs.min(), xs.max()) == (moved[:, 0].min(), moved[:, 0].max())  # bounds follow
    assert not plot.move_points(moved, (labels + 1) % 10)
    assert not plot.move_points(moved[:100], labels[:100])
