"""File > Open sweep and the code-size control, through the real window.

The sweep folder holds four real trials (simple at code sizes 2, 8 and 32,
one epoch each on a few hundred digits, and the 8 again filed as Adadelta)
with chosen losses that fall as the code grows (tests/sweep_folders.py).
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from fit import problems_on_tab
from PySide6.QtCore import Qt
from sweep_folders import ADADELTA_8, HISTORIES, write_small_sweep

from explorer.core import models, store, sweep_files, variants

TIMEOUT = 60000


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    return write_small_sweep(tmp_path_factory.mktemp("sweep"))


def open_from_menu(qtbot, window, folder):
    """File > Open sweep, the folder dialog answered with `folder`."""
    window._ask_sweep_folder = lambda: str(folder)
    panel = window.sweeps_panel
    with qtbot.waitSignal(panel.state.opened, timeout=TIMEOUT):
        window.open_sweep_action.trigger()
        # Read on the model thread: nothing is there until the job answers.
        assert panel.picture is None and panel.state.is_reading
    return panel


def model_weights(qtbot, session):
    out = []
    session.submit("probe", lambda s, m, d: (m.variant.name, m.encoder.output_shape,
                                             [w.copy() for w in m.autoencoder.get_weights()]),
                   out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=TIMEOUT)
    return out[0]


def curve_y(item) -> list[float]:
    return [float(y) for y in item.getData()[1]]


def test_open_sweep_draws_the_curves_the_falling_loss_and_the_digits(qtbot, window, sweep_dir):
    assert window.tabs.indexOf(window.sweeps_panel) < 0  # no tab before a sweep is open
    panel = open_from_menu(qtbot, window, sweep_dir)
    assert window.tabs.currentWidget() is panel and panel.isVisible()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Sweep"
    keys = ["simple-8-adadelta-r1", "simple-2-adam-r1", "simple-8-adam-r1", "simple-32-adam-r1"]
    assert [r.key for r in panel.picture.rows] == keys
    # The loss curves: one pair per trial, the chosen figures.
    for size, history in HISTORIES.items():
        train, val = panel.curves.curves[f"simple-{size}-adam-r1"]
        assert curve_y(train) == pytest.approx([h[0] for h in history])
        assert curve_y(val) == pytest.approx([h[1] for h in history])
    assert curve_y(panel.curves.curves["simple-8-adadelta-r1"][1]) == pytest.approx(
        [h[1] for h in ADADELTA_8])
    assert [label.text for _, label in panel.curves.legend.items] == [
        "8 adadelta", "2 adam", "8 adam", "32 adam"]
    panel.legends_check.setChecked(False)
    assert not panel.curves.legend.isVisible() and not panel.by_size.legend.isVisible()
    # Loss against code size: one line per optimizer, x the log of the code's numbers.
    adam = panel.by_size.lines["simple, adam"]
    x, y = adam.getData()
    assert list(x) == pytest.approx([math.log10(s) for s in (2, 8, 32)])
    assert list(y) == pytest.approx([HISTORIES[s][-1][1] for s in (2, 8, 32)])
    assert y[0] > y[1] > y[2], "the loss falls as the code grows"
    assert list(panel.by_size.lines["simple, adadelta"].getData()[1]) == [ADADELTA_8[-1][1]]
    seed_x, seed_y = panel.by_size.seed_item.getData()
    shipped = [store.load_metadata(a, store.TRAINED_DIR) for a in models.ARCH_IDS]
    assert list(seed_x) == pytest.approx([math.log10(variants.variant(a).code_numbers)
                                          for a in models.ARCH_IDS])
    assert list(seed_y) == pytest.approx([m.val_loss for m in shipped])
    ticks = panel.by_size.widget.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["2", "8", "32", "128", "1,568"]
    # The table and the grid of reconstructions of the same ten digits.
    table = panel.table
    assert table.rowCount() == 4
    assert [table.item(i, 1).text() for i in range(4)] == [
        "simple-8 adadelta", "simple-2 adam", "simple-8 adam", "simple-32 adam"]
    assert table.item(1, 7).text() == "0.2600" and table.item(1, 4).text() == "392×"
    rows = panel.digit_grid.rows
    # Every trial is simple: the rows and the legend name what differs.
    assert [r.title for r in rows] == ["test digits", "8 adadelta", "2 adam", "8 adam", "32 adam"]
    assert all(r.images.shape == (10, 28, 28) for r in rows)
    assert [p.title for p in panel.exportable_plots()] == [
        "Sweep: loss per epoch", "Sweep: loss against code size"]
    assert [title for title, _ in window.exporter.current_plots()] == [
        "Sweep: loss per epoch", "Sweep: loss against code size"]
    assert panel.problems_label.isHidden()
    # At 1,024 x 640 every control of the tab (each Load button: by scrolling) is reachable.
    window.resize(1024, 640)
    assert problems_on_tab(window, window.tabs.indexOf(panel)) == []


def test_a_trials_load_button_switches_the_model_and_loads_its_weights(qtbot, window,
                                                                        sweep_dir):
    panel = open_from_menu(qtbot, window, sweep_dir)
    session = window.session
    assert session.variant.name == "simple"
    button = panel.load_buttons["simple-8-adam-r1"]
    with qtbot.waitSignal(panel.state.trial_loaded, timeout=TIMEOUT):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    name, code_shape, weights = model_weights(qtbot, session)
    assert (name, code_shape) == ("simple-8", (None, 8))
    record = sweep_files.read_trial(sweep_dir / "trials" / "simple-8-adam-r1")
    expected = record.load_model().autoencoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, expected, strict=True))
    assert session.metadata.code_size == 8 and session.metadata.val_loss == pytest.approx(0.185)
    assert "loaded simple-8.weights.h5" in session.weights_note
    assert window.model_panel.code_size_spin.value() == 8
    combo = window.model_panel.architecture_combo
    assert (combo.currentData(), combo.currentText()) == ("simple", "Simple (8-d code)")
    assert button.text() == "Loaded"
    # Another trial of the same variant loads without a rebuild.
    with qtbot.waitSignal(panel.state.trial_loaded, timeout=TIMEOUT):
        assert panel.load_trial("simple-8-adadelta-r1")
    assert session.metadata.optimizer == "adadelta" and session.variant.name == "simple-8"
    assert button.text() == "Load"


def test_bad_and_partial_sweep_folders_are_said_so(qtbot, window, sweep_dir, tmp_path):
    empty = tmp_path / "not-a-sweep"
    empty.mkdir()
    window._ask_sweep_folder = lambda: str(empty)
    with qtbot.waitSignal(window.session.error_raised, timeout=TIMEOUT) as error:
        window.open_sweep_action.trigger()
    message = error.args[0]
    assert "Could not open the sweep" in message and "no finished sweep trials" in message
    assert "main.py sweep" in message
    assert window.tabs.indexOf(window.sweeps_panel) < 0
    partial = tmp_path / "partial"
    shutil.copytree(sweep_dir, partial)
    (partial / "trials" / "simple-2-adam-r1" / "trial.json").write_text("{cut off")
    panel = open_from_menu(qtbot, window, partial)
    assert len(panel.picture.rows) == 3
    assert not panel.problems_label.isHidden()
    assert "1 trial folder could not be read" in panel.problems_label.text()
    assert "simple-2-adam-r1" in panel.problems_label.text()


def test_the_code_size_builds_a_variant_that_keeps_its_weights_and_a_2d_code_is_drawn_as_is(
        qtbot, window, tmp_path):
    dock, session = window.model_panel, window.session
    spin = dock.code_size_spin
    assert (spin.value(), spin.suffix()) == (32, " units")
    assert "compression factor 24.5" in dock.compression_label.text()
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        spin.stepBy(-4)  # each step halves: 32 -> 16 -> 8 -> 4 -> 2, one build
        assert spin.value() == 2 and dock.code_size_row.choice_pending
    assert session.variant.name == "simple-2"
    name, code_shape, _ = model_weights(qtbot, session)
    assert (name, code_shape) == ("simple-2", (None, 2))
    assert "compression factor 392" in dock.compression_label.text()
    qtbot.waitUntil(lambda: dock.layer_table.rowCount() == 3
                    and dock.layer_table.item(1, 2).text() == "2", timeout=TIMEOUT)

    # The K-means lab clusters the 2-d code as it is: no PCA.
    lab = window.kmeans_panel
    qtbot.waitUntil(lambda: lab.points is not None and "simple-2" in lab.points.source,
                    timeout=TIMEOUT)
    points = lab.points
    assert points.dim == 2 and not points.projected
    np.testing.assert_array_equal(points.coords, points.codes)
    np.testing.assert_array_equal(points.projection.transform(points.codes), points.codes)
    assert lab.plot.getPlotItem().getAxis("bottom").labelText == "code number 1"
    assert "no projection" in lab.feed.status

    # Trained weights of the 2-d model survive a switch away and back.
    dock.train_limit = (256, 64)
    dock.state.update_hyperparameters(epochs=1)
    with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
        dock.train_button.click()
    _, _, trained = model_weights(qtbot, session)
    spin.setValue(8)
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        dock.code_size_row.choose_now()
    assert model_weights(qtbot, session)[:2] == ("simple-8", (None, 8))
    kept = session.book.get("simple-2")
    assert session.unsaved_work() == [f"Simple (2-d code): {kept.metadata.summary()}"]
    spin.setValue(2)
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        dock.code_size_row.choose_now()
    name, _, back = model_weights(qtbot, session)
    assert name == "simple-2"
    assert all(np.array_equal(a, b) for a, b in zip(trained, back, strict=True))
    assert "kept from earlier in this session" in session.weights_note
    # Saved under the variant's name, with its code size in the metadata.
    folder = tmp_path / "mine"
    saved = []
    session.save_weights(folder, on_saved=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=TIMEOUT)
    assert saved == [folder / "simple-2.weights.h5"] and saved[0].is_file()
    assert not session.unsaved_work()
    meta = store.load_metadata("simple-2", folder)
    assert (meta.code_size, meta.epochs) == (2, 1)
    # Another architecture starts at its own seed's size.
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        dock.architecture_combo.setCurrentIndex(dock.architecture_combo.findData("conv"))
    assert (spin.value(), spin.suffix(), spin.maximum()) == (8, " filters", 392)
    assert session.variant.name == "conv"
