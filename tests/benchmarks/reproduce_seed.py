"""Reproduce the seed tutorial's figures with the program's own trainer.

For each architecture and both optimizers (Adam, and Adadelta at learning
rate 1.0 as the tutorial's 2016 figures were made), train with the seed's
epochs and batch size and print the final training and validation losses next
to the tutorial's; for `simple` against `sparse`, also the mean code
activation (`encoded_imgs.mean()`, 7.30 and 3.33 in the tutorial).

The ten trainings are the trials of one sweep (explorer.core.sweep): on a
local cluster of one-thread worker processes by default, or on a Dask
cluster with --scheduler, where the script takes as long as its longest
trial. With --out the sweep's folder is kept, and a rerun with the same
--out skips the trainings already done.

    python tests/benchmarks/reproduce_seed.py            # embedded 8,000/2,000 split
    python tests/benchmarks/reproduce_seed.py --data ~/.keras/datasets/mnist.npz
    python tests/benchmarks/reproduce_seed.py --quick    # 2 epochs each: a smoke check
    python tests/benchmarks/reproduce_seed.py --scheduler tcp://HOST:8786 --out runs/seed

Prints a Markdown table, then one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from explorer.core import models, store, sweep  # noqa: E402

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


def plan(archs, optimizers, epochs: int | None) -> list[sweep.TrialSpec]:
    """One trial per architecture and optimizer, at the seed's code size and settings."""
    return [trial for arch in archs for trial in sweep.plan(arch, None, optimizers, epochs)]


def row(record: sweep.TrialRecord) -> dict:
    spec = record.spec
    config = spec.train_config()
    seed_train, seed_val = SEED_FIGURES.get((spec.arch_id, spec.optimizer), (None, None))
    out = {
        "arch": spec.arch_id, "optimizer": spec.optimizer,
        "learning_rate": config.effective_learning_rate,
        "epochs": len(record.history), "batch_size": spec.batch_size,
        "noise": config.effective_noise, "status": record.status,
        "train_loss": record.train_loss, "val_loss": record.val_loss,
        "seconds": round(record.seconds, 1), "worker": record.worker,
        "seed_train": seed_train, "seed_val": seed_val,
    }
    if spec.arch_id in SEED_MEAN_ACTIVATION:
        out["mean_activation"] = record.mean_code_activation
        out["seed_mean_activation"] = SEED_MEAN_ACTIVATION[spec.arch_id]
    return out


def save_copies(records, folder: Path) -> None:
    """The weights as `--save` always wrote them: DIR/<optimizer>/<arch>.weights.h5 + .json."""
    for record in records:
        name = record.variant.name
        target = folder / record.spec.optimizer
        target.mkdir(parents=True, exist_ok=True)
        for path in (record.weights_path, store.metadata_path(name, record.folder)):
            shutil.copyfile(path, target / path.name)


class _PrintRows(sweep.SweepListener):
    def on_start(self, cluster, workers, pending, skipped) -> None:
        print(f"{pending} trainings on {cluster}" + (f"; {skipped} already done" if skipped
                                                      else ""), file=sys.stderr, flush=True)

    def on_trial(self, record, done, total) -> None:
        print(json.dumps(row(record)), file=sys.stderr, flush=True)

    def on_failure(self, spec, message) -> None:
        print(f"{spec.key} failed: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _sweep_folder(out: str | None):
    if out is not None:
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="reproduce-seed-") as tmp:
        yield Path(tmp)


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
    parser.add_argument("--data", help="mnist.npz or IDX folder, read by every worker "
                                       "(default: the embedded sample)")
    parser.add_argument("--quick", action="store_true", help="2 epochs each")
    parser.add_argument("--arch", nargs="*", default=list(models.ARCH_IDS))
    parser.add_argument("--optimizer", nargs="*", default=["adam", "adadelta"])
    parser.add_argument("--save", metavar="DIR", help="also copy each model's weights here")
    parser.add_argument("--out", metavar="DIR", help="keep the sweep's folder here (resumable)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="local worker processes (default: one "
                                                   "per core, no more than trainings)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://HOST:PORT")
    args = parser.parse_args(argv)
    trials = plan(args.arch, args.optimizer, 2 if args.quick else None)
    with _sweep_folder(args.out) as folder:
        try:
            outcome = sweep.run_sweep(trials, folder, sweep.DataRef(args.data),
                                      sweep.ClusterSpec(args.workers, args.scheduler),
                                      listener=_PrintRows())
        except sweep.SweepError as exc:
            print(f"reproduce_seed: {exc}", file=sys.stderr)
            return 1
        done = {r.spec.key: r for r in outcome.records}
        records = [done[t.key] for t in trials if t.key in done]
        if args.save:
            save_copies(records, Path(args.save))
        keras_version = (store.load_metadata(records[0].variant.name, records[0].folder)
                         .keras_version if records else "")
    rows = [row(r) for r in records]
    source = records[0].data_source if records else "no trial finished"
    print(markdown(rows, source))
    print(json.dumps({
        "benchmark": "reproduce_seed", "data": source, "quick": args.quick,
        "keras": keras_version, "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "cluster": outcome.cluster, "workers": sorted({r["worker"] for r in rows}),
        "failed": [[spec.key, why] for spec, why in outcome.failed], "rows": rows,
    }))
    return 0 if len(records) == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
