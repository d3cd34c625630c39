"""Command line: `main.py` opens the window; `main.py train ARCH ...` trains headless;
`main.py sweep ARCH --code-size N... --out DIR` runs a sweep of trainings on Dask.

`autoencoder-explorer` (the console script) and `python -m explorer` are the
same program.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from explorer import __version__
from explorer.core.devices import DEVICE_CHOICES
from explorer.core.models import ARCH_IDS, OPTIMIZERS


class _Parser(argparse.ArgumentParser):
    """argparse that answers a bad value with one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse's name
        self.exit(2, f"{self.prog}: error: {message}\n")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"noise factor must be between 0 and 1, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"learning rate must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="autoencoder-explorer",
                     description="Train and explore the Keras MNIST autoencoders.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data", metavar="PATH",
                        help="MNIST as a Keras mnist.npz, a folder of IDX files or a folder "
                             "of digit images or photos (PNG, JPEG, ...) (default: the Keras "
                             "cache, else the embedded sample)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default=None,
                        help="auto: a GPU when TensorFlow sees one (the default); cpu: never a GPU")
    parser.add_argument("--verbose", action="store_true",
                        help="let TensorFlow's own log through")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    train = sub.add_parser("train", help="train one architecture headless and save it")
    train.add_argument("arch", choices=ARCH_IDS, metavar="ARCH",
                       help="one of: " + ", ".join(ARCH_IDS))
    train.add_argument("--epochs", type=_positive_int, help="default: the seed's")
    train.add_argument("--batch-size", type=_positive_int, help="default: the seed's")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--learning-rate", type=_positive_float,
                       help="default: 0.001 for adam, 1.0 for adadelta (as the seed)")
    train.add_argument("--noise", type=_fraction, help="noise factor 0..1 (default: 0.5 "
                       "for denoise, 0 otherwise)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", metavar="DIR",
                       help="folder for the weights (default: your own weights folder, "
                            "where the program looks first at start)")
    train.add_argument("--data", metavar="PATH", dest="train_data",
                       help="as the global --data")
    train.add_argument("--device", choices=DEVICE_CHOICES, dest="train_device",
                       help="as the global --device")
    train.add_argument("--tensorboard", metavar="DIR", help="also log to TensorBoard in DIR")
    train.add_argument("--resume", action="store_true",
                       help="continue the newest interrupted run of ARCH from its recovery "
                            "checkpoint (written after every epoch)")
    train.add_argument("--recovery-dir", metavar="DIR",
                       help="folder for recovery checkpoints (default: the user data folder)")
    train.add_argument("--verbose", action="store_true", dest="train_verbose",
                       help=argparse.SUPPRESS)
    _add_sweep_parser(sub)
    return parser


def _format_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def epoch_line(r) -> str:
    """The one line that sums up an epoch (the whole output when not in a terminal)."""
    val = f"{r.val_loss:.4f}" if r.val_loss is not None else "n/a"
    return (f"Epoch {r.epoch}/{r.epochs}: train loss {r.train_loss:.4f}, validation loss {val}, "
            f"{r.samples_per_s:,.0f} samples/s, ETA {_format_seconds(r.eta_s)}")


