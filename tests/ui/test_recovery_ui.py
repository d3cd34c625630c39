"""A training run in the window leaves a recovery checkpoint after each epoch; a run
a crash cut short is offered at the next start and Recover finishes it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from mnist_files import npz
from PySide6.QtCore import QSettings

from explorer.core import models, recovery, store
from explorer.ui import recovery_prompt
from explorer.ui.main_window import MainWindow

TIMEOUT = 120000
ROOT = Path(__file__).resolve().parents[2]


def open_window(qtbot, tmp_path, dataset, folder, answers=None, arch_id="simple"):
    """A shown, ready window whose runs checkpoint into `folder`; `answers` (a list)
    is what its recovery question answers, in turn, and records what was asked."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(dataset=dataset, trained_dir=tmp_path / "no-weights", arch_id=arch_id,
                   settings=settings, recovery_folder=folder)
    w.asked = []
    if answers is not None:
        w._ask_recover = lambda cp: (w.asked.append(cp.describe()), answers.pop(0))[1]
    qtbot.addWidget(w)
    w.resize(900, 600)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    return w


def close(window):
    window.close()
    assert window.session.shutdown(5000)


def train(qtbot, window, epochs, batch_size=64):
    panel = window.model_panel
    panel.epochs_spin.setValue(epochs)
    panel.batch_size_spin.setValue(batch_size)
    with qtbot.waitSignal(window.session.training_ended, timeout=TIMEOUT) as ended:
        panel.train_button.click()
    return ended.args[0]


def on_disk(folder: Path) -> list[str]:
    return [c.describe() for c in recovery.find_checkpoints(folder)]


def crashed_run(qtbot, tmp_path, tiny, folder, monkeypatch, epochs=4, after=2):
    """A window's run that 'dies' after `after` epochs: stopped there, with the
    writer's finish (what a dying process never reaches) left out."""
    with monkeypatch.context() as mp:
        mp.setattr(recovery.CheckpointWriter, "finish", lambda self, result=None: None)
        w = open_window(qtbot, tmp_path, tiny, folder)
        w.session.epoch_finished.connect(
            lambda r: w.session.stop_training() if r.epoch >= after else None)
        result = train(qtbot, w, epochs)
        close(w)
    assert result.status == "stopped" and result.epochs_done == after
    (checkpoint,) = recovery.find_checkpoints(folder)
    return checkpoint


def wait_for_run(qtbot, window):
    """The recovered run's result, once the question was asked and the run ended."""
    s = window.session
    qtbot.waitUntil(lambda: bool(window.asked) and s.last_result is not None and not s.is_busy,
                    timeout=TIMEOUT)
    return s.last_result


# ----------------------------------------------------------------- writing
def test_a_run_in_the_window_checkpoints_each_epoch_and_ending_removes_it(qtbot, tmp_path,
                                                                          tiny):
    folder = tmp_path / "recovery"
    w = open_window(qtbot, tmp_path, tiny, folder)
    seen = []
    w.session.epoch_finished.connect(lambda r: seen.append((r.epoch, on_disk(folder))))
    result = train(qtbot, w, 3)
    assert result.status == "finished"
    # The checkpoint of an epoch is on disk by the time the window hears of it
    # (a later one may be too, the signal crossing threads); the last writes none.
    assert [e for e, _ in seen] == [1, 2, 3]
    assert seen[0][1][0].startswith("simple, epoch ") and seen[0][1][0].endswith(" of 3, just now")
    assert on_disk(folder) == [] and list(folder.iterdir()) == []

    # Stop removes it too.
    w.session.epoch_finished.connect(lambda r: w.session.stop_training())
    result = train(qtbot, w, 5)
    assert result.status == "stopped" and on_disk(folder) == []
    close(w)


def test_without_a_folder_the_window_writes_no_checkpoint(qtbot, tmp_path, tiny, user_data_home):
    w = open_window(qtbot, tmp_path, tiny, recovery_prompt.AUTO)  # a test: not the real program
    assert w.session.checkpoint_folder is None
    assert train(qtbot, w, 2).status == "finished"
    assert recovery.find_checkpoints(user_data_home / "checkpoints") == []
    close(w)


