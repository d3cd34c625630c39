"""Faults: the window closed mid-run, a process killed mid-save, a stop mid-step.

Each close is a real process exit (tests/faults/close_during_training.py in a
subprocess): that is where a QThread still running at teardown aborts the
interpreter. Three seeds by default; EXPLORER_FAULT_REPEATS=20 runs twenty.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from explorer.core import models, store, training

ROOT = Path(__file__).resolve().parents[1]
CLOSE_SCRIPT = ROOT / "tests" / "faults" / "close_during_training.py"
REPEATS = int(os.environ.get("EXPLORER_FAULT_REPEATS", "3"))
# Hang guards, not speed targets (those are the benchmarks'): from the close
# to the event loop's end (the run stopped, the model thread joined; about
# 1 s on an idle machine), and to the process's exit (Python and
# TensorFlow torn down too). A machine shared with other test runs
# stretched both past the tighter bounds these once had (3 s and 12 s),
# while the program's part of them stayed one batch and one join.
STOP_WITHIN_S = 20.0
EXIT_WITHIN_S = 60.0
START_TIMEOUT_S = 240  # TensorFlow's import on a loaded machine
BAD_STDERR = ("QThread: Destroyed while thread is still running", "Fatal", "Traceback",
              "did not stop in time")


def _child_env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class _Watchdog:
    """Kill a child that stops talking, so a hang fails the test instead of stalling it."""

    def __init__(self, proc: subprocess.Popen, seconds: float):
        self.timer = threading.Timer(seconds, proc.kill)
        self.timer.daemon = True
        self.timer.start()

    def cancel(self) -> None:
        self.timer.cancel()


# ------------------------------------------------------ closing mid-run
def run_close_script(seed: int, *options: str) -> dict:
    """One close; returns the exit code, the timings from the close, and the output."""
    proc = subprocess.Popen([sys.executable, str(CLOSE_SCRIPT), str(seed), *options], cwd=ROOT,
                            env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    watchdog = _Watchdog(proc, START_TIMEOUT_S + EXIT_WITHIN_S)
    stderr: list[str] = []
    # Drained on a thread so a chatty child can never block on a full pipe.
    drain = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    drain.start()
    lines: list[str] = []
    closed_at = stopped_at = ended_at = None
    try:
        for line in proc.stdout:  # one line per milestone, flushed at once
            now = time.monotonic()
            lines.append(line.rstrip())
            if line.startswith("closing"):
                closed_at = now
            elif line.startswith("exited"):
                stopped_at = now
        proc.wait()
        ended_at = time.monotonic()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drain.join(10)

    def since_close(t):
        return None if closed_at is None or t is None else t - closed_at

    return {"seed": seed, "code": proc.returncode, "stop_s": since_close(stopped_at),
            "exit_s": since_close(ended_at), "stdout": lines, "stderr": "".join(stderr),
            "mid_run": any(line.startswith("closing training=True") for line in lines),
            "before_ready": any(line.endswith("ready=False") for line in lines)}


@pytest.mark.parametrize("seed", range(REPEATS))
def test_closing_the_window_at_a_random_moment_of_a_run_exits_cleanly(seed):
    r = run_close_script(seed)
    report = f"seed {seed}: {r}"
    assert r["stop_s"] is not None, f"the window was not closed, or no clean exit; {report}"
    assert r["mid_run"], f"the close did not land during the run; {report}"
    for bad in BAD_STDERR:
        assert bad not in r["stderr"], report
    assert r["code"] == 0, report
    assert r["stop_s"] < STOP_WITHIN_S, f"{r['stop_s']:.1f} s to stop; {report}"
    assert r["exit_s"] < EXIT_WITHIN_S, f"{r['exit_s']:.1f} s to exit; {report}"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_in_the_terminal_closes_the_program_cleanly(signum):
    """`python main.py` as a lecturer starts it; Ctrl+C used to do nothing at all."""
    from explorer.ui.app import STARTUP_REPORT_ENV

    env = dict(_child_env(), **{STARTUP_REPORT_ENV: "1"})
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = _Watchdog(proc, START_TIMEOUT_S + EXIT_WITHIN_S)
    try:
        first = proc.stdout.readline()
        assert first.startswith("painted"), first
        proc.send_signal(signum)  # TensorFlow is still loading: the model is not ready
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Closing Autoencoder Explorer" in err
    assert "model_ready" not in out, "the window closed by itself, not on the signal"
    for bad in BAD_STDERR:
        assert bad not in err, err


@pytest.mark.parametrize("seed", range(1))
def test_closing_the_window_while_tensorflow_loads_exits_cleanly(seed):
    """The import cannot be interrupted: the exit must wait for it, not abort."""
    r = run_close_script(seed, "startup")
    report = f"seed {seed}: {r}"
    assert r["before_ready"], f"the close came after the backend was ready; {report}"
    for bad in BAD_STDERR:
        assert bad not in r["stderr"], report
    assert r["code"] == 0, report
    assert r["exit_s"] is not None and r["exit_s"] < EXIT_WITHIN_S, report


def test_a_save_asked_for_just_before_the_close_still_happens(qtbot, tiny, tmp_path,
                                                              monkeypatch):
    """Save, then close at once while the model thread is busy (a mean loss
    over the test split, say): the save must still be written."""
    from explorer.ui.main_window import MainWindow

    window = MainWindow(dataset=tiny, trained_dir=tmp_path / "trained", start=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.session.backend_ready, timeout=60000):
        window.session.start()
    panel = window.model_panel
    qtbot.waitUntil(panel.save_button.isEnabled, timeout=60000)
    gate = threading.Event()
    window.session.submit("busy", lambda s, m, d: gate.wait(10), None)
    out = tmp_path / "saved"
    monkeypatch.setattr(panel, "_ask_save_folder", lambda: str(out))
    panel.save_button.click()
    threading.Timer(0.3, gate.set).start()  # the busy job ends while the window closes
    window.close()
    assert window.session.shutdown(5000)
    assert store.weights_path("simple", out).exists(), "the save was dropped by the close"


# ------------------------------------------------------ a stop mid-step
def _weights(model) -> list[np.ndarray]:
    return [w.copy() for w in model.autoencoder.get_weights()]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=False))


def test_a_stop_asked_before_the_run_starts_takes_not_one_step(tiny):
    """Closing the window right after Train must not wait for the first step:
    it traces the graph, seconds that nothing can interrupt."""
    model = models.build("simple")
    before = _weights(model)
    stop = threading.Event()
    stop.set()
    reports = []

    class Listener:
        def on_batch(self, p):
            reports.append(p)

        def on_epoch(self, r):
            reports.append(r)

    result = training.train(model, tiny, training.TrainConfig("simple", 3, 32), Listener(), stop)
    assert (result.status, result.epochs_done, reports) == ("stopped", 0, [])
    assert _same(_weights(model), before), "a training step ran after the stop"


def test_a_stop_asked_at_an_epoch_end_starts_no_further_step(tiny):
    model = models.build("simple")
    stop = threading.Event()
    at_epoch_end = []

    class Listener:
        def on_batch(self, p):
            pass

        def on_epoch(self, r):
            at_epoch_end.append(_weights(model))
            stop.set()  # as a close would, between epoch 1 and epoch 2

    result = training.train(model, tiny, training.TrainConfig("simple", 3, 32), Listener(), stop)
    assert (result.status, result.epochs_done) == ("stopped", 1)
    assert _same(_weights(model), at_epoch_end[0]), "epoch 2 began after the stop"


def test_a_run_prints_no_keras_warning(tiny):
    """The terminal of a live demo stays clean: fit used to warn on every run."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        training.train(models.build("simple"), tiny, training.TrainConfig("simple", 1, 64))
    from_keras = [str(w.message) for w in caught if "keras" in w.filename.replace("\\", "/")]
    assert from_keras == []


