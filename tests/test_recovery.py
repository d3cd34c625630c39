"""Recovery checkpoints: written each epoch, described, resumed, removed; a killed
`main.py train` comes back with --resume and the full history."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mnist_files import npz

from explorer.core import atomic_files, models, recovery, store, training

ROOT = Path(__file__).resolve().parents[1]


class _Epochs:
    """A listener that records what it hears and what is on disk at each epoch."""

    def __init__(self, folder: Path, stop_after: int | None = None,
                 control: training.TrainControl | None = None):
        self.folder, self.stop_after, self.control = folder, stop_after, control
        self.epochs: list[training.EpochResult] = []
        self.on_disk: list[list[str]] = []

    def on_batch(self, progress) -> None:
        pass

    def on_epoch(self, result) -> None:
        self.epochs.append(result)
        self.on_disk.append([c.describe() for c in recovery.find_checkpoints(self.folder)])
        if self.stop_after is not None and len(self.epochs) >= self.stop_after:
            self.control.request_stop()


def _crashed_run(tiny, folder: Path, epochs: int = 4, after: int = 2):
    """A run that 'dies' after `after` epochs: stopped, and finish() never called."""
    model = models.build("simple")
    config = training.TrainConfig.for_arch("simple", epochs=epochs, batch_size=64)
    control = training.TrainControl()
    seen = _Epochs(folder, stop_after=after, control=control)
    writer = recovery.CheckpointWriter(model, config, tiny.source, None, folder, forward=seen)
    training.train(model, tiny, config, writer, control)
    return model, writer, seen


def test_a_checkpoint_follows_every_epoch_and_a_clean_finish_removes_it(tiny, tmp_path):
    model = models.build("simple")
    config = training.TrainConfig.for_arch("simple", epochs=3, batch_size=64)
    seen = _Epochs(tmp_path)
    writer = recovery.CheckpointWriter(model, config, tiny.source, None, tmp_path, forward=seen)
    result = training.train(model, tiny, config, writer)
    # The checkpoint of an epoch exists by the time the epoch is announced;
    # the last epoch writes none (the run is over, finish() is next).
    assert seen.on_disk == [["simple, epoch 1 of 3, just now"],
                            ["simple, epoch 2 of 3, just now"],
                            ["simple, epoch 2 of 3, just now"]]
    writer.finish(result)
    assert recovery.find_checkpoints(tmp_path) == [] and not any(tmp_path.iterdir())


def test_a_stopped_run_removes_its_checkpoint_too(tiny, tmp_path):
    model, writer, _ = _crashed_run(tiny, tmp_path)
    assert len(recovery.find_checkpoints(tmp_path)) == 1
    writer.finish(training.TrainResult("stopped", 2))
    assert recovery.find_checkpoints(tmp_path) == []


def test_resume_restores_the_optimizer_and_joins_the_history(tiny, tmp_path):
    crashed, _, seen = _crashed_run(tiny, tmp_path, epochs=4, after=2)
    steps_per_epoch = -(-tiny.n_train // 64)
    assert int(crashed.autoencoder.optimizer.iterations.numpy()) == 2 * steps_per_epoch
    (checkpoint,) = recovery.find_checkpoints(tmp_path, "simple")
    assert checkpoint.epochs_done == 2 and checkpoint.config.epochs == 4
    assert [h.train_loss for h in checkpoint.history] == [e.train_loss for e in seen.epochs]

    model = models.build("simple")
    heard = _Epochs(tmp_path)
    result = recovery.resume(checkpoint, model, tiny, heard)
    assert result.status == "finished" and result.epochs_done == 4
    assert [h.epoch for h in result.history] == [1, 2, 3, 4]
    assert all(h.epochs == 4 for h in result.history)
    assert result.history[:2] == checkpoint.history
    # The listener hears the whole run's numbering, and epoch 3's checkpoint replaced epoch 2's.
    assert [(e.epoch, e.epochs) for e in heard.epochs] == [(3, 4), (4, 4)]
    assert heard.on_disk[0] == ["simple, epoch 3 of 4, just now"]
    # Adam's moments and step count came back: training went on, not restarted.
    assert int(model.autoencoder.optimizer.iterations.numpy()) == 4 * steps_per_epoch
    assert recovery.find_checkpoints(tmp_path) == [] and not any(tmp_path.iterdir())
    meta = store.make_metadata(model, result, checkpoint.config, checkpoint.data_source)
    assert meta.epochs == 4 and len(meta.history) == 4


def test_describe_says_what_how_far_and_how_long_ago(tmp_path):
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
    config = training.TrainConfig.for_arch("conv")
    cp = recovery.Checkpoint("conv-1", tmp_path, config, 37, (), "x", None,
                             now - dt.timedelta(hours=1), now - dt.timedelta(minutes=2, seconds=5))
    assert cp.describe(now) == "conv, epoch 37 of 50, 2 minutes ago"
    assert dataclass_replace(cp, updated=now - dt.timedelta(hours=26)).describe(now).endswith(
        "1 day ago")


def dataclass_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_damaged_checkpoints_are_skipped_and_the_newest_comes_first(tiny, tmp_path):
    _crashed_run(tiny, tmp_path, epochs=4, after=1)
    _crashed_run(tiny, tmp_path, epochs=4, after=2)
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "orphan.json").write_text(json.dumps({"format": 1}))
    found = recovery.find_checkpoints(tmp_path, "simple")
    assert [c.epochs_done for c in found] in ([2, 1], [1, 2])  # same second: either order
    assert found[0].updated >= found[1].updated
    assert recovery.find_checkpoints(tmp_path, "conv") == []
    assert recovery.find_checkpoints(tmp_path / "absent") == []


def _full_disk_after(n_writes: int, monkeypatch):
    """Make Keras' save_weights fail with ENOSPC after n good writes, mid-file."""
    real = store.write_temp
    calls = [0]

    def write_temp(target, write):
        if target.name.endswith(".weights.h5"):
            calls[0] += 1
            if calls[0] > n_writes:
                def half_then_full(tmp):
                    tmp.write_bytes(b"\x89HDF\r\n" + bytes(1000))  # a part of a file
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real(target, half_then_full)
        return real(target, write)

    monkeypatch.setattr(store, "write_temp", write_temp)