# ---------------------------------------------------------------- offering
def test_a_crashed_run_is_offered_at_the_next_start_and_recover_finishes_it(
        qtbot, tmp_path, tiny, monkeypatch):
    folder = tmp_path / "recovery"
    checkpoint = crashed_run(qtbot, tmp_path, tiny, folder, monkeypatch, epochs=4, after=2)
    assert checkpoint.describe().startswith("simple, epoch 2 of 4")

    # The next start is on another architecture: Recover brings the run's back.
    answers = [recovery_prompt.RECOVER]
    w = open_window(qtbot, tmp_path, tiny, folder, answers, arch_id="conv")
    result = wait_for_run(qtbot, w)
    assert len(w.asked) == 1 and w.asked[0].startswith("simple, epoch 2 of 4")
    assert w.session.arch_id == "simple"
    assert w.model_panel.architecture_combo.currentData() == "simple"
    assert w.model_panel.epochs_spin.value() == 4  # the run's settings, not simple's 50
    assert w.model_panel.batch_size_spin.value() == 64
    assert result.status == "finished" and result.epochs_done == 4
    assert [h.epoch for h in result.history] == [1, 2, 3, 4]
    assert result.history[:2] == checkpoint.history
    # The Training tab drew all four epochs as one run, the first two from the checkpoint.
    run = w.training_panel.state.current
    assert run.epoch_x == [1.0, 2.0, 3.0, 4.0]
    assert run.train_y[:2] == [h.train_loss for h in checkpoint.history]
    assert w.tabs.currentWidget() is w.training_panel
    meta = w.session.metadata
    assert meta.epochs == 4 and len(meta.history) == 4 and w.session.current.unsaved
    assert on_disk(folder) == [] and list(folder.iterdir()) == []
    close(w)


def test_a_run_whose_data_is_not_at_hand_continues_on_the_windows_and_says_so(
        qtbot, tmp_path, tiny, embedded, monkeypatch):
    folder = tmp_path / "recovery"
    checkpoint = crashed_run(qtbot, tmp_path, tiny, folder, monkeypatch, epochs=3, after=1)
    assert checkpoint.data_path is None  # a dataset given in code: no file to load
    other = embedded.subset(200, 50)
    said = []
    w = open_window(qtbot, tmp_path, other, folder, [recovery_prompt.RECOVER])
    w.statusBar().messageChanged.connect(said.append)
    result = wait_for_run(qtbot, w)
    assert result.status == "finished" and result.epochs_done == 3
    assert any(f"The run was started on {tiny.source}; it continues on {other.source}" in m
               for m in said), said
    assert w.session.metadata.data_source == (f"{tiny.source} (epochs 1-1), then "
                                              f"{other.source}")
    close(w)


def test_discard_deletes_the_checkpoint_and_later_keeps_it(qtbot, tmp_path, tiny, monkeypatch):
    folder = tmp_path / "recovery"
    crashed_run(qtbot, tmp_path, tiny, folder, monkeypatch, epochs=3, after=1)

    w = open_window(qtbot, tmp_path, tiny, folder, [recovery_prompt.LATER])
    qtbot.waitUntil(lambda: bool(w.asked), timeout=TIMEOUT)
    assert not w.session.is_training and len(on_disk(folder)) == 1
    close(w)

    w = open_window(qtbot, tmp_path, tiny, folder, [recovery_prompt.DISCARD])
    qtbot.waitUntil(lambda: bool(w.asked), timeout=TIMEOUT)
    assert not w.session.is_training
    assert on_disk(folder) == [] and list(folder.iterdir()) == []
    assert "Discarded the recovery checkpoint" in w.statusBar().currentMessage()
    close(w)

    w = open_window(qtbot, tmp_path, tiny, folder, [])  # nothing left: nothing asked
    qtbot.wait(200)
    assert w.asked == []
    close(w)


def test_the_question_says_what_how_far_and_what_each_answer_does(tmp_path, tiny):
    from explorer.core import training

    cp = recovery.Checkpoint("conv-1", tmp_path, training.TrainConfig.for_arch("conv"), 37, (),
                             "x", None, recovery._now(), recovery._now())
    text = recovery_prompt.question(cp)
    assert "conv, epoch 37 of 50, just now" in text
    assert "from epoch 37 with the 13 epochs left" in text
    assert "Discard deletes" in text and "Later asks again" in text


