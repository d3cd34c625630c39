"""Reproduce the seed tutorial's figures with the program's own trainer.

For each architecture and both optimizers (Adam, and Adadelta at learning
rate 1.0 as the tutorial's 2016 figures were made), train with the seed's
epochs and batch size and print the final training and validation losses next
to the tutorial's; for `simple` against `sparse`, also the mean code
activation (`encoded_imgs.mean()`, 7.30 and 3.33 in the tutorial).

    python tests/benchmarks/reproduce_seed.py            # embedded 8,000/2,000 split
    python tests/benchmarks/reproduce_seed.py --data ~/.keras/datasets/mnist.npz
    python tests/benchmarks/reproduce_seed.py --quick    # 2 epochs each: a smoke check

Prints a Markdown table, then one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from explorer.core import models, training  # noqa: E402
from explorer.core.data import load_dataset  # noqa: E402

SEED_FIGURES = {
    # (train, validation) as the tutorial reports them; None where it gives none
    ("simple", "adadelta"): ("~0.11", "~0.11"),
    ("simple", "adam"): ("~0.09", "~0.09"),
    ("sparse", "adadelta"): ("0.11", "0.10"),
    ("deep", "adadelta"): ("0.097", "0.097"),
    ("deep", "adam"): ("~0.08", "~0.08"),
    ("conv", "adadelta"): ("0.094", "0.094"),
}
SEED_MEAN_ACTIVATION = {"simple": 7.30, "sparse": 3.33}


def run_one(arch: str, optimizer: str, dataset, epochs: int | None, out_dir: Path | None):
    config = training.TrainConfig.for_arch(arch, optimizer=optimizer)
    if epochs is not None:
        config = training.TrainConfig.for_arch(arch, optimizer=optimizer, epochs=epochs)
    model = models.build(arch)
    t0 = time.perf_counter()
    result = training.train(model, dataset, config)
    seconds = time.perf_counter() - t0
    final = result.final
    row = {
        "arch": arch, "optimizer": optimizer,
        "learning_rate": config.effective_learning_rate,
        "epochs": result.epochs_done, "batch_size": config.batch_size,
        "noise": config.effective_noise, "status": result.status,
        "train_loss": final.train_loss if final else None,
        "val_loss": final.val_loss if final else None,
        "seconds": round(seconds, 1),
        "seed_train": SEED_FIGURES.get((arch, optimizer), (None, None))[0],
        "seed_val": SEED_FIGURES.get((arch, optimizer), (None, None))[1],
    }
    if arch in SEED_MEAN_ACTIVATION:
        codes = models.encode(model, dataset.x_test)
        row["mean_activation"] = float(codes.mean())
        row["seed_mean_activation"] = SEED_MEAN_ACTIVATION[arch]
    if out_dir is not None and result.epochs_done:
        from explorer.core import store

        meta = store.make_metadata(model, result, config, dataset.source)
        store.save(model, meta, out_dir / optimizer)
    return row


def markdown(rows: list[dict], source: str) -> str:
    lines = [f"Data: {source}", "",
             "| model | optimizer (lr) | epochs | train loss | val loss | tutorial train / val "
             "| mean code activation (tutorial) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        seed = " / ".join(s for s in (r["seed_train"], r["seed_val"]) if s) or "-"
        act = "-"
        if "mean_activation" in r:
            act = f"{r['mean_activation']:.2f} ({r['seed_mean_activation']:.2f})"
        def fmt(v):
            return (f"{v:.4f}" if isinstance(v, float) else "-")
        lines.append(f"| {r['arch']} | {r['optimizer']} ({r['learning_rate']:g}) | {r['epochs']} "
                     f"| {fmt(r['train_loss'])} | {fmt(r['val_loss'])} | {seed} | {act} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="mnist.npz or IDX folder (default: embedded sample "
                                       "or the Keras cache)")
    parser.add_argument("--quick", action="store_true", help="2 epochs each")
    parser.add_argument("--arch", nargs="*", default=list(models.ARCH_IDS))
    parser.add_argument("--optimizer", nargs="*", default=["adam", "adadelta"])
    parser.add_argument("--save", metavar="DIR", help="also save each model's weights here")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.data)
    epochs = 2 if args.quick else None
    out_dir = Path(args.save) if args.save else None
    rows = []
    for arch in args.arch:
        for optimizer in args.optimizer:
            row = run_one(arch, optimizer, dataset, epochs, out_dir)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(markdown(rows, dataset.source))
    keras = models.import_keras()
    print(json.dumps({
        "benchmark": "reproduce_seed", "data": dataset.source, "quick": args.quick,
        "keras": keras.__version__, "backend": keras.backend.backend(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "rows": rows,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
