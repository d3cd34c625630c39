"""`main.py train ARCH`: one architecture trained headless, checkpointed, saved.

A recovery checkpoint follows every epoch, so a killed run continues with
`--resume`; the weights go to the user's weights folder unless --out says
otherwise, where the window then finds them first.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from explorer.cli.progress import TerminalProgress


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
