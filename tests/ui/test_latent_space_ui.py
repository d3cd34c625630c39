"""The Latent space tab driven through its real widgets, on a real Session with the shipped simple model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from explorer.features.kmeans.panel import KMeansPanel
from explorer.features.latent_space.panel import LatentSpacePanel

TIMEOUT = 60000


@pytest.fixture
def session(qtbot, embedded, shipped_copy):
    from explorer.services.session import Session

    s = Session(dataset=embedded.subset(256, 600), trained_dir=shipped_copy, arch_id="simple")
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def panel(qtbot, session):
    p = LatentSpacePanel(session)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    with qtbot.waitSignal(p.lab.map.map_changed, timeout=TIMEOUT):
        session.start()
    qtbot.waitUntil(lambda: p.map_plot.message.isHidden(), timeout=TIMEOUT)
    yield p
    p.shutdown()


def draw(qtbot, canvas, points) -> None:
    """A stroke through `points` (shares of the canvas), with the left button held."""
    w, h = canvas.width(), canvas.height()
    at = [QPoint(int(x * w), int(y * h)) for x, y in points]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at[0])
    for p in at[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at[-1])


def vertical(n: int = 16):
    return [(0.5, 0.15 + 0.7 * i / (n - 1)) for i in range(n)]


def test_drawing_on_the_canvas_shows_the_decoded_digit_its_reconstruction_and_ones_nearby(
        qtbot, panel):
    lab, page = panel.lab, panel.draw_page
    assert panel.draw_canvas.objectName() == "draw_canvas" and panel.draw_canvas.isVisible()
    assert panel.decoded_view.image is None and page.recon_box.image is None
    with qtbot.waitSignal(lab.drawing_changed, timeout=TIMEOUT):
        draw(qtbot, panel.draw_canvas, vertical())
    qtbot.waitUntil(lambda: lab.drawing is not None and not panel.draw_canvas.is_empty, timeout=TIMEOUT)
    # the last answer is for the whole stroke: wait until no newer one is pending
    picture = panel.draw_canvas.picture()
    qtbot.waitUntil(lambda: np.array_equal(lab.picture, picture), timeout=TIMEOUT)
    first = lab.drawing
    labels = first.neighbour_labels
    assert np.count_nonzero(labels == 1) >= 3, f"nearest test digits of a stroke: {labels}"
    assert page.recon_box.image is not None and page.digit_box.image is not None
    np.testing.assert_array_equal(panel.decoded_view.image, first.reconstruction)
    assert panel.map_plot.drawn_item.data.size == 1  # the drawn digit's marker on the map
    assert "K-means cluster" in page.cluster_label.text()
    # a second stroke, across: the reconstruction and the decoded digit change
    with qtbot.waitSignal(lab.drawing_changed, timeout=TIMEOUT):
        draw(qtbot, panel.draw_canvas, [(0.2 + 0.6 * i / 9, 0.5) for i in range(10)])
    qtbot.waitUntil(lambda: lab.drawing is not first
                    and np.array_equal(lab.picture, panel.draw_canvas.picture()), timeout=TIMEOUT)
    qtbot.wait(200)
    assert not np.allclose(panel.decoded_view.image, first.reconstruction)
    assert not np.allclose(lab.drawing.reconstruction, first.reconstruction)
    with qtbot.waitSignal(lab.drawing_changed, timeout=TIMEOUT):
        qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert lab.drawing is None and panel.draw_canvas.is_empty and page.recon_box.image is None


def test_hovering_the_map_decodes_the_point_under_the_mouse(qtbot, panel):
    plot = panel.map_plot
    m = panel.lab.latent_map
    lo, hi = np.percentile(m.coords, 10, axis=0), np.percentile(m.coords, 90, axis=0)
    shown = []
    for xy in ((lo[0], lo[1]), (hi[0], hi[1])):
        vb = plot.getViewBox()
        pixel = plot.mapFromScene(vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1]))))
        qtbot.mouseMove(plot.viewport(), pixel)

        def shows_the_point(xy=xy) -> bool:
            d = panel.decoded_view.shown
            return (d is not None and d.what.startswith("map point")
                    and bool(np.abs(d.xy - xy).max() < 0.02 * float(np.ptp(m.coords))))

        qtbot.waitUntil(shows_the_point, timeout=TIMEOUT)
        decoded = panel.decoded_view.shown
        np.testing.assert_allclose(decoded.code, m.lift(decoded.xy), atol=1e-5)
        shown.append(panel.decoded_view.image.copy())
        assert panel.decoded_view.title.text().startswith("Decoded: map point")
    assert not np.allclose(shown[0], shown[1])  # another point, another digit
    assert "PCA inverted exactly" in panel.decoded_view.note.text()


def test_an_interpolation_between_two_shown_digits_runs_and_plays(qtbot, panel):
    page, interp = panel.interp_page, panel.interpolation
    panel.pages.setCurrentIndex(1)
    page.a_combo.setCurrentIndex(1)
    page.a_combo.activated.emit(1)
    page.b_combo.setCurrentIndex(2)
    with qtbot.waitSignal(interp.changed, timeout=TIMEOUT):
        page.b_combo.activated.emit(2)
    result = interp.result
    shown = panel.session.selection.indices
    assert result.rows == (int(shown[0]), int(shown[1])) and result.steps == 12
    assert not np.allclose(result.pixel[1:-1], result.latent[1:-1])
    path_x, _ = panel.map_plot.path_item.getData()
    assert len(path_x) == 12  # the path drawn on the map
    assert [r.title for r in page.grid.rows] == ["pixels", "latent"]
    assert page.play_button.isEnabled()
    with qtbot.waitSignal(interp.frame_changed, timeout=TIMEOUT):
        qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert interp.is_playing and page.play_button.text() == "Stop"
    qtbot.waitUntil(lambda: interp.frame >= 2, timeout=TIMEOUT)
    assert panel.decoded_view.title.text().startswith("Decoded: step")
    qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert not interp.is_playing and page.play_button.text() == "Play"


def test_a_drawing_falls_into_a_k_means_cluster_and_the_centroids_decode_as_prototypes(
        qtbot, session, panel):
    kmeans = KMeansPanel(session)
    qtbot.addWidget(kmeans)
    qtbot.waitUntil(lambda: kmeans.points is not None and "latent" in kmeans.points.source,
                    timeout=TIMEOUT)
    kmeans.step()
    qtbot.waitUntil(lambda: kmeans.prototypes.images is not None, timeout=TIMEOUT)
    assert kmeans.prototypes.images.shape == (kmeans.stepper.k, 28, 28)
    before = kmeans.prototypes.images
    clusters = session.clusters.clusters
    assert clusters is not None and clusters.k == kmeans.stepper.k and clusters.arch_id == "simple"
    with qtbot.waitSignal(panel.lab.drawing_changed, timeout=TIMEOUT):
        draw(qtbot, panel.draw_canvas, vertical())
    qtbot.waitUntil(lambda: panel.lab.drawing is not None and panel.lab.drawing.cluster is not None
                    and np.array_equal(panel.lab.picture, panel.draw_canvas.picture()),
                    timeout=TIMEOUT)
    assert panel.lab.drawing.cluster in range(clusters.k)
    assert "Falls into K-means cluster" in panel.draw_page.cluster_label.text()
    kmeans.step()  # an update step moves the centroids: the prototypes follow
    qtbot.waitUntil(lambda: kmeans.prototypes.images is not before, timeout=TIMEOUT)
    kmeans.stop_animation()
