"""Command line: `main.py` opens the window; `main.py train ARCH ...` trains headless;
`main.py sweep ARCH --code-size N... --out DIR` runs a sweep of trainings on Dask.

`autoencoder-explorer` (the console script) and `python -m explorer` are the
same program.
"""

from __future__ import annotations

import argparse
import os
import sys

from explorer import __version__
from explorer.cli.parsing import Parser, fraction, positive_float, positive_int
from explorer.cli.progress import TerminalProgress, epoch_line
from explorer.cli.sweeping import _add_sweep_parser, run_sweep_command
from explorer.cli.training import run_train
from explorer.core.devices import DEVICE_CHOICES
from explorer.core.models import ARCH_IDS, OPTIMIZERS

__all__ = ["TerminalProgress", "build_parser", "epoch_line", "main", "run_sweep_command",
           "run_train"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="autoencoder-explorer",
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
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    train = sub.add_parser("train", help="train one architecture headless and save it")
    train.add_argument("arch", choices=ARCH_IDS, metavar="ARCH",
                       help="one of: " + ", ".join(ARCH_IDS))
    train.add_argument("--epochs", type=positive_int, help="default: the seed's")
    train.add_argument("--batch-size", type=positive_int, help="default: the seed's")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--learning-rate", type=positive_float,
                       help="default: 0.001 for adam, 1.0 for adadelta (as the seed)")
    train.add_argument("--noise", type=fraction, help="noise factor 0..1 (default: 0.5 "
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
