"""`main.py sweep ARCH --code-size N... --out DIR`: trainings as Dask tasks."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from explorer.cli.parsing import fraction, positive_float, positive_int
from explorer.core.models import ARCH_IDS, OPTIMIZERS


def _add_sweep_parser(sub) -> None:
    sweep = sub.add_parser(
        "sweep", help="train one architecture at several code sizes, each trial a Dask task",
        description="Train ARCH at every code size (and optimizer, and repeat) as independent "
                    "Dask tasks: on a local cluster of worker processes by default, or on the "
                    "cluster of --scheduler. Finished trials are written under --out as they "
                    "complete; the same command again skips them.")
    sweep.add_argument("arch", choices=ARCH_IDS, metavar="ARCH",
                       help="one of: " + ", ".join(ARCH_IDS))
    sweep.add_argument("--code-size", type=positive_int, nargs="+", metavar="N",
                       help="code units (simple, sparse, deep) or filters of the code (conv, "
                            "denoise); default: the seed's")
    sweep.add_argument("--optimizer", choices=OPTIMIZERS, nargs="+", default=["adam"])
    sweep.add_argument("--epochs", type=positive_int, help="default: the seed's")
    sweep.add_argument("--batch-size", type=positive_int, help="default: the seed's")
    sweep.add_argument("--learning-rate", type=positive_float,
                       help="default: 0.001 for adam, 1.0 for adadelta (as the seed)")
    sweep.add_argument("--noise", type=fraction, help="noise factor 0..1 (default: 0.5 "
                       "for denoise, 0 otherwise)")
    sweep.add_argument("--repeats", type=positive_int, default=1,
                       help="trainings of each setting, with different seeds (default 1)")
    sweep.add_argument("--data", metavar="PATH", dest="sweep_data",
                       help="as the global --data, read by every worker from this path "
                            "(default: the embedded split)")
    sweep.add_argument("--subset", type=positive_int, nargs=2, metavar=("TRAIN", "TEST"),
                       help="only the first TRAIN training and TEST test digits")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int,
                       help="worker processes of the local cluster (default: one per core, "
                            "no more than trials)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, tcp://HOST:PORT, instead of a local "
                            "cluster")
    sweep.add_argument("--connect-timeout", type=positive_float, default=5.0, metavar="S",
                       help="seconds to wait for --scheduler (default 5)")
    sweep.add_argument("--out", metavar="DIR", required=True,
                       help="folder for the trials and sweep.csv")


class _SweepPrinter:
    """The sweep's progress, one line per event."""

    def __init__(self, stream=sys.stdout):
        self.stream = stream

    def on_start(self, cluster: str, workers, pending: int, skipped: int) -> None:
        if skipped:
            self._say(f"Skipping {skipped} trial{'s' * (skipped != 1)} already finished.")
        self._say(f"Running {pending} trial{'s' * (pending != 1)} on {cluster}.")

    def on_trial(self, record, done: int, total: int) -> None:
        val = f"{record.val_loss:.4f}" if record.val_loss is not None else "n/a"
        note = "" if record.status == "finished" else f" ({record.status}: {record.error})"
        self._say(f"[{done}/{total}] {record.spec.key}: validation loss {val}{note}, "
                  f"{record.seconds:.1f} s on {record.worker}")

    def on_failure(self, spec, message: str) -> None:
        self._say(f"{spec.key} failed: {message}")

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def run_sweep_command(args) -> int:
    import signal

    from explorer.core import store, sweep, tasks
    from explorer.core.sweep_files import format_table

    data_path = args.sweep_data or args.data
    try:
        trials = sweep.plan(args.arch, args.code_size, args.optimizer, args.epochs,
                            args.repeats, args.batch_size, args.learning_rate, args.noise)
    except ValueError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 2
    subset = args.subset or (None, None)
    data = sweep.DataRef(data_path, *subset)
    cluster = sweep.ClusterSpec(args.workers, args.scheduler, args.connect_timeout)
    print(f"Data: {data_path or 'the embedded MNIST sample'}"
          + (f", first {subset[0]:,} / {subset[1]:,} digits" if args.subset else "")
          + " (each worker loads it)")
    print(f"Sweep: {len(trials)} trial{'s' * (len(trials) != 1)} of {args.arch} into {args.out}")
    task = tasks.Task()

    def cancel(signum, frame):
        # The first Ctrl+C cancels and keeps what is done; a second one stops at once.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("\nCancelling: finished trials are kept; the same command resumes.",
              file=sys.stderr, flush=True)
        task.cancel()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, cancel) if in_main_thread else None
    try:
        outcome = sweep.run_sweep(trials, args.out, data, cluster, task, _SweepPrinter())
    except (sweep.SweepError, store.StoreError) as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; the finished trials are kept in " + args.out, file=sys.stderr)
        return 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
    for problem in outcome.problems:
        print(f"note: {problem}; that trial was not taken as done", file=sys.stderr)
    if outcome.skipped and not (outcome.finished or outcome.failed or outcome.cancelled):
        n = len(outcome.skipped)
        print(f"{'The trial was' if n == 1 else f'All {n} trials were'} already finished "
              f"in {args.out}; nothing to run.")
    if outcome.records:
        print()
        print(format_table(outcome.records))
        print(f"\nWrote {Path(args.out) / 'sweep.csv'}")
    if outcome.status == "cancelled":
        print(f"Cancelled: {len(outcome.cancelled)} trial(s) not run; "
              f"run the same command again to finish them.", file=sys.stderr)
        return 130
    if outcome.failed:
        print(f"{len(outcome.failed)} trial(s) failed; run the same command again to retry "
              f"them.", file=sys.stderr)
        return 1
    return 0
