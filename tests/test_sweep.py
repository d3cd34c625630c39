"""Sweeps on real Dask clusters: a LocalCluster from the command line, and a
`dask scheduler` with two `dask worker` processes started here on 127.0.0.1.

Worker start-up imports TensorFlow in every worker process (seconds each),
so the external cluster is started once for the module and shared; the trials
are small (500 digits, one epoch at batch size 16: about 30 steps, enough for
the loss to fall clearly as the code grows).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from recording import RecordingTask

from explorer.core import sweep, tasks

ROOT = Path(__file__).resolve().parents[1]
SIZES = (2, 8, 32)
SMALL = ["--epochs", "1", "--batch-size", "16", "--subset", "500", "200"]
DATA = sweep.DataRef(None, 500, 200)


def _plan(sizes=SIZES):
    return sweep.plan("simple", sizes, ["adam"], epochs=1, batch_size=16)


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def _sweep_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "sweep", "simple", *args]


def _val_losses(out: Path) -> dict[int, float]:
    with open(out / "sweep.csv", newline="") as f:
        return {int(r["code_size"]): float(r["val_loss"]) for r in csv.DictReader(f)}


def test_a_sweep_on_a_local_cluster_writes_each_trial_and_a_rerun_skips_them(tmp_path):
    out = tmp_path / "out"
    command = _sweep_command("--code-size", *map(str, SIZES), *SMALL, "--workers", "2",
                             "--out", str(out))
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env=_env())
    assert proc.returncode == 0, proc.stderr
    assert "a local cluster of 2 workers, one thread each" in proc.stdout
    trials = sorted(p.name for p in (out / "trials").iterdir())
    assert trials == ["simple-2-adam-r1", "simple-32-adam-r1", "simple-8-adam-r1"]
    losses = _val_losses(out)
    assert losses[2] > losses[8] > losses[32], losses  # more code, less loss
    table = proc.stdout[proc.stdout.index("arch "):].splitlines()
    assert table[0].split()[:4] == ["arch", "code", "optimizer", "rep"]
    assert [line.split()[1] for line in table[1:4]] == ["2", "8", "32"]
    assert "oneDNN" not in proc.stderr  # the workers' TensorFlow log stays off the terminal
    stamps = {t: (out / "trials" / t / "trial.json").stat().st_mtime_ns for t in trials}

    again = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT,
                           env=_env())
    assert again.returncode == 0, again.stderr
    assert "All 3 trials were already finished" in again.stdout
    assert "Running" not in again.stdout
    assert {t: (out / "trials" / t / "trial.json").stat().st_mtime_ns for t in trials} == stamps
    assert _val_losses(out) == losses


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """`dask scheduler` and two one-thread `dask worker`s on 127.0.0.1, as a user starts them."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    procs = []

    def start(*args: str) -> None:
        log = open(folder / f"{args[0]}-{len(procs)}.log", "w")  # closed after its process
        procs.append((subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT,
                                       env=_env(), stdout=log, stderr=subprocess.STDOUT), log))

    start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--scheduler-file", str(scheduler_file))
    client = None
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            start("worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                  "--name", f"worker-{i}", "--memory-limit", "0")
        client = Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=180)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for proc, log in reversed(procs):
            proc.send_signal(signal.SIGINT)  # as Ctrl+C in its terminal
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def _two_workers(client) -> list[str]:
    client.wait_for_workers(2, timeout=180)
    return sorted(client.scheduler_info()["workers"])


def test_a_sweep_on_a_running_cluster_uses_both_workers(dask_cluster, tmp_path):
    address, client = dask_cluster
    workers = _two_workers(client)
    state = RecordingTask()
    outcome = sweep.run_sweep(_plan(), tmp_path, DATA, sweep.ClusterSpec(scheduler=address),
                              state)
    assert outcome.status == "finished" and len(outcome.finished) == 3
    assert sorted({r.worker for r in outcome.finished}) == workers
    assert outcome.cluster == f"the cluster at {address} (2 workers)"
    assert state.fractions[-1] == 1.0 and state.texts[-1] == "3 of 3 trials done"
    losses = {r.spec.code_size: r.val_loss for r in sweep.load_sweep(tmp_path).trials}
    assert losses[2] > losses[8] > losses[32]