class TerminalProgress:
    """A live progress bar for the epoch in a terminal; one summary line per epoch.

    When standard output is not a terminal (a log file, CI) only the summary
    lines are written, one per epoch, with no carriage returns or colours.
    The bar is rich's (Keras depends on it too); it is transient, so each
    finished epoch leaves only its summary line behind. Use it as a context
    manager so the bar is taken down however training ends.
    """

    def __init__(self, stream=None, console=None, epochs: int | None = None):
        self.stream = stream if stream is not None else sys.stdout
        self.epochs = epochs
        self.console = console
        if console is None and self.stream.isatty():
            from rich.console import Console

            self.console = Console(file=self.stream)
        self.is_tty = self.console is not None and self.console.is_terminal
        self._bar = None
        self._task = None
        self._epoch = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc) -> None:
        self._stop_bar()

    def _start_bar(self, p) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(TextColumn("Epoch {task.fields[epoch]}"), BarColumn(),
                             MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                             console=self.console, transient=True, refresh_per_second=8)
        self._bar.start()
        epoch = f"{p.epoch + 1}/{self.epochs}" if self.epochs else str(p.epoch + 1)
        self._task = self._bar.add_task("", total=p.batches_per_epoch, epoch=epoch, status="")
        self._epoch = p.epoch

    def _stop_bar(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar, self._task, self._epoch = None, None, None

    def on_batch(self, p) -> None:
        if not self.is_tty:
            return
        if self._bar is None or p.epoch != self._epoch:
            self._stop_bar()
            self._start_bar(p)
        status = (f"loss {p.loss:.4f}  {p.samples_per_s:,.0f} samples/s  "
                  f"ETA {_format_seconds(p.eta_s)}")
        self._bar.update(self._task, completed=p.batch, status=status)

    def on_epoch(self, r) -> None:
        self._stop_bar()
        if self.is_tty:
            self.console.print(epoch_line(r), highlight=False, markup=False)
        else:
            self.stream.write(epoch_line(r) + "\n")
            self.stream.flush()


def run_train(args) -> int:
    from explorer.core import devices, models, recovery, training
    from explorer.core.data import DatasetError, load_dataset
    from explorer.core.image_folder import load_path

    if args.resume:
        return _resume_train(args)
    data_path = args.train_data or args.data
    overrides = {k: v for k, v in dict(
        epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
        learning_rate=args.learning_rate, noise=args.noise, seed=args.seed,
        tensorboard_dir=args.tensorboard).items() if v is not None}
    config = training.TrainConfig.for_arch(args.arch, **overrides)
    try:
        config.validate()
    except ValueError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 2
    try:
        # .npz, IDX folder or a folder of images, as File > Open dataset
        dataset = load_path(data_path) if data_path else load_dataset(None)
    except DatasetError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 2
    print(f"Data: {dataset.source}")
    epochs = f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}"
    print(f"Training {args.arch} for {epochs}, batch size {config.batch_size}, "
          f"{config.optimizer} (learning rate {config.effective_learning_rate:g})"
          + (f", noise factor {config.effective_noise:g}" if config.effective_noise else ""))
    model = models.build(args.arch)
    print(f"Device: {devices.device_description()}")
    stop = threading.Event()
    try:
        with TerminalProgress(epochs=config.epochs) as progress:
            # A checkpoint after every epoch: a killed run continues with --resume.
            writer = recovery.CheckpointWriter(
                model, config, dataset.source, _absolute(data_path), args.recovery_dir,
                forward=progress, on_error=_warn)
            result = training.train(model, dataset, config, writer, stop)
    except KeyboardInterrupt:
        print("\nInterrupted; nothing saved"
              + (f" (continue it with: train {args.arch} --resume)." if writer.history else "."),
              file=sys.stderr)
        return 130
    writer.finish(result)
    return _save_trained(args, model, result, config, dataset.source)


def _absolute(path: str | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().resolve())


def _warn(message: str) -> None:
    print(f"autoencoder-explorer: warning: {message}", file=sys.stderr)


def _save_trained(args, model, result, config, data_source: str) -> int:
    from explorer.core import store, userdata

    if result.status == "failed":
        print(f"Training failed: {result.error}", file=sys.stderr)
        return 1
    meta = store.make_metadata(model, result, config, data_source)
    try:
        folder = args.out or userdata.weights_dir()
        path = store.save(model, meta, folder)
    except (store.StoreError, userdata.UserDataError) as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {path} and {store.metadata_path(args.arch, folder)}")
    if not args.out:
        print("The program starts with these weights for this architecture from now on "
              "(Revert to the shipped weights to undo).")
    return 0


def _resume_train(args) -> int:
    """`train ARCH --resume`: the newest checkpoint of ARCH, continued to its end."""
    from explorer.core import models, recovery, training
    from explorer.core.data import DatasetError, load_dataset
    from explorer.core.image_folder import load_path

    changed = [f"--{k.replace('_', '-')}" for k in ("epochs", "batch_size", "learning_rate",
                                                     "noise", "tensorboard")
               if getattr(args, k) is not None]
    if changed:
        print(f"autoencoder-explorer: error: --resume continues the run as it was started; "
              f"leave out {', '.join(changed)}", file=sys.stderr)
        return 2
    folder = args.recovery_dir or recovery.default_folder()
    found = recovery.find_checkpoints(folder, args.arch)
    if not found:
        print(f"autoencoder-explorer: error: no recovery checkpoint of {args.arch} in {folder}; "
              f"start a new run without --resume", file=sys.stderr)
        return 2
    checkpoint = found[0]
    data_path = args.train_data or args.data or checkpoint.data_path
    try:
        dataset = load_path(data_path) if data_path else load_dataset(None)
    except DatasetError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 2
    print(f"Resuming {checkpoint.describe()}; data: {dataset.source}")
    if dataset.source != checkpoint.data_source:
        _warn(f"the run was started on {checkpoint.data_source}")
    model = models.build(args.arch)
    try:
        with TerminalProgress(epochs=checkpoint.config.epochs) as progress:
            result = recovery.resume(checkpoint, model, dataset, progress,
                                     training.TrainControl(), on_error=_warn)
    except recovery.RecoveryError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nInterrupted; nothing saved (continue it with: train {args.arch} --resume).",
              file=sys.stderr)
        return 130
    return _save_trained(args, model, result, checkpoint.config, checkpoint.data_source)