# ---------------------------------------------------------------- full disk
def test_a_full_disk_keeps_the_previous_checkpoint_says_so_once_and_training_goes_on(
        qtbot, tmp_path, tiny, monkeypatch):
    folder = tmp_path / "recovery"
    real = store.write_temp
    writes = [0]

    def write_temp(target, write):
        if target.name.endswith(".weights.h5") and target.parent == folder:
            writes[0] += 1
            if writes[0] > 1:  # the first checkpoint goes through, the rest find the disk full
                def half_then_full(tmp):
                    tmp.write_bytes(b"\x89HDF\r\n" + bytes(1000))
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real(target, half_then_full)
        return real(target, write)

    monkeypatch.setattr(store, "write_temp", write_temp)
    monkeypatch.setattr(recovery.CheckpointWriter, "finish", lambda self, result=None: None)
    w = open_window(qtbot, tmp_path, tiny, folder)
    said = []
    w.session.status_message.connect(lambda m: said.append(m) if "checkpoint" in m else None)
    result = train(qtbot, w, 4)
    assert result.status == "finished" and result.epochs_done == 4  # training went on
    assert writes[0] == 3  # epochs 1-3 tried (the last epoch writes none)
    assert len(said) == 1, said  # said once, not at every epoch
    assert "No space left on device" in said[0] and "epoch 1 is kept" in said[0]
    assert "Free some space" in said[0]
    (kept,) = recovery.find_checkpoints(folder)  # finish() left out: what a crash would find
    assert kept.epochs_done == 1
    store.load_weights(models.build("simple"), kept.weights_path)  # intact, loadable
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files
    close(w)


# ------------------------------------------------------------ a real kill -9
def _train_cmd(tmp_path: Path, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "train", "simple",
            "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "out"),
            "--recovery-dir", str(folder), *extra]


def _killed_after(cmd: list[str], epochs_printed: int) -> list[str]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    printed = []
    try:
        for line in proc.stdout:
            if line.startswith("Epoch "):
                printed.append(line)
            if len(printed) == epochs_printed:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return printed


def test_a_training_process_killed_with_sigkill_comes_back_by_resume_and_in_the_window(
        qtbot, tmp_path, tiny):
    npz(tmp_path / "d.npz", n_train=400, n_test=100)
    epochs, folder = 8, tmp_path / "recovery"
    printed = _killed_after(_train_cmd(tmp_path, folder, "--epochs", str(epochs),
                                       "--batch-size", "64"), 2)
    (checkpoint,) = recovery.find_checkpoints(folder)
    done = checkpoint.epochs_done
    assert 2 <= done < epochs
    copy = tmp_path / "recovery-copy"
    shutil.copytree(folder, copy)

    # The command line's --resume ...
    resumed = subprocess.run(_train_cmd(tmp_path, copy, "--resume"), cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    cli_history = json.loads((tmp_path / "out" / "simple.json").read_text())["history"]
    assert len(cli_history) == epochs

    # ... and the window, started on other data: it loads the run's own file.
    w = open_window(qtbot, tmp_path, tiny, folder, [recovery_prompt.RECOVER])
    result = wait_for_run(qtbot, w)
    assert w.asked[0].startswith(f"simple, epoch {done} of {epochs}")
    assert w.session.dataset.source == checkpoint.data_source != tiny.source
    assert w.session.metadata.data_source == checkpoint.data_source
    assert result.status == "finished" and result.epochs_done == epochs
    assert [h.epoch for h in result.history] == list(range(1, epochs + 1))
    # The killed run's epochs are the ones it printed, in both recoveries.
    for line, h, (cli_train, _cli_val) in zip(printed, result.history, cli_history, strict=False):
        assert f"train loss {h.train_loss:.4f}" in line
        assert abs(cli_train - h.train_loss) < 1e-6
    assert w.training_panel.state.current.epoch_x == [float(e) for e in range(1, epochs + 1)]
    assert on_disk(folder) == []
    close(w)


def test_a_read_only_recovery_folder_is_said_once_and_training_goes_on(qtbot, tmp_path, tiny,
                                                                       monkeypatch):
    """Root may write into a chmod 0500 folder: the OS's refusal is simulated where it
    happens, creating the temporary file (as tests/test_recovery.py does)."""
    from explorer.core import atomic_files

    folder = tmp_path / "recovery"
    real_mkstemp = atomic_files.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic_files.tempfile, "mkstemp", mkstemp)
    w = open_window(qtbot, tmp_path, tiny, folder)
    said = []
    w.session.status_message.connect(lambda m: said.append(m) if "checkpoint" in m else None)
    result = train(qtbot, w, 3)
    assert result.status == "finished" and result.epochs_done == 3
    assert len(said) == 1, said
    assert os.strerror(errno.EROFS) in said[0] and "there is none yet" in said[0]
    assert "Check the folder" in said[0]
    assert list(folder.iterdir()) == []
    close(w)