# ------------------------------------------------------ killed mid-save
SAVER = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    from explorer.core import models, store
    folder, reference, stage = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = models.build("simple")  # new random weights: told apart from the old ones
    np.savez(reference, *model.autoencoder.get_weights())
    meta = store.Metadata("simple", "3", "adam", 0.001, 99, 256, 0.0, 0.1, 0.1, "x", "d")
    if stage:
        # Freeze in the stage-th fsync of a save (1: the weights' temporary
        # file, 2: the metadata's) so the kill lands exactly there.
        real, calls = os.fsync, [0]
        def fsync(fd):
            real(fd)
            calls[0] += 1
            if calls[0] == stage:
                print("frozen", flush=True)
                time.sleep(600)
        os.fsync = fsync
    print("ready", flush=True)
    while True:
        store.save(model, meta, folder)
""")
OLD_EPOCHS, NEW_EPOCHS = 7, 99


def _old_pair(folder: Path) -> list[np.ndarray]:
    model = models.build("simple")
    meta = store.Metadata("simple", "3", "adam", 0.001, OLD_EPOCHS, 256, 0.0, 0.2, 0.2, "x", "d")
    store.save(model, meta, folder)
    return _weights(model)


def _state(folder: Path, old: list[np.ndarray], new: list[np.ndarray]) -> str:
    """'old' or 'new' when weights and metadata are a complete, matching pair."""
    restored = models.build("simple")
    store.load_weights(restored, folder / "simple.weights.h5")  # raises if damaged
    weights = _weights(restored)
    epochs = store.load_metadata("simple", folder).epochs
    if _same(weights, old) and epochs == OLD_EPOCHS:
        return "old"
    if _same(weights, new) and epochs == NEW_EPOCHS:
        return "new"
    which = "old" if _same(weights, old) else "new" if _same(weights, new) else "other"
    return f"mismatch: {which} weights with metadata of {epochs} epochs"


def _kill_runs(tmp_path: Path, plans: list[tuple[int, float]]) -> list[dict]:
    """Start one saver per plan (stage, delay) at once, then SIGKILL each.

    stage 0: kill `delay` seconds into a stream of saves; stage n: kill while
    frozen in the n-th fsync.
    """
    runs = []
    for i, (stage, delay) in enumerate(plans):
        folder = tmp_path / f"run{i}" / "trained"
        folder.mkdir(parents=True)
        old = _old_pair(folder)
        reference = tmp_path / f"run{i}" / "new.npz"
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(folder), str(reference),
                                 str(stage)], cwd=ROOT, env=_child_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        runs.append(dict(stage=stage, delay=delay, folder=folder, old=old,
                         reference=reference, proc=proc,
                         watchdog=_Watchdog(proc, START_TIMEOUT_S)))
    for run in runs:
        proc = run["proc"]
        try:
            awaited = "frozen" if run["stage"] else "ready"
            line = proc.stdout.readline().strip()
            if line == "ready" and awaited == "frozen":
                line = proc.stdout.readline().strip()
            assert line == awaited, f"saver said {line!r}, not {awaited!r}"
            time.sleep(run["delay"])
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            run["watchdog"].cancel()
        with np.load(run["reference"]) as z:
            new = [z[f"arr_{i}"] for i in range(len(z.files))]
        run["state"] = _state(run["folder"], run["old"], new)
        run["leftovers"] = sorted(p.name for p in run["folder"].iterdir()
                                  if p.name.startswith("."))
    return runs


def test_a_kill_at_any_moment_of_a_save_leaves_a_complete_matching_pair(tmp_path):
    """SIGKILL at each stage of a save, and at random moments of a stream of saves.

    The weights file always loads and its metadata always describes it: the
    old pair or the new pair. Temporary files left over by a kill (they only
    exist mid-save) show that the random kills did land mid-save.
    """
    rng = random.Random(8)
    plans = [(1, 0.0), (2, 0.0)] + [(0, rng.uniform(0.05, 0.8)) for _ in range(3)]
    runs = _kill_runs(tmp_path, plans)
    states = [(r["stage"], round(r["delay"], 2), r["state"], r["leftovers"]) for r in runs]
    assert [r["state"] for r in runs[:2]] == ["old", "old"], states
    assert all(r["state"] in ("old", "new") for r in runs), states
    assert any(r["leftovers"] for r in runs[2:]), f"no kill landed mid-save: {states}"