class _KillAWorkerOnceBusy(tasks.Task):
    """A task state that, at the sweep's first look while a trial is running,
    SIGKILLs the worker process running it (its nanny starts a new one)."""

    def __init__(self, client):
        super().__init__()
        self.client = client
        self.pids = client.run(os.getpid)
        self.killed: tuple[str, tuple[str, ...]] | None = None

    def is_cancelled(self) -> bool:
        if self.killed is None:
            busy = {w: keys for w, keys in self.client.processing().items() if keys}
            if busy:
                worker, keys = sorted(busy.items())[0]
                os.kill(self.pids[worker], signal.SIGKILL)
                self.killed = (worker, tuple(keys))
        return super().is_cancelled()


def test_a_worker_killed_mid_sweep_still_leaves_every_trial_done(dask_cluster, tmp_path):
    address, client = dask_cluster
    _two_workers(client)
    state = _KillAWorkerOnceBusy(client)
    outcome = sweep.run_sweep(_plan(), tmp_path, DATA, sweep.ClusterSpec(scheduler=address),
                              state)
    assert state.killed is not None
    dead, its_trials = state.killed
    assert outcome.status == "finished", outcome.failed
    assert sorted(r.spec.key for r in outcome.finished) == sorted(t.key for t in _plan())
    # The trial the dead worker held was run again, on a live worker.
    rerun = [r for r in outcome.finished if any(r.spec.key in k for k in its_trials)]
    assert rerun and all(r.worker != dead for r in rerun)
    assert len(sweep.load_sweep(tmp_path).trials) == 3


def test_ctrl_c_keeps_finished_trials_and_the_same_command_finishes_the_rest(dask_cluster,
                                                                              tmp_path):
    address, client = dask_cluster
    _two_workers(client)
    sizes = (2, 4, 8, 16, 32, 64)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _sweep_command("--code-size", *map(str, sizes), *SMALL, "--scheduler", address,
                       "--out", str(out)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("trials/*/trial.json")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Cancelling: finished trials are kept" in stderr and "not run" in stderr
    done = sweep.load_sweep(out).trials
    assert 1 <= len(done) < len(sizes)
    assert sorted(r.spec.key for r in done) == sorted(
        p.parent.name for p in out.glob("trials/*/trial.json"))

    outcome = sweep.run_sweep(sweep.plan("simple", sizes, ["adam"], epochs=1, batch_size=16),
                              out, DATA, sweep.ClusterSpec(scheduler=address))
    assert outcome.status == "finished"
    assert sorted(r.spec.key for r in outcome.skipped) == sorted(r.spec.key for r in done)
    assert len(outcome.finished) == len(sizes) - len(done)
    assert len(sweep.load_sweep(out).trials) == len(sizes)


def test_a_trial_that_fails_on_every_worker_is_reported_not_raised(dask_cluster, tmp_path):
    """The workers cannot read the data (a path only this test pretends exists):
    each trial fails after its retries, says why, and nothing is written for it."""
    address, client = dask_cluster
    _two_workers(client)
    failures = []

    class Listener(sweep.SweepListener):
        def on_failure(self, spec, message):
            failures.append((spec.key, message))

    missing = tmp_path / "only-on-my-laptop" / "mnist.npz"
    outcome = sweep.run_sweep(_plan((2, 8)), tmp_path / "out", sweep.DataRef(str(missing)),
                              sweep.ClusterSpec(scheduler=address), listener=Listener())
    assert outcome.status == "failed" and outcome.finished == ()
    assert sorted(key for key, _ in failures) == ["simple-2-adam-r1", "simple-8-adam-r1"]
    for _, message in failures:
        assert message.startswith("DatasetError: ") and "mnist.npz" in message
        assert len(message.splitlines()) == 1
    assert not list((tmp_path / "out").glob("trials/*/trial.json"))


def test_an_unreachable_scheduler_fails_fast_with_a_one_line_message(tmp_path):
    with socket.socket() as s:  # a free port on this machine, so nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    proc = subprocess.run(
        _sweep_command("--code-size", "2", "--scheduler", address, "--connect-timeout", "2",
                       "--out", str(tmp_path / "out")),
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=_env())
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert f"cannot reach the Dask scheduler at {address} within 2 s" in err
    assert "connection refused" in err and "dask scheduler" in err
