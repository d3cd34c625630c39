"""Bad input met through the window: each gets a message naming the file and
what to do, the program keeps running, and nothing is changed or overwritten.

Data files: `MainWindow(data_path=X)` opens anyway on the default data with
an error box. Weights: the model panel's Load and Save with the dialogs
replaced. Metadata: a trained/ folder with a broken JSON file.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from mnist_files import digits, idx_bytes, idx_folder, npz, truncated_gz_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from explorer.core import store
from explorer.core.data import Dataset
from explorer.services import workers
from explorer.services.session import Session
from explorer.ui.main_window import MainWindow

TIMEOUT = 60000
TRAINED = Path(__file__).resolve().parents[2] / "trained"


# ------------------------------------------------------------------ helpers
def _empty_folder(t: Path) -> Path:
    (t / "lecture").mkdir()
    (t / "lecture" / "slides.txt").write_text("not digits")
    return t / "lecture"


def _objects(n: int) -> np.ndarray:
    a = np.empty(n, dtype=object)
    a[:] = [{"label": i % 10} for i in range(n)]
    return a


# name -> (make(tmp_path) -> path, text the message must hold, what to do)
BAD_DATA = {
    "missing path": (lambda t: t / "nope.npz", "nope.npz", "give a Keras-format mnist.npz"),
    "folder without MNIST": (_empty_folder, "lecture: folder holds no MNIST IDX files",
                             "expected train-images"),
    "truncated .gz": (lambda t: truncated_gz_folder(t / "m"),
                      "t10k-images-idx3-ubyte.gz: gzip data is truncated", "download the file again"),
    "non-gzip named .gz": (lambda t: idx_folder(t / "m", labels=idx_bytes(digits(20)[1])),
                           "t10k-labels-idx1-ubyte.gz: not a gzip file", "remove .gz"),
    "wrong IDX magic": (lambda t: idx_folder(t / "m", images=gzip.compress(idx_bytes(digits(20)[1]))),
                        "t10k-images-idx3-ubyte.gz: wrong IDX magic number", "expected 0x00000803"),
    "npz without the four arrays": (lambda t: npz(t / "d.npz", y_test=None),
                                    "d.npz: missing array(s) y_test", "a Keras-format mnist.npz"),
    "npz NaN": (lambda t: npz(t / "d.npz", x_train=lambda x: np.where(x > 200, np.nan, x / 255)),
                "d.npz[x_train]", "NaN"),
    "npz counts differ": (lambda t: npz(t / "d.npz", y_test=lambda y: y[:5]),
                          "d.npz[x_test] holds 20 images but d.npz[y_test] holds 5 labels",
                          "pair one to one"),
    "npz pickled objects": (lambda t: npz(t / "d.npz", y_train=_objects(30)), "d.npz[y_train]",
                            "refusing to unpickle"),
}


def error_boxes(window) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.objectName() == "error_box"]


def wait_for_error(qtbot, window, count: int = 1) -> str:
    """The text of the newest error box, once `count` of them are up."""
    qtbot.waitUntil(lambda: len(error_boxes(window)) >= count, timeout=TIMEOUT)
    return error_boxes(window)[-1].text()


def close_all_errors(window) -> None:
    for box in error_boxes(window):
        box.close()


def get_weights(qtbot, session) -> list[np.ndarray]:
    out = []
    session.submit("test-weights", lambda s, m, d: [w.copy() for w in m.autoencoder.get_weights()],
                   out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=TIMEOUT)
    return out[0]


def same_weights(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=False))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def close_window(window) -> None:
    window.close()
    assert window.session.shutdown(5000)  # a window never shown gets no closeEvent
    assert workers.running_threads() == []


@pytest.fixture
def ready_window(qtbot, tiny, tmp_path):
    """A started window on the tiny data with no pre-trained weights."""
    trained = tmp_path / "trained"
    trained.mkdir()
    window = MainWindow(dataset=tiny, trained_dir=trained, arch_id="simple", start=False)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.session.backend_ready, timeout=TIMEOUT):
        window.session.start()
    qtbot.waitUntil(window.model_panel.load_button.isEnabled, timeout=TIMEOUT)
    yield window
    close_window(window)


# ----------------------------------------------------------- data files
@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_window_opens_on_the_default_data_and_says_what_was_wrong(qtbot, tmp_path, case):
    make, names, todo = BAD_DATA[case]
    data = make(tmp_path)
    before = snapshot(tmp_path)
    # Not shown: showing starts TensorFlow, and the data check needs none of it.
    window = MainWindow(data_path=str(data), trained_dir=tmp_path / "trained", start=False)
    qtbot.addWidget(window)
    text = wait_for_error(qtbot, window)
    assert names in text and todo in text, text
    default = window.session.dataset
    assert isinstance(default, Dataset) and default.n_test > 0
    assert f"Using {default.source} instead" in text
    assert window.data_label.text() == f"Data: {default.source}"
    assert names.split(":")[0] in window.statusBar().currentMessage()
    assert not window.session.is_ready and not error_boxes(window)[0].isHidden()
    assert snapshot(tmp_path) == before, "a bad data file was changed"
    close_window(window)


def test_a_tiny_dataset_without_every_digit_still_drives_every_panel(qtbot, tmp_path):
    """3 test digits (0, 1, 2) and 12 training digits: all views cope, K > points says so."""
    path = npz(tmp_path / "few.npz", n_train=12, n_test=3)
    window = MainWindow(data_path=str(path), trained_dir=tmp_path / "trained", start=False)
    qtbot.addWidget(window)
    window.show()
    assert window.session.dataset.n_test == 3 and error_boxes(window) == []
    errors = []
    window.session.error_raised.connect(errors.append)
    with qtbot.waitSignal(window.session.backend_ready, timeout=TIMEOUT):
        window.session.start()
    recon, kmeans = window.recon_panel, window.kmeans_panel
    qtbot.waitUntil(lambda: recon.current_view is not None, timeout=TIMEOUT)
    assert list(recon.selected_indices) == [0, 1, 2]
    recon.one_per_class_button.click()  # there is no 3..9: it says so and keeps the view
    assert recon.mode == "first" and len(recon.selected_indices) == 3
    window.tabs.setCurrentWidget(kmeans)
    qtbot.waitUntil(lambda: kmeans.points is not None and kmeans.points.n == 3, timeout=TIMEOUT)
    assert kmeans.stepper is None and "more than the 3 points" in kmeans.message_label.text()
    kmeans.k_spin.setValue(2)
    assert kmeans.stepper is not None
    kmeans.step()
    kmeans.k_spin.setValue(20)
    assert kmeans.stepper is None and not kmeans.assign_button.isEnabled()
    panel = window.model_panel
    panel.epochs_spin.setValue(1)
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT) as blocker:
        panel.train_button.click()
    assert blocker.args[0].status == "finished"
    assert errors == []
    close_window(window)


# -------------------------------------------------------------- weights
def _bad_weights_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "files"
    folder.mkdir()
    deep = folder / "deep.weights.h5"
    shutil.copyfile(TRAINED / "deep.weights.h5", deep)
    conv = folder / "conv.weights.h5"
    shutil.copyfile(TRAINED / "conv.weights.h5", conv)
    garbage = folder / "mine.weights.h5"
    garbage.write_bytes(b"this is not HDF5 at all" * 100)
    half = folder / "half.weights.h5"
    raw = (TRAINED / "simple.weights.h5").read_bytes()
    half.write_bytes(raw[: len(raw) // 2])
    notes = folder / "notes.txt"
    notes.write_text("lecture notes")
    return {"another architecture (deep)": (deep, "deep.weights.h5"),
            "another architecture (conv)": (conv, "conv.weights.h5"),
            "not HDF5": (garbage, "mine.weights.h5"),
            "truncated": (half, "half.weights.h5"),
            "a text file": (notes, "notes.txt"),
            "missing": (folder / "gone.weights.h5", "gone.weights.h5")}


def test_loading_bad_weights_shows_an_error_and_keeps_the_model(qtbot, ready_window, tmp_path,
                                                                monkeypatch):
    window = ready_window
    session, panel = window.session, window.model_panel
    before = get_weights(qtbot, session)
    note = session.weights_note
    cases = _bad_weights_files(tmp_path)
    files_before = snapshot(tmp_path / "files")
    for n, (case, (path, name)) in enumerate(cases.items(), start=1):
        monkeypatch.setattr(panel, "_ask_weights_file", lambda p=path: str(p))
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
        text = wait_for_error(qtbot, window, n)
        assert name in text, f"{case}: {text}"
        assert "cannot load" in text or "no such weights file" in text, f"{case}: {text}"
        assert same_weights(get_weights(qtbot, session), before), f"{case}: weights changed"
        assert session.weights_note == note
        assert panel.train_button.isEnabled() and panel.load_button.isEnabled()
    assert snapshot(tmp_path / "files") == files_before
    # ...and a good file still loads afterwards: nothing got stuck.
    monkeypatch.setattr(panel, "_ask_weights_file", lambda: str(TRAINED / "simple.weights.h5"))
    with qtbot.waitSignal(session.weights_info_changed, timeout=TIMEOUT):
        panel.load_button.click()
    assert "loaded simple.weights.h5" in session.weights_note
    assert not same_weights(get_weights(qtbot, session), before)


def test_saving_where_a_file_blocks_the_folder_shows_an_error_and_overwrites_nothing(
        qtbot, ready_window, tmp_path, monkeypatch):
    """As root, chmod does not stop writes: a file standing where the folder
    should be (and a folder where the weights file should be) does."""
    window = ready_window
    session, panel = window.session, window.model_panel
    blocker = tmp_path / "blocked" / "trained"
    blocker.parent.mkdir()
    blocker.write_text("a file where the folder should be")
    odd = tmp_path / "odd"
    (odd / "simple.weights.h5").mkdir(parents=True)  # a folder where the file should be
    (odd / "simple.weights.h5" / "keep.txt").write_text("mine")
    before = {p: snapshot(p) for p in (blocker.parent, odd)}
    monkeypatch.setattr(panel, "_confirm_overwrite", lambda target: True)

    monkeypatch.setattr(panel, "_ask_save_folder", lambda: str(blocker))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    text = wait_for_error(qtbot, window, 1)
    assert "cannot save the weights into" in text and str(blocker) in text
    assert "Choose a folder you can write to" in text

    monkeypatch.setattr(panel, "_ask_save_folder", lambda: str(odd))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    text = wait_for_error(qtbot, window, 2)
    assert "cannot save the weights into" in text and str(odd) in text
    assert {p: snapshot(p) for p in (blocker.parent, odd)} == before, "something was written"
    assert [p.name for p in odd.iterdir()] == ["simple.weights.h5"], "temporary files left"

    good = tmp_path / "good"
    monkeypatch.setattr(panel, "_ask_save_folder", lambda: str(good))
    with qtbot.waitSignal(session.status_message, timeout=TIMEOUT):
        panel.save_button.click()
    assert store.weights_path("simple", good).exists()
    assert panel.train_button.isEnabled()


# -------------------------------------------------------------- metadata
GOOD_META = json.loads((TRAINED / "simple.json").read_text())


@pytest.mark.parametrize("text, why", [
    ("{not json", "not valid JSON"),
    (json.dumps({"arch_id": "simple"}), "missing field"),
    (json.dumps({**GOOD_META, "epochs": "fifty"}), "'epochs' should be a whole number"),
    (json.dumps({**GOOD_META, "train_loss": "low", "learning_rate": "fast"}), "should be a number"),
    (json.dumps({**GOOD_META, "history": [0.1, 0.2]}), "'history' entry"),
], ids=["not JSON", "fields missing", "epochs as words", "numbers as words", "flat history"])
def test_broken_metadata_in_trained_falls_back_with_a_note(qtbot, tiny, tmp_path, text, why):
    """Before the fix in store.load_metadata, a value of the wrong kind (say
    "epochs": "fifty") escaped as ValueError: the first model was never
    built and the window said "loading TensorFlow..." for ever."""
    trained = tmp_path / "trained"
    trained.mkdir()
    shutil.copyfile(TRAINED / "simple.weights.h5", trained / "simple.weights.h5")
    (trained / "simple.json").write_text(text)
    before = snapshot(trained)
    session = Session(dataset=tiny, trained_dir=trained)
    try:
        with qtbot.waitSignal(session.backend_ready, timeout=TIMEOUT):
            session.start()
        # The good weights file is kept; the note says what is wrong with
        # its description.
        note = session.weights_note
        assert "pre-trained weights" in note and "simple.json" in note and why in note, note
        assert session.metadata is None and session.is_ready and not session.is_busy
        assert snapshot(trained) == before, "the broken files were changed"
    finally:
        assert session.shutdown(5000)