def test_a_full_disk_keeps_the_previous_checkpoint_and_training_goes_on(tiny, tmp_path,
                                                                        monkeypatch):
    _full_disk_after(1, monkeypatch)
    model = models.build("simple")
    config = training.TrainConfig.for_arch("simple", epochs=4, batch_size=64)
    errors: list[str] = []
    writer = recovery.CheckpointWriter(model, config, tiny.source, None, tmp_path,
                                       on_error=errors.append)
    result = training.train(model, tiny, config, writer)
    assert result.status == "finished" and result.epochs_done == 4
    assert len(errors) == 1  # told once, not at every epoch
    assert "No space left on device" in errors[0] and "epoch 1 is kept" in errors[0]
    (kept,) = recovery.find_checkpoints(tmp_path)
    assert kept.epochs_done == 1
    store.load_weights(models.build("simple"), kept.weights_path)  # intact, loadable
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_a_save_to_a_full_disk_keeps_the_previous_pair_and_says_so(tmp_path, monkeypatch):
    model = models.build("simple")
    meta = store.Metadata("simple", "3", "adam", 0.001, 5, 256, 0.0, 0.1, 0.1, "x", "d")
    store.save(model, meta, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    models.reinitialize(model)
    _full_disk_after(0, monkeypatch)
    with pytest.raises(store.StoreError) as exc:
        store.save(model, meta, tmp_path)
    message = str(exc.value)
    assert "No space left on device" in message and "previous files there are unchanged" in message
    assert "free some space" in message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_read_only_folder_keeps_the_previous_files_and_says_so(tmp_path, monkeypatch, code):
    """Root can write into a chmod 0500 folder, so the OS's refusal is simulated
    where it happens: creating the temporary file."""
    model = models.build("simple")
    meta = store.Metadata("simple", "3", "adam", 0.001, 5, 256, 0.0, 0.1, 0.1, "x", "d")
    store.save(model, meta, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic_files.tempfile, "mkstemp", refuse)
    with pytest.raises(store.StoreError, match="previous files there are unchanged") as exc:
        store.save(model, meta, tmp_path)
    assert os.strerror(code) in str(exc.value) and "Choose a folder you can write to" in str(exc.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    writer = recovery.CheckpointWriter(model, training.TrainConfig.for_arch("simple", epochs=3),
                                       "x", None, tmp_path / "recovery")
    with pytest.raises(recovery.RecoveryError, match="there is none yet"):
        writer.write()


# ------------------------------------------------------- a real kill -9
def _train_cmd(tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "train", "simple",
            "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "out"),
            "--recovery-dir", str(tmp_path / "recovery"), *extra]


def test_a_run_killed_with_sigkill_resumes_and_finishes_with_the_full_history(tmp_path):
    npz(tmp_path / "d.npz", n_train=400, n_test=100)
    epochs = 12
    proc = subprocess.Popen(_train_cmd(tmp_path, "--epochs", str(epochs), "--batch-size", "64"),
                            cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = []
    try:
        for line in proc.stdout:
            if line.startswith("Epoch "):
                printed.append(line)
            if len(printed) == 3:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (tmp_path / "out").exists()

    resumed = subprocess.run(_train_cmd(tmp_path, "--resume"), cwd=ROOT, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("Resuming simple, epoch ")
    done = int(resumed.stdout.split("epoch ")[1].split(" of")[0])
    assert 3 <= done < epochs
    assert f"Epoch {done + 1}/{epochs}:" in resumed.stdout and f"Epoch {epochs}/{epochs}:" in resumed.stdout
    meta = json.loads((tmp_path / "out" / "simple.json").read_text())
    assert meta["epochs"] == epochs and len(meta["history"]) == epochs
    # The first epochs are the killed run's own, as it printed them.
    for line, (train_loss, val_loss) in zip(printed, meta["history"], strict=False):
        assert f"train loss {train_loss:.4f}, validation loss {val_loss:.4f}" in line
    assert np.isfinite(np.array(meta["history"], float)).all()
    assert not list((tmp_path / "recovery").glob("*.json"))  # removed once finished

    again = subprocess.run(_train_cmd(tmp_path, "--resume"), cwd=ROOT, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 2 and "no recovery checkpoint of simple" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
