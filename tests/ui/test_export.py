"""File > Export: every export is written and reads back as what was on screen."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QMessageBox

from explorer.core import models

TIMEOUT = 60000


@pytest.fixture
def window(window, tmp_path, monkeypatch):
    """The shared window, with its export dialog answered from `next_export_name`."""
    w = window
    asked = []

    def ask(title, default_name, file_filter):
        asked.append(default_name)
        return str(tmp_path / w.next_export_name)

    monkeypatch.setattr(w.exporter, "_ask_path", ask)
    w.asked = asked
    return w


def trigger(window, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    window.exporter.menu.aboutToShow.emit()  # as opening the menu does
    assert action.isEnabled(), name
    action.trigger()


def test_current_view_as_png(window, tmp_path):
    window.tabs.setCurrentWidget(window.recon_panel)
    window.next_export_name = "view"
    trigger(window, "export_view_action")
    image = QImage(str(tmp_path / "view.png"))  # the suffix is added
    assert not image.isNull()
    size = window.recon_panel.size()
    assert (image.width(), image.height()) == (size.width(), size.height())
    assert window.asked == ["reconstructions.png"]


@pytest.mark.parametrize("tab, index, item", [("training_panel", 0, "loss_plot"),
                                               ("kmeans_panel", 1, "j_plot")])
def test_plots_as_svg(window, qtbot, tmp_path, tab, index, item):
    panel = getattr(window, tab)
    window.tabs.setCurrentWidget(panel)
    if tab == "kmeans_panel":
        qtbot.waitUntil(lambda: panel.stepper is not None, timeout=TIMEOUT)
        panel.step()  # J has two values to draw
    plots = window.exporter.current_plots()
    assert plots[index][1] is getattr(panel, item)
    window.exporter.svg_menu.aboutToShow.emit()
    entries = window.exporter.svg_menu.actions()
    assert [a.text() for a in entries] == [f"{title}…" for title, _ in plots]
    window.next_export_name = "plot.svg"
    entries[index].trigger()
    root = ET.parse(tmp_path / "plot.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 10  # axes, ticks and curves, not an empty page


def test_no_svg_for_a_tab_without_plots(window):
    window.tabs.setCurrentWidget(window.recon_panel)
    window.exporter.svg_menu.aboutToShow.emit()
    assert [a.isEnabled() for a in window.exporter.svg_menu.actions()] == [False]
    assert window.exporter.export_plot_svg(0, "/nonexistent/x.svg") is None


def test_model_as_keras_loads_back_in_plain_keras(window, qtbot, tmp_path, tiny):
    window.next_export_name = "model.keras"
    saved = []
    window.session.status_message.connect(saved.append)
    trigger(window, "export_model_action")
    qtbot.waitUntil(lambda: (tmp_path / "model.keras").exists(), timeout=TIMEOUT)
    ours = []
    window.session.submit("check", lambda s, m, d: models.reconstruct(m, d.x_test[:6]),
                          ours.append)
    qtbot.waitUntil(lambda: bool(ours), timeout=TIMEOUT)
    keras = models.import_keras()
    loaded = keras.saving.load_model(str(tmp_path / "model.keras"))
    theirs = np.asarray(loaded.predict(np.asarray(tiny.x_test[:6]).reshape(6, 784), verbose=0))
    np.testing.assert_allclose(theirs.reshape(6, 28, 28), ours[0], atol=1e-6)


def test_kmeans_assignments_as_csv(window, qtbot, tmp_path):
    panel = window.kmeans_panel
    qtbot.waitUntil(lambda: panel.stepper is not None, timeout=TIMEOUT)
    panel.step()
    panel.half_step("assign")
    window.next_export_name = "assignments.csv"
    trigger(window, "export_csv_action")
    with (tmp_path / "assignments.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["index", "digit", "x", "y", "cluster"]
    points = panel.points
    assert len(rows) == points.n
    assert [int(r["index"]) for r in rows] == list(range(points.n))
    np.testing.assert_array_equal([int(r["digit"]) for r in rows], points.labels)
    np.testing.assert_array_equal([int(r["cluster"]) for r in rows], panel.stepper.labels)
    np.testing.assert_allclose([[float(r["x"]), float(r["y"])] for r in rows], points.coords)
    # The lab clusters the first n test digits: row i is test digit i.
    np.testing.assert_array_equal([int(r["digit"]) for r in rows],
                                  window.session.dataset.y_test[:points.n])


def test_an_unwritable_place_is_an_error_message(window):
    window.tabs.setCurrentWidget(window.training_panel)
    assert window.exporter.export_view_png("/nonexistent-folder/view.png") is None
    boxes = [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    assert boxes and "Could not write" in boxes[-1].text()
