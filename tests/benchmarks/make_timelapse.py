"""Make the time-lapse frames that ship in trained/, by re-running the shipped training.

Not a pytest test. Run

    python tests/benchmarks/make_timelapse.py [ARCH ...] [--out DIR] [--with-weights]
                                              [--epochs N] [--data PATH]

For each architecture (default: all five) it reads trained/<arch>.json, the
configuration the shipped weights were trained with (optimizer, learning
rate, epochs, batch size, noise, data), trains a fresh model of it headless
with seed 0 while a TimelapseRecorder encodes the 1,000 probe digits after
every epoch (and once before the first), and writes <arch>.timelapse.npz
into --out (default trained/). It never touches the shipped weights: the
shipped weights were drawn from an unseeded start, so no re-run reproduces
them, and these frames are those of another run of the same configuration
(the note in the file says so). --with-weights also writes the re-run's own
weights and metadata beside its frames, a matching pair, for a folder
other than trained/ (or to replace the shipped pair on purpose).

Prints one JSON line per architecture: training time, the recorder's cost
per epoch against the epoch's own time (a first look at the time-lapse's
cost to training throughput, measured properly once the UI records during
its runs), the file's size, and how the re-run's last frame compares with
the shipped weights' own probe codes (purity and NMI of K-means).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

ARCHS = ("simple", "sparse", "deep", "conv", "denoise")


class _TimedListener:
    """Records a frame after each epoch and times the recording against the epoch."""

    def __init__(self, recorder, model):
        self.recorder, self.model = recorder, model
        self.record_s: list[float] = []
        self.epoch_s: list[float] = []
        self._last_elapsed = 0.0

    def on_batch(self, progress) -> None:
        pass

    def on_epoch(self, result) -> None:
        self.epoch_s.append(result.elapsed_s - self._last_elapsed)
        t0 = time.perf_counter()
        self.recorder.record(self.model, result.epoch, result.train_loss, result.val_loss)
        self.record_s.append(time.perf_counter() - t0)
        self._last_elapsed = result.elapsed_s + self.record_s[-1]
        print(f"  epoch {result.epoch}: loss {result.train_loss:.4f}, "
              f"frame {self.record_s[-1] * 1e3:.0f} ms", file=sys.stderr, flush=True)


def make_one(arch: str, dataset, out: Path, with_weights: bool,
             epochs: int | None) -> dict[str, Any]:
    from explorer.core import models, store, training
    from explorer.core.timelapse import TimelapseRecorder, analyse_codes, make_probe
    from explorer.core.timelapse_store import save_timelapse, timelapse_path

    keras = models.import_keras()
    shipped = store.load_metadata(arch)
    config = training.TrainConfig.for_arch(
        arch, epochs=epochs or shipped.epochs, batch_size=shipped.batch_size,
        optimizer=shipped.optimizer, learning_rate=shipped.learning_rate, noise=shipped.noise,
        seed=0)
    keras.utils.set_random_seed(0)  # the start of this re-run is reproducible, at least
    model = models.build(arch)
    probe = make_probe(dataset)
    recorder = TimelapseRecorder(probe, arch_id=arch, source=dataset.source)
    recorder.record(model, 0)
    listener = _TimedListener(recorder, model)
    t0 = time.perf_counter()
    result = training.train(model, dataset, config, listener)
    train_s = time.perf_counter() - t0
    if result.status != "finished":
        raise RuntimeError(f"{arch}: training {result.status}: {result.error}")
    note = (f"Frames of a re-run of the shipped {arch} configuration ({config.epochs} epochs, "
            f"{config.optimizer} at learning rate {config.effective_learning_rate:g}, batch size "
            f"{config.batch_size}, seed 0). The shipped weights came from another run of the same "
            "configuration, so the last frame is like their codes, not the same.")
    if with_weights:
        store.save(model, store.make_metadata(model, result, config, dataset.source), out)
        note = (f"Frames of the training run of these weights ({config.epochs} epochs, "
                f"{config.optimizer}, seed 0).")
    snapshot = recorder.snapshot(note)
    path = save_timelapse(snapshot, timelapse_path(arch, out))
    # The shipped weights' own codes of the probe, for comparison with the last frame.
    reference = models.build(arch)
    store.load_weights(reference, store.weights_path(arch))
    _, shipped_purity, shipped_nmi = analyse_codes(models.encode(reference, probe.images),
                                                  probe.labels)
    shares = [r / e for r, e in zip(listener.record_s, listener.epoch_s, strict=True) if e > 0]
    return {
        "arch": arch,
        "epochs": config.epochs,
        "train_s": round(train_s, 1),
        "frame_ms_median": round(statistics.median(listener.record_s) * 1e3, 1),
        "frame_ms_max": round(max(listener.record_s) * 1e3, 1),
        "epoch_s_median": round(statistics.median(listener.epoch_s), 3),
        "frame_share_of_epoch_median": round(statistics.median(shares), 4),
        "frames": len(snapshot),
        "recorder_bytes": recorder.nbytes,
        "file": str(path),
        "file_bytes": path.stat().st_size,
        "val_loss": round(result.final.val_loss, 4) if result.final.val_loss else None,
        "shipped_val_loss": shipped.val_loss,
        "last_frame_purity_nmi": [round(float(snapshot.purity[-1]), 3),
                                  round(float(snapshot.nmi[-1]), 3)],
        "shipped_weights_purity_nmi": [round(shipped_purity, 3), round(shipped_nmi, 3)],
        "weights_written": with_weights,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archs", nargs="*", metavar="ARCH",
                        help=f"default: all of {', '.join(ARCHS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "trained",
                        help="folder for <arch>.timelapse.npz (default: trained/)")
    parser.add_argument("--with-weights", action="store_true",
                        help="also write the re-run's weights and metadata into --out")
    parser.add_argument("--epochs", type=int, help="default: the shipped weights' epochs")
    parser.add_argument("--data", help="a dataset file or folder (default: the embedded "
                        "sample, which the shipped weights were trained on)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.archs) - set(ARCHS))
    if unknown:
        parser.error(f"unknown architecture(s) {', '.join(unknown)}; choose from {', '.join(ARCHS)}")
    if args.with_weights and args.out.resolve() == (ROOT / "trained").resolve():
        parser.error("--with-weights would replace the shipped weights; give another --out")
    from explorer.core.data import load_embedded
    from explorer.core.image_folder import load_path

    dataset = load_path(args.data) if args.data else load_embedded()
    for arch in args.archs or ARCHS:
        print(json.dumps(make_one(arch, dataset, args.out, args.with_weights, args.epochs)),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
