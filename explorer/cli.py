"""Command line: `main.py` opens the window; `main.py train ARCH ...` trains headless."""

from __future__ import annotations

import argparse
import os
import sys
import threading

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
    parser.add_argument("--data", metavar="PATH",
                        help="MNIST as a Keras mnist.npz, a folder of IDX files or a folder "
                             "of PNG digit images (default: the Keras cache, else the "
                             "embedded sample)")
    parser.add_argument("--verbose", action="store_true",
                        help="let TensorFlow's start-up log through")
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
    train.add_argument("--out", metavar="DIR", help="folder for the weights (default: trained/)")
    train.add_argument("--data", metavar="PATH", dest="train_data",
                       help="as the global --data")
    train.add_argument("--tensorboard", metavar="DIR", help="also log to TensorBoard in DIR")
    train.add_argument("--resume", action="store_true",
                       help="continue the newest interrupted run of ARCH from its recovery "
                            "checkpoint (written after every epoch)")
    train.add_argument("--recovery-dir", metavar="DIR",
                       help="folder for recovery checkpoints (default: the user data folder)")
    train.add_argument("--verbose", action="store_true", dest="train_verbose",
                       help=argparse.SUPPRESS)
    return parser


def _format_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class _TerminalProgress:
    """A one-line progress bar per epoch, then one summary line per epoch."""

    def __init__(self, stream=sys.stdout):
        self.stream = stream
        self.is_tty = stream.isatty()

    def on_batch(self, p) -> None:
        if not self.is_tty:
            return
        width = 30
        filled = int(width * p.batch / p.batches_per_epoch)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\rEpoch {p.epoch + 1} [{bar}] {p.batch}/{p.batches_per_epoch} "
                          f"loss {p.loss:.4f}  {p.samples_per_s:,.0f} samples/s  "
                          f"ETA {_format_seconds(p.eta_s)}  ")
        self.stream.flush()

    def on_epoch(self, r) -> None:
        if self.is_tty:
            self.stream.write("\r" + " " * 100 + "\r")
        val = f"{r.val_loss:.4f}" if r.val_loss is not None else "n/a"
        self.stream.write(f"Epoch {r.epoch}/{r.epochs}: train loss {r.train_loss:.4f}, "
                          f"validation loss {val}, {r.samples_per_s:,.0f} samples/s, "
                          f"ETA {_format_seconds(r.eta_s)}\n")
        self.stream.flush()


def run_train(args) -> int:
    from explorer.core import models, recovery, training
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
        # .npz, IDX folder or a folder of PNG digits, as File > Open dataset
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
    stop = threading.Event()
    # A checkpoint after every epoch: a killed run continues with --resume.
    writer = recovery.CheckpointWriter(
        model, config, dataset.source, _absolute(data_path), args.recovery_dir,
        forward=_TerminalProgress(), on_error=_warn)
    try:
        result = training.train(model, dataset, config, writer, stop)
    except KeyboardInterrupt:
        print("\nInterrupted; nothing saved"
              + (f" (continue it with: train {args.arch} --resume)." if writer.history else "."),
              file=sys.stderr)
        return 130
    writer.finish(result)
    return _save_trained(args, model, result, config, dataset.source)


def _absolute(path: str | None) -> str | None:
    from pathlib import Path

    return None if path is None else str(Path(path).expanduser().resolve())


def _warn(message: str) -> None:
    print(f"autoencoder-explorer: warning: {message}", file=sys.stderr)


def _save_trained(args, model, result, config, data_source: str) -> int:
    from explorer.core import store

    if result.status == "failed":
        print(f"Training failed: {result.error}", file=sys.stderr)
        return 1
    meta = store.make_metadata(model, result, config, data_source)
    try:
        path = store.save(model, meta, args.out)
    except store.StoreError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {path} and {store.metadata_path(args.arch, args.out)}")
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
        result = recovery.resume(checkpoint, model, dataset, _TerminalProgress(),
                                 training.TrainControl(), on_error=_warn)
    except recovery.RecoveryError as exc:
        print(f"autoencoder-explorer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nInterrupted; nothing saved (continue it with: train {args.arch} --resume).",
              file=sys.stderr)
        return 130
    return _save_trained(args, model, result, checkpoint.config, checkpoint.data_source)


def _silence_native_stderr() -> None:
    """Send C/C++ writes to fd 2 (TensorFlow's log lines) to /dev/null.

    Python's own errors keep reaching the terminal: sys.stderr is rebound to a
    duplicate of the original descriptor first. TensorFlow logs from C++ on
    first use of some kernels too, long after import, so muting only the
    import would not keep the terminal readable.
    """
    try:
        sys.stderr.flush()
        sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # no real stderr (a GUI launcher): nothing to keep tidy


def main(argv: list[str] | None = None) -> int:
    """The program's entry point; argv None means the real command line."""
    args = build_parser().parse_args(argv)
    from explorer.core import models

    if args.verbose or getattr(args, "train_verbose", False):
        models.VERBOSE_BACKEND = True
    elif argv is None:
        # Only for a real process: a caller in-process (a test) keeps its stderr.
        _silence_native_stderr()
    if args.command == "train":
        return run_train(args)
    from explorer.ui.app import run_gui

    return run_gui(data_path=args.data)


if __name__ == "__main__":
    sys.exit(main())
