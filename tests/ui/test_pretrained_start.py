"""The shipped weights make the window live at start, with no training."""

from __future__ import annotations

import pytest

from explorer.core import store


@pytest.mark.parametrize("arch", ["conv", "simple"])
def test_window_shows_pretrained_reconstructions_right_after_start(qtbot, embedded, arch):
    from explorer.ui.main_window import MainWindow

    window = MainWindow(dataset=embedded, trained_dir=store.TRAINED_DIR, arch_id=arch)
    qtbot.addWidget(window)
    recon = window.recon_panel

    def reconstructed() -> bool:
        view = recon.current_view
        return window.session.is_ready and view is not None and view.reconstructions is not None

    qtbot.waitUntil(reconstructed, timeout=60000)
    assert window.session.last_result is None, "nothing was trained"
    note = window.weights_label.text()
    assert note.startswith("pre-trained") and "epochs" in note and "embedded MNIST" in note
    meta = store.load_metadata(arch)
    # Fresh weights give a loss near 0.69 per digit; trained ones about 0.1.
    assert recon.current_view.per_digit_loss.mean() < 0.2
    assert meta.val_loss < 0.12
    assert "Click Train to retrain" in window.model_panel.weights_info_label.text()
    window.close()


def test_a_long_weights_note_ends_in_an_ellipsis_with_the_whole_note_as_tooltip(qtbot):
    from explorer.ui.main_window import ElidedLabel

    note = "pre-trained: " + "trained on embedded MNIST, 50 epochs, adam; " * 4 + "2026-11-27"
    label = ElidedLabel(note)
    qtbot.addWidget(label)
    label.resize(200, 20)
    label.show()
    shown = super(ElidedLabel, label).text()
    assert shown.endswith("…") and len(shown) < len(note)
    assert label.text() == note and label.toolTip() == note
    label.resize(4000, 20)
    assert super(ElidedLabel, label).text() == note


def test_the_run_box_describes_the_loaded_weights_until_a_run_starts(qtbot, tiny, tmp_path):
    import shutil

    from explorer.core import training
    from explorer.ui.main_window import MainWindow

    for name in ("simple.weights.h5", "simple.json"):
        shutil.copy(store.TRAINED_DIR / name, tmp_path / name)
    window = MainWindow(dataset=tiny, trained_dir=tmp_path, arch_id="simple")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session.is_ready, timeout=60000)
    panel = window.training_panel
    meta = store.load_metadata("simple", tmp_path)
    labels = {key: label.text() for key, label in panel.settings_labels.items()}
    assert panel.settings_box.title() == "Loaded weights"
    assert labels["epochs"] == str(meta.epochs) and labels["optimizer"] == meta.optimizer
    assert labels["batch"] == str(meta.batch_size) and "embedded" in labels["data"]
    with qtbot.waitSignal(window.session.training_ended, timeout=60000):
        window.session.train(training.TrainConfig("simple", epochs=1, batch_size=64))
    assert panel.settings_box.title() == "This run"
    assert panel.settings_labels["epochs"].text() == "1"
    window.close()
