"""What the Sweep tab draws, read from sweep folders made here without TensorFlow.

The trials are written by the sweep's own file code (`sweep_files.write_trial`)
from results made up in numpy: reading a sweep never opens a weights file, so
the weights are a placeholder there; loading one is the window's test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.core import models, store, sweep_files, variants
from explorer.core.sweep_trial import DataRef, TrialResult, TrialSpec
from explorer.features.model.code_size import code_size_for, compression_text
from explorer.features.model.state import describe
from explorer.features.sweeps.picture import read_sweep, shipped_marks

ROOT = Path(__file__).resolve().parents[2]
DIGITS = tuple(range(10, 20))


def result(arch: str, size: int, optimizer: str, history, repeat: int = 0,
           digits=DIGITS) -> TrialResult:
    rng = np.random.default_rng(size * 10 + repeat)
    spec = TrialSpec(arch, size, optimizer, epochs=len(history), batch_size=64, repeat=repeat)
    meta = store.Metadata(arch, "3", optimizer, 0.001, len(history), 64, 0.0, history[-1][0],
                          history[-1][1], "made up", "2026-12-01", tuple(history),
                          code_size=size)
    originals = np.tile(np.arange(10, dtype=np.uint8)[:, None, None] * 20, (1, 28, 28))
    recon = np.clip(originals.astype(int) + rng.integers(0, 30, originals.shape), 0, 255)
    return TrialResult(spec, DataRef(None, 256, 64), "finished", None, tuple(history),
                       params=1000 + size, mean_code_activation=1.0, seconds=2.5 + size,
                       train_seconds=2.0, worker="tcp://127.0.0.1:1", host="here",
                       data_source="made up", metadata=meta, weights=b"not read here",
                       digit_indices=digits, originals=originals,
                       reconstructions=recon.astype(np.uint8))


@pytest.fixture
def folder(tmp_path):
    falling = {2: 0.30, 8: 0.20, 32: 0.12}
    for size, val in falling.items():
        sweep_files.write_trial(tmp_path, result("simple", size, "adam",
                                                 ((val + 0.1, val + 0.05), (val + 0.02, val))))
        # A second repeat 0.02 higher: the line is the mean of the two.
        sweep_files.write_trial(tmp_path, result("simple", size, "adam",
                                                 ((val + 0.1, None), (val + 0.04, val + 0.02)),
                                                 repeat=1))
    sweep_files.write_trial(tmp_path, result("conv", 4, "adadelta", ((0.5, 0.45),),
                                             digits=tuple(range(30, 40))))
    return tmp_path


def test_the_picture_holds_every_trial_its_curves_and_the_falling_line(folder):
    picture = read_sweep(folder)
    assert [r.key for r in picture.rows] == [
        "conv-4-adadelta-r1", "simple-2-adam-r1", "simple-2-adam-r2", "simple-8-adam-r1",
        "simple-8-adam-r2", "simple-32-adam-r1", "simple-32-adam-r2"]
    first = picture.row("simple-32-adam-r1")
    assert first.label == "simple-32 adam r1"  # the seed's size is named by its size too
    assert first.short_label == first.label  # two architectures, two optimizers: all of it
    assert (first.code_numbers, first.compression_factor, first.epochs) == (32, 24.5, 2)
    assert first.epochs_x == (1.0, 2.0) and first.val_y == pytest.approx((0.17, 0.12))
    assert first.weights_path == folder / "trials" / "simple-32-adam-r1" / "simple.weights.h5"
    no_first_val = picture.row("simple-2-adam-r2")
    assert no_first_val.val_x == (2.0,) and len(no_first_val.train_y) == 2
    lines = {line.label: line for line in picture.lines}
    assert sorted(lines) == ["conv, adadelta", "simple, adam"]
    adam = lines["simple, adam"]
    assert adam.code_sizes == (2, 8, 32) and adam.code_numbers == (2, 8, 32)
    assert adam.val_loss == pytest.approx((0.31, 0.21, 0.13))  # means over the repeats
    assert adam.val_loss[0] > adam.val_loss[1] > adam.val_loss[2]
    assert lines["conv, adadelta"].code_numbers == (64,)  # 4x4x4
    assert picture.summary == (f"{folder.name}: 7 trials of conv, simple; "
                               "code sizes 2, 4, 8, 32; adadelta and adam")
    assert picture.problems == ()


def test_each_trial_reconstructs_the_shared_digits_or_brings_its_own(folder):
    picture = read_sweep(folder)
    assert picture.originals.shape == (10, 28, 28)
    np.testing.assert_allclose(picture.originals[:, 0, 0], np.arange(10) * 20 / 255)
    rows = {d.key: d for d in picture.digit_rows}
    assert len(rows) == 7
    assert rows["conv-4-adadelta-r1"].originals is not None  # other digits: shown with them
    assert rows["simple-8-adam-r1"].originals is None
    d = rows["simple-8-adam-r1"]
    expected = models.per_image_loss(picture.originals, d.reconstructions)
    assert d.losses == pytest.approx(tuple(expected)) and d.title == "simple-8 adam r1"


def test_the_shipped_models_are_marked_at_their_code_sizes(folder):
    marks = {m.arch_id: m for m in read_sweep(folder).seed_marks}
    assert list(marks) == list(models.ARCH_IDS)
    for arch, mark in marks.items():
        meta = json.loads((store.TRAINED_DIR / f"{arch}.json").read_text())
        assert mark.val_loss == pytest.approx(meta["val_loss"])
        assert mark.code_numbers == variants.variant(arch).code_numbers
    assert [marks[a].code_numbers for a in ("simple", "conv", "denoise")] == [32, 128, 1568]
    assert shipped_marks(folder) == ()  # a folder with no model's metadata marks nothing


def test_damaged_trials_are_named_and_the_rest_is_shown(folder):
    (folder / "trials" / "simple-8-adam-r2" / "trial.json").write_text("{broken")
    (folder / "trials" / "simple-2-adam-r1" / "digits.npz").write_bytes(b"not a zip")
    picture = read_sweep(folder)
    assert len(picture.rows) == 6
    assert len(picture.problems) == 2
    assert "simple-8-adam-r2" in picture.problems[0] and "JSON" in picture.problems[0]
    assert "simple-2-adam-r1" in picture.problems[1] and "digits" in picture.problems[1]
    assert "simple-2-adam-r1" not in {d.key for d in picture.digit_rows}
    assert "simple-2-adam-r1" in {r.key for r in picture.rows}  # its losses still count


def test_short_labels_leave_out_what_every_trial_shares(tmp_path):
    for size in (2, 16):
        sweep_files.write_trial(tmp_path, result("conv", size, "adam", ((0.3, 0.3),)))
    picture = read_sweep(tmp_path)
    assert [(r.label, r.short_label) for r in picture.rows] == [
        ("conv-2 adam", "2 filters"), ("conv-16 adam", "16 filters")]
    assert [d.title for d in picture.digit_rows] == ["2 filters", "16 filters"]


def test_a_folder_without_trials_says_what_a_sweep_folder_is(tmp_path):
    with pytest.raises(sweep_files.SweepFileError, match="no finished sweep trials"):
        read_sweep(tmp_path)


def test_reading_a_sweep_for_the_window_imports_no_tensorflow(folder):
    code = ("import sys\nfrom explorer.features.sweeps.picture import read_sweep\n"
            f"p = read_sweep({str(folder)!r})\nprint(len(p.rows), 'tensorflow' in sys.modules, "
            "'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert out.stdout.split() == ["7", "False", "False"]


# ------------------------------------------------------ the model dock's code size
def test_the_code_size_box_counts_units_or_filters_from_the_seeds_size():
    simple = code_size_for(variants.variant("simple"))
    assert (simple.value, simple.seed, simple.suffix) == (32, 32, " units")
    assert simple.maximum == variants.MAX_CODE_NUMBERS
    conv = code_size_for(variants.variant("conv", 2))
    assert (conv.value, conv.seed, conv.suffix, conv.maximum) == (2, 8, " filters", 392)
    assert code_size_for(variants.variant("denoise")).maximum == 128
    assert compression_text(variants.variant("simple")) == (
        "784 pixels → 32 numbers per digit: compression factor 24.5")
    assert compression_text(variants.variant("conv", 2)) == (
        "784 pixels → 32 numbers (4x4x2) per digit: compression factor 24.5")
    assert "1.6× wider than the image" in compression_text(variants.variant("deep", 1254))
    assert compression_text(variants.variant("simple", 1)).startswith("784 pixels → 1 number ")


def test_a_variant_is_described_with_its_own_code():
    assert describe("simple") == describe("simple", 32)
    assert "Seed tutorial" in describe("simple")
    text = describe("simple", 2)
    assert "Code: 2." in text and "Seed tutorial" not in text and "392" in text
    assert "Code: 4x4x16." in describe("conv", 16)
    assert not math.isnan(variants.variant("conv", 16).compression_factor)
