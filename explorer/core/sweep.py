"""Sweeps: many independent trainings, each one Dask task, here or on a cluster.

    trials = sweep.plan("simple", code_sizes=(2, 4, 8, 16, 32), optimizers=("adam",))
    outcome = sweep.run_sweep(trials, "runs/simple", sweep.DataRef(), sweep.ClusterSpec())
    sweep.load_sweep("runs/simple").loss_by_code_size()

Dask's distributed scheduler runs the trials: by default on a `LocalCluster`
of worker processes sized to this machine, one thread each, or on an existing
cluster given by its scheduler's address (`sweep_cluster`); the client code
is the same. Each trial is `sweep_trial.run_trial`. The
client writes each result as it arrives (`sweep_files`), so finished trials
survive anything that happens later; a worker that dies mid-trial has its
trial rerun elsewhere (Dask reschedules the tasks of a lost worker, up to
`distributed.scheduler.allowed-failures` times, and `retries` covers a trial
that raised); cancelling keeps what is done, and running the same sweep again
into the same folder skips the finished trials.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from explorer.core import models, tasks
from explorer.core.sweep_cluster import ClusterSpec, SweepError, open_cluster
from explorer.core.sweep_files import (
    SweepFileError,
    SweepResults,
    TrialRecord,
    finished_trials,
    load_sweep,
    sort_key,
    write_csv,
    write_trial,
)
from explorer.core.sweep_trial import DataRef, TrialResult, TrialSpec, run_trial

__all__ = ["ClusterSpec", "DataRef", "SweepError", "SweepFileError", "SweepListener",
           "SweepOutcome", "SweepResults", "TrialRecord", "TrialSpec", "load_sweep", "plan",
           "open_cluster", "run_sweep"]

# A trial that raised is tried this many more times, on any worker.
RETRIES = 2
# How often the client looks up from waiting to notice a cancellation.
POLL_S = 0.25


class SweepListener:
    """What a sweep reports as it goes (the CLI prints it; the base class ignores it)."""

    def on_start(self, cluster: str, workers: Sequence[str], pending: int,
                 skipped: int) -> None:
        """The cluster is up: `pending` trials to run, `skipped` already done."""

    def on_trial(self, record: TrialRecord, done: int, total: int) -> None:
        """A trial finished and its files are written."""

    def on_failure(self, spec: TrialSpec, message: str) -> None:
        """A trial failed for good (after its retries)."""


@dataclass(frozen=True)
class SweepOutcome:
    out_dir: Path
    finished: tuple[TrialRecord, ...]  # trained and written by this run
    skipped: tuple[TrialRecord, ...]  # found finished in out_dir
    failed: tuple[tuple[TrialSpec, str], ...]  # with the reason
    cancelled: tuple[TrialSpec, ...]
    cluster: str  # where the trials ran, in words
    workers: tuple[str, ...] = ()
    # Trial folders found damaged (run again by this sweep if it asked for them).
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "cancelled" if self.cancelled else "failed" if self.failed else "finished"

    @property
    def records(self) -> tuple[TrialRecord, ...]:
        """The requested trials that are done, this run's and earlier ones'."""
        return tuple(sorted(self.finished + self.skipped, key=sort_key))


def plan(arch_id: str, code_sizes: Iterable[int] | None = None,
         optimizers: Iterable[str] = ("adam",), epochs: int | None = None,
         repeats: int = 1, batch_size: int | None = None,
         learning_rate: float | None = None, noise: float | None = None) -> tuple[TrialSpec, ...]:
    """Every combination of code size, optimizer and repeat, with the seed's settings.

    `code_sizes` None is the seed's size alone; duplicates are dropped.
    Raises ValueError with a one-line message for any bad setting.
    """
    spec = models.spec(arch_id)
    sizes = [models.variant(arch_id, s).code_size
             for s in (code_sizes if code_sizes is not None else [None])]
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    trials = []
    for size in dict.fromkeys(sizes):
        for optimizer in dict.fromkeys(optimizers):
            for repeat in range(repeats):
                trial = TrialSpec(arch_id, size, optimizer,
                                  spec.epochs if epochs is None else epochs,
                                  spec.batch_size if batch_size is None else batch_size,
                                  learning_rate, noise, repeat)
                trial.validate()
                trials.append(trial)
    return tuple(trials)


def run_sweep(trials: Sequence[TrialSpec], out_dir: str | os.PathLike,
              data: DataRef | None = None, cluster: ClusterSpec | None = None,
              state: tasks.TaskState | None = None,
              listener: SweepListener | None = None, client=None) -> SweepOutcome:
    """Run the trials not yet finished in out_dir, writing each as it completes.

    Progress (trials done of those to run) and cancellation go through
    `state`; a cancelled sweep returns with the finished trials written and
    the rest listed as cancelled. Raises SweepError (one line, what to do)
    when the folder, the settings or the cluster make the sweep impossible.
    `client` (a `distributed.Client`, say from `open_cluster`) runs the
    trials on its cluster, kept open afterwards; without it `cluster` says
    where, and the cluster is connected or started for this sweep only.
    """
    state = tasks.ensure(state)
    listener = listener or SweepListener()
    cluster = cluster or ClusterSpec()
    data = _absolute(data or DataRef())
    out = Path(out_dir)
    trials = _checked(trials)
    done, problems = _finished(out)
    skipped, pending = [], []
    for trial in trials:
        record = done.get(trial.key)
        if record is None:
            pending.append(trial)
        elif (record.spec, record.data) != (trial, data):
            raise SweepError(
                f"{record.folder} holds {trial.key} trained with other settings "
                f"({_difference(record, trial, data)}); give another --out, or delete that "
                f"folder to train it again")
        else:
            skipped.append(record)
    if done:
        write_csv(out, done.values())
    if not pending:
        return SweepOutcome(out, (), tuple(skipped), (), (),
                            "no cluster: every trial was already done", (), tuple(problems))
    if data.path is not None and cluster.scheduler is None and not Path(data.path).exists():
        raise SweepError(f"{data.path}: no such file or folder; give --data a Keras-format "
                         f"mnist.npz or a folder of MNIST IDX files")
    state.set_progress(0.0, "starting the workers")
    with _given_or_opened(client, cluster, len(pending)) as (client, where):
        workers = tuple(client.scheduler_info()["workers"])
        listener.on_start(where, workers, len(pending), len(skipped))
        finished, failed, cancelled = _run(client, pending, data, out, done, state, listener)
    return SweepOutcome(out, tuple(finished), tuple(skipped), tuple(failed), tuple(cancelled),
                        where, workers, tuple(problems))


def _checked(trials: Sequence[TrialSpec]) -> list[TrialSpec]:
    by_key: dict[str, TrialSpec] = {}
    for trial in trials:
        try:
            trial.validate()
        except ValueError as exc:
            raise SweepError(f"trial {trial.key}: {exc}") from None
        if by_key.get(trial.key, trial) != trial:
            raise SweepError(f"two different trials are both named {trial.key}")
        by_key[trial.key] = trial
    if not by_key:
        raise SweepError("no trials to run")
    return list(by_key.values())


def _absolute(data: DataRef) -> DataRef:
    """The data path as every worker must see it: absolute, with ~ expanded."""
    if data.path is None:
        return data
    return replace(data, path=os.path.abspath(os.path.expanduser(os.fspath(data.path))))


def _finished(out: Path) -> tuple[dict[str, TrialRecord], list[str]]:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SweepError(f"cannot write into {out}: {exc.strerror or exc}; "
                         f"give --out a folder you can write to") from None
    return finished_trials(out)


def _difference(record: TrialRecord, trial: TrialSpec, data: DataRef) -> str:
    changes = [f"{name} {old!r}, not {new!r}" for name, old, new in (
        ("epochs", record.spec.epochs, trial.epochs),
        ("batch size", record.spec.batch_size, trial.batch_size),
        ("learning rate", record.spec.learning_rate, trial.learning_rate),
        ("noise", record.spec.noise, trial.noise),
        ("data", record.data.path or "the embedded split", data.path or "the embedded split"),
        ("training digits", record.data.n_train, data.n_train),
        ("test digits", record.data.n_test, data.n_test)) if old != new]
    return "; ".join(changes) or "other settings"


@contextlib.contextmanager
def _given_or_opened(client, cluster: ClusterSpec, n_pending: int):
    if client is not None:
        n = len(client.scheduler_info()["workers"])
        yield client, f"the cluster at {client.scheduler.address} ({n} worker{'s' * (n != 1)})"
        return
    with open_cluster(cluster, n_pending) as opened:
        yield opened


def _run(client, pending: list[TrialSpec], data: DataRef, out: Path,
         on_disk: dict[str, TrialRecord], state: tasks.TaskState, listener: SweepListener):
    from distributed import Event, wait

    cancel_event = f"autoencoder-explorer-sweep-cancel-{uuid.uuid4().hex}"
    run_id = uuid.uuid4().hex[:8]
    futures = {}
    # Largest first, in order and by priority: the longest trials start
    # early, so the sweep does not end waiting on one big trial begun last.
    ordered = sorted(pending, key=_cost, reverse=True)
    for rank, trial in enumerate(ordered):
        future = client.submit(run_trial, trial, data, cancel_event, pure=False,
                               key=f"trial-{trial.key}-{run_id}", retries=RETRIES,
                               priority=len(ordered) - rank)
        futures[future] = trial
    finished: list[TrialRecord] = []
    failed: list[tuple[TrialSpec, str]] = []
    records = dict(on_disk)
    waiting = set(futures)
    try:
        while waiting:
            state.check()
            try:
                # wait() finds its client as the "current" one; this client is
                # not made the process's default (a UI may hold another).
                with client.as_current():
                    ready, waiting = wait(waiting, timeout=POLL_S, return_when="FIRST_COMPLETED")
            except (TimeoutError, asyncio.TimeoutError):
                continue
            for future in ready:
                trial = futures[future]
                outcome = _collect(future)
                if isinstance(outcome, str):
                    failed.append((trial, outcome))
                    listener.on_failure(trial, outcome)
                    continue
                record = write_trial(out, outcome)
                records[trial.key] = record
                write_csv(out, records.values())
                finished.append(record)
                listener.on_trial(record, len(finished) + len(failed), len(pending))
                state.set_progress((len(finished) + len(failed)) / len(pending),
                                   f"{len(finished)} of {len(pending)} trials done")
                future.release()
    except (tasks.Cancelled, KeyboardInterrupt) as exc:
        _cancel(client, waiting, cancel_event, Event)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return finished, failed, [futures[f] for f in waiting]
    except BaseException:
        _cancel(client, waiting, cancel_event, Event)
        raise
    return finished, failed, []


# Rough time per training digit, relative to `simple`: the README's training
# benchmark has simple at about 35,000 digits/s and conv at about 5,800 on one
# CPU; deep has 4 times simple's weights, denoise 6.5 times conv's.
_RELATIVE_STEP_COST = {"simple": 1, "sparse": 1, "deep": 3, "conv": 6, "denoise": 30}


def _cost(trial: TrialSpec) -> tuple[float, int]:
    """A trial's rough relative cost, for ordering only: epochs, model, code size."""
    return (_RELATIVE_STEP_COST[trial.arch_id] * trial.epochs, trial.variant.code_numbers)


def _collect(future) -> TrialResult | str:
    """A finished future's result, or a one-line reason why the trial failed."""
    from distributed import KilledWorker

    try:
        result = future.result()
    except KilledWorker:
        return (f"its worker died {_allowed_failures() + 1} times running it (out of memory?); "
                f"the other trials went on")
    except ModuleNotFoundError as exc:
        return (f"a worker cannot import {exc.name!r}: install this program on every worker "
                f"machine, or start `dask worker` from its folder")
    except Exception as exc:  # noqa: BLE001 - any trial's error is reported, not raised
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{type(exc).__name__}: {text}"
    if result.status == "stopped":
        return "stopped before it finished"
    return result


def _allowed_failures() -> int:
    import dask

    return int(dask.config.get("distributed.scheduler.allowed-failures"))


def _cancel(client, waiting, cancel_event: str, event_class) -> None:
    """Stop the trials still running (they poll the event) and drop the queued ones."""
    if not waiting:
        return
    with contextlib.suppress(Exception):  # a lost scheduler: nothing left to cancel
        event_class(cancel_event, client=client).set()
    with contextlib.suppress(Exception):
        client.cancel(list(waiting))

