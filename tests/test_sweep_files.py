"""A sweep's trial, run in this process (no Dask), and the files the client writes for it."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest

from explorer.core import models, store, sweep, sweep_files
from explorer.core.sweep_trial import DataRef, TrialSpec, run_trial

SMALL = DataRef(None, 256, 64)


@pytest.fixture(scope="module")
def result():
    return run_trial(TrialSpec("simple", 4, "adam", epochs=1, batch_size=32), SMALL)


def _as(result, code_size: int, optimizer: str = "adam", val_loss: float | None = None):
    """The same result filed as another trial (the table code reads the records only)."""
    spec = dataclasses.replace(result.spec, code_size=code_size, optimizer=optimizer)
    history = result.history if val_loss is None else ((result.train_loss, val_loss),)
    return dataclasses.replace(result, spec=spec, history=history, metadata=dataclasses.replace(
        result.metadata, code_size=code_size, optimizer=optimizer))


def test_a_trial_returns_everything_the_client_writes(result):
    assert result.status == "finished" and len(result.history) == 1
    assert 0 < result.val_loss < 1 and result.params == 784 * 4 + 4 + 4 * 784 + 784
    assert result.worker.startswith("pid ") and result.seconds >= result.train_seconds > 0
    assert result.metadata.code_size == 4 and result.metadata.epochs == 1
    assert result.weights[:8] == b"\x89HDF\r\n\x1a\n"  # an HDF5 file
    assert result.originals.shape == result.reconstructions.shape == (10, 28, 28)
    assert result.data_source.endswith("(subset 256/64)")


def test_written_trial_reads_back_and_its_weights_load(tmp_path, result):
    record = sweep_files.write_trial(tmp_path, result)
    assert record.folder == tmp_path / "trials" / "simple-4-adam-r1"
    assert sorted(p.name for p in record.folder.iterdir()) == [
        "digits.npz", "simple-4.json", "simple-4.weights.h5", "trial.json"]
    again = sweep_files.read_trial(record.folder)
    assert again == record
    originals, recon = again.digits()
    assert originals.shape == recon.shape == (10, 28, 28) and 0 <= recon.min() <= recon.max() <= 1
    model = again.load_model()
    assert model.variant.name == "simple-4"
    reloaded = models.reconstruct(model, originals)
    np.testing.assert_allclose(reloaded, recon, atol=1 / 255 + 1e-6)  # stored as bytes
    assert store.load_metadata("simple-4", record.folder).val_loss == pytest.approx(result.val_loss)


def test_csv_table_and_curve_hold_one_row_per_trial(tmp_path, result):
    for size, opt, loss in ((2, "adam", 0.6), (8, "adam", 0.5), (8, "adadelta", 0.65)):
        sweep_files.write_trial(tmp_path, _as(result, size, opt, loss))
    records, problems = sweep_files.finished_trials(tmp_path)
    assert sorted(records) == ["simple-2-adam-r1", "simple-8-adadelta-r1", "simple-8-adam-r1"]
    assert problems == []
    sweep_files.write_csv(tmp_path, records.values())
    with open(tmp_path / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["code_size"], r["optimizer"], r["val_loss"]) for r in rows] == [
        ("8", "adadelta", "0.650000"), ("2", "adam", "0.600000"), ("8", "adam", "0.500000")]
    assert rows[1]["compression_factor"] == "392" and rows[1]["worker"] == result.worker
    assert rows[1]["params"] == str(result.params) and float(rows[1]["seconds"]) > 0
    table = sweep_files.format_table(records.values()).splitlines()
    assert table[0].split()[:4] == ["arch", "code", "optimizer", "rep"]
    assert len(table) == 4 and "0.5000" in table[3] and "392" in table[2]
    curves = sweep.load_sweep(tmp_path).loss_by_code_size()
    assert curves == {("simple", "adadelta"): ((8, 0.65),),
                      ("simple", "adam"): ((2, 0.6), (8, 0.5))}


def test_unfinished_and_damaged_trials_are_not_taken_as_done(tmp_path, result):
    sweep_files.write_trial(tmp_path, _as(result, 2))
    killed = sweep_files.write_trial(tmp_path, _as(result, 8))
    (killed.folder / "trial.json").unlink()  # as a trial cut off before its last file
    damaged = sweep_files.write_trial(tmp_path, _as(result, 16))
    (damaged.folder / "trial.json").write_text("{not json")
    records, problems = sweep_files.finished_trials(tmp_path)
    assert list(records) == ["simple-2-adam-r1"]
    assert len(problems) == 1 and "simple-16-adam-r1" in problems[0] and "JSON" in problems[0]


def test_an_empty_folder_is_no_sweep(tmp_path):
    with pytest.raises(sweep_files.SweepFileError, match="no finished sweep trials") as err:
        sweep.load_sweep(tmp_path)
    assert len(str(err.value).splitlines()) == 1


def test_a_rerun_with_everything_done_needs_no_cluster(tmp_path, result):
    sweep_files.write_trial(tmp_path, result)
    # An address nothing listens on: never contacted, since nothing is left to run.
    cluster = sweep.ClusterSpec(scheduler="tcp://127.0.0.1:9", connect_timeout_s=0.1)
    outcome = sweep.run_sweep([result.spec], tmp_path, SMALL, cluster)
    assert outcome.status == "finished" and outcome.finished == ()
    assert [r.spec for r in outcome.skipped] == [result.spec]
    assert (tmp_path / "sweep.csv").exists()


def test_a_rerun_with_other_settings_is_refused_before_training(tmp_path, result):
    sweep_files.write_trial(tmp_path, result)
    longer = dataclasses.replace(result.spec, epochs=5)
    with pytest.raises(sweep.SweepError, match="epochs 1, not 5") as err:
        sweep.run_sweep([longer], tmp_path, SMALL)
    assert "another --out" in str(err.value)
    with pytest.raises(sweep.SweepError, match="test digits 64, not 32"):
        sweep.run_sweep([result.spec], tmp_path, DataRef(None, 256, 32))


def test_plan_covers_every_combination_with_the_seeds_settings():
    trials = sweep.plan("conv", [2, 4, 4], ["adam", "adadelta"], repeats=2)
    assert len(trials) == 2 * 2 * 2 and len({t.key for t in trials}) == 8
    assert {(t.epochs, t.batch_size) for t in trials} == {(50, 128)}
    assert trials[0].key == "conv-2-adam-r1" and trials[-1].key == "conv-4-adadelta-r2"
    assert [t.code_size for t in sweep.plan("deep")] == [32]
    with pytest.raises(ValueError, match="at least 1"):
        sweep.plan("simple", [0])
    with pytest.raises(ValueError, match="unknown optimizer"):
        sweep.plan("simple", [2], ["sgd"])


def test_a_missing_data_file_is_refused_before_any_worker_starts(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(sweep.SweepError, match="nope.npz: no such file") as err:
        sweep.run_sweep(sweep.plan("simple", [2], epochs=1), tmp_path / "out", DataRef(missing))
    assert len(str(err.value).splitlines()) == 1


def test_reading_a_sweep_needs_neither_dask_nor_tensorflow_nor_qt():
    """The window opens a sweep folder before TensorFlow is imported; Dask only runs one."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\nfrom explorer.core import sweep, sweep_files, variants\n"
            "print(' '.join(sys.modules))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, timeout=120, check=True)
    loaded = set(out.stdout.split())
    assert not loaded & {"tensorflow", "keras", "distributed", "dask", "PySide6"}