def _add_sweep_parser(sub) -> None:
    sweep = sub.add_parser(
        "sweep", help="train one architecture at several code sizes, each trial a Dask task",
        description="Train ARCH at every code size (and optimizer, and repeat) as independent "
                    "Dask tasks: on a local cluster of worker processes by default, or on the "
                    "cluster of --scheduler. Finished trials are written under --out as they "
                    "complete; the same command again skips them.")
    sweep.add_argument("arch", choices=ARCH_IDS, metavar="ARCH",
                       help="one of: " + ", ".join(ARCH_IDS))
    sweep.add_argument("--code-size", type=_positive_int, nargs="+", metavar="N",
                       help="code units (simple, sparse, deep) or filters of the code (conv, "
                            "denoise); default: the seed's")
    sweep.add_argument("--optimizer", choices=OPTIMIZERS, nargs="+", default=["adam"])
    sweep.add_argument("--epochs", type=_positive_int, help="default: the seed's")
    sweep.add_argument("--batch-size", type=_positive_int, help="default: the seed's")
    sweep.add_argument("--learning-rate", type=_positive_float,
                       help="default: 0.001 for adam, 1.0 for adadelta (as the seed)")
    sweep.add_argument("--noise", type=_fraction, help="noise factor 0..1 (default: 0.5 "
                       "for denoise, 0 otherwise)")
    sweep.add_argument("--repeats", type=_positive_int, default=1,
                       help="trainings of each setting, with different seeds (default 1)")
    sweep.add_argument("--data", metavar="PATH", dest="sweep_data",
                       help="as the global --data, read by every worker from this path "
                            "(default: the embedded split)")
    sweep.add_argument("--subset", type=_positive_int, nargs=2, metavar=("TRAIN", "TEST"),
                       help="only the first TRAIN training and TEST test digits")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int,
                       help="worker processes of the local cluster (default: one per core, "
                            "no more than trials)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, tcp://HOST:PORT, instead of a local "
                            "cluster")
    sweep.add_argument("--connect-timeout", type=_positive_float, default=5.0, metavar="S",
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


def _quiet_tensorflow(verbose: bool) -> None:
    """Keep TensorFlow's own C++ log lines off the terminal, and nothing else.

    Its start-up lines (oneDNN, CUDA probing) come before its logging is set
    up and are muted by models.import_keras while TensorFlow imports; those
    it logs later (e.g. "oneDNN supports DT_INT32 only on...") obey
    TF_CPP_MIN_LOG_LEVEL, and 3 keeps all but its fatal errors back
    (--verbose lets them through). Standard error itself is never muted
    after the import, so Qt's messages and fatal errors reach the terminal.
    """
    from explorer.core import keras_backend

    if verbose:
        keras_backend.VERBOSE_BACKEND = True
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    else:  # set, not defaulted: a level inherited from elsewhere lets "E0000 ..." lines through
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"


def _python_stderr_beside_the_mute() -> None:
    """Point sys.stderr at a duplicate of the terminal's descriptor.

    While TensorFlow imports (seconds, on the model thread, with the window
    already up) file descriptor 2 points at /dev/null. Python's own output
    (tracebacks, warnings, "Closing Autoencoder Explorer") goes through
    sys.stderr, which keeps writing to the terminal through its own
    descriptor; Qt's messages are sent the same way (explorer.ui.app).
    """
    try:
        sys.stderr.flush()
        sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
    except (OSError, ValueError, AttributeError):
        pass  # no real stderr (a GUI launcher): nothing to keep


def main(argv: list[str] | None = None) -> int:
    """The program's entry point; argv None means the real command line."""
    args = build_parser().parse_args(argv)
    from explorer.core import devices

    _quiet_tensorflow(args.verbose or getattr(args, "train_verbose", False))
    if argv is None:  # a real process; a caller in-process (a test) keeps its stderr
        _python_stderr_beside_the_mute()
    try:  # before anything imports TensorFlow: it reads the device choice at start
        devices.use_device(getattr(args, "train_device", None) or args.device or "auto")
    except devices.DeviceError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "train":
        return run_train(args)
    if args.command == "sweep":
        return run_sweep_command(args)
    from explorer.ui.app import run_gui

    return run_gui(data_path=args.data)


if __name__ == "__main__":
    sys.exit(main())
