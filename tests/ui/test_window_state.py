"""window_state.apply: a partial dict sets the window up, and bad values come back as sentences."""

from __future__ import annotations

import numpy as np

from explorer.ui import window_state

TIMEOUT = 60000


def test_a_setup_sets_tab_noise_digits_and_kmeans(window):
    problems = window_state.apply(window, {
        "tab": "K-means lab", "noise": 0.5, "noise_seed": 3, "digits": [5, 6, 7],
        "kmeans": {"k": 4, "seed": 7, "init": "random points", "space": "full",
                   "source": "pixels", "points": 40}})
    assert problems == []
    assert window.tabs.currentWidget() is window.kmeans_panel
    selection = window.session.selection
    assert selection.noise == 0.5 and selection.noise_seed == 3
    assert window.recon_panel.noise_slider.value() == 10
    assert list(selection.indices) == [5, 6, 7]
    lab = window.kmeans_panel.lab
    assert (lab.k, lab.seed, lab.init, lab.full_space) == (4, 7, "random points", True)
    assert window.kmeans_panel.source == "pixels"
    assert window.kmeans_panel.k_spin.value() == 4  # the widgets agree with the lab
    state = window_state.current(window)
    assert state["kmeans"] == {"k": 4, "seed": 7, "init": "random points", "space": "full",
                               "source": "pixels", "points": 40}
    assert state["tab_key"] == "kmeans" and state["digits"] == [5, 6, 7]
    assert window_state.apply(window, {"tab": "reconstructions"}) == []  # by feature key
    assert window.tabs.currentWidget() is window.recon_panel


def test_bad_values_are_sentences_naming_the_key_and_the_rest_still_applies(window):
    problems = window_state.apply(window, {
        "architecture": "resnet", "tab": "Nowhere", "noise": 2, "noise_seed": -1,
        "digits": [0, 10_000], "kmeans": {"k": 0}, "presentation": "yes", "scale": 9,
        "colour": "red", "weights": 12})
    text = "\n".join(problems)
    for key in ("architecture:", "tab:", "noise:", "noise_seed:", "digits:", "kmeans:",
                "presentation:", "scale:", "'colour' is not a setting"):
        assert key in text, text
    assert "'resnet' is not a model" in text and "simple, sparse, deep, conv, denoise" in text
    assert "the tabs are Training, Reconstructions" in text
    assert window.session.arch_id == "simple" and window.session.selection.noise == 0.0
    # A bad key leaves the good ones applied.
    assert window_state.apply(window, {"noise": 0.25, "kmeans": {"k": 99}, "tab": "Latent codes"}) \
        == ["kmeans: K must be between 1 and 20, got 99"]
    assert window.session.selection.noise == 0.25
    assert window.tabs.currentWidget() is window.latent_panel
    assert window_state.apply(window, {"kmeans": {"colour": 1}})[0].startswith("kmeans: 'colour' not known")
    assert window_state.apply(window, "simple") == [
        "the setup must be a table of settings, got str"]


def test_an_architecture_switch_does_not_wait_and_the_weights_follow(window, qtbot):
    session = window.session
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT) as changed:
        problems = window_state.apply(window, {"architecture": "deep", "weights": "fresh"})
        assert problems == []
        assert session.is_busy  # queued on the model thread: apply returned at once
    assert changed.args == ["deep"]
    combo = window.model_panel.architecture_combo
    assert combo.currentData() == "deep"
    qtbot.waitUntil(lambda: not session.is_busy and "fresh" in session.weights_note,
                    timeout=TIMEOUT)
    with qtbot.waitSignal(session.model_changed, timeout=TIMEOUT):
        assert window_state.apply(window, {"architecture": "simple-8"}) == []
    assert session.variant.name == "simple-8" and combo.currentData() == "simple"
    assert window_state.current(window)["architecture"] == "simple-8"


def test_weights_that_are_not_there_say_so(window, tmp_path):
    problems = window_state.apply(window, {"weights": "shipped"})
    assert len(problems) == 1 and "no shipped weights for simple" in problems[0]
    assert "weights:" in window_state.apply(window, {"weights": "missing.weights.h5"},
                                            base_dir=tmp_path)[0]
    (tmp_path / "notes.txt").write_text("x")
    assert "not a Keras weights file" in window_state.apply(
        window, {"weights": "notes.txt"}, base_dir=tmp_path)[0]


def test_a_projection_is_chosen_in_the_map_of_the_tab_in_front(window):
    controls = window.latent_space_panel.projection_controls
    assert window_state.apply(window, {"tab": "Latent space",
                                       "projection": {"method": "tsne", "perplexity": 12}}) == []
    assert controls.combo.currentData() == "tsne" and controls.perplexity_spin.value() == 12
    assert window.kmeans_panel.projection_controls.combo.currentData() == "pca"  # one map only
    assert window_state.apply(window, {"projection": {"method": "umap", "perplexity": 5}}) == [
        "projection: umap has no parameter 'perplexity' (it has: n_neighbors, min_dist)"]
    problems = window_state.apply(window, {"projection": {"method": "tsne", "perplexity": 1e6}})
    assert problems and problems[0].startswith("projection: perplexity must be a number from 2")
    assert controls.perplexity_spin.value() == 12  # a refused setup changes nothing
    assert window_state.apply(window, {"projection": {"method": "umap", "n_neighbors": 8,
                                                      "tab": "K-means lab"}}) == []
    kmeans_controls = window.kmeans_panel.projection_controls
    assert kmeans_controls.combo.currentData() == "umap"
    assert kmeans_controls.neighbours_spin.value() == 8
    assert controls.combo.currentData() == "tsne"  # the tab in front was not the one named


def test_shipped_weights_load_again_over_fresh_ones(qtbot, tiny, tmp_path):
    """With the real shipped weights: "shipped" after a reset loads the file again."""
    from PySide6.QtCore import QSettings

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=tiny, settings=settings)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    session = w.session
    assert session.metadata is not None  # pre-trained
    session.reset_weights()
    qtbot.waitUntil(lambda: session.metadata is None and not session.is_busy, timeout=TIMEOUT)
    with qtbot.waitSignal(session.weights_changed, timeout=TIMEOUT):
        assert window_state.apply(w, {"weights": "shipped"}) == []
    assert session.metadata is not None and "loaded simple.weights.h5" in session.weights_note
    view = session.selection.view
    qtbot.waitUntil(lambda: session.selection.view is not view, timeout=TIMEOUT)
    assert np.isfinite(session.selection.view.per_digit_loss).all()
    w.close()


def test_apply_never_raises_whatever_a_key_holds(window, qtbot):
    """Every key with values of every type: problems, never an exception into Qt."""
    confusing = [None, True, False, 0, -1, 1.5, 1e308, float("nan"), 2 ** 64, "", "x", "nan",
                 "\u00e9\u4e2d", [], {}, [1, 2], [None], {"a": 1}, {"method": 3}, {"k": "3"},
                 {"k": 2 ** 40}, {"points": 0}, {"space": None}, {"seed": -5}]
    for key in window_state.KEYS:
        for value in confusing:
            problems = window_state.apply(window, {key: value})
            assert isinstance(problems, list), (key, value)
            assert all(isinstance(p, str) and p for p in problems), (key, value, problems)
    window.presentation_action.setChecked(False)
    qtbot.waitUntil(lambda: not window.session.is_busy, timeout=TIMEOUT)
