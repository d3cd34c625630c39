"""What a recovery checkpoint costs per epoch: write time and size, per architecture.

Each model is trained one short epoch (so its optimizer state exists and is
saved with it), then `CheckpointWriter.write()` is timed five times; the
median is printed as JSON with the checkpoint's size on disk. Compare it
with the architecture's epoch time (bench_training.py) to see the share.

    python tests/benchmarks/bench_checkpoint.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from explorer.core import models, recovery, training
    from explorer.core.data import load_embedded

    data = load_embedded().subset(256, 64)
    out = {}
    for arch in models.ARCH_IDS:
        model = models.build(arch)
        training.train(model, data, training.TrainConfig.for_arch(arch, epochs=1, batch_size=128))
        with tempfile.TemporaryDirectory() as folder:
            writer = recovery.CheckpointWriter(model, training.TrainConfig.for_arch(arch), "bench",
                                               None, folder)
            writer.history = [training.EpochResult(1, 50, 0.1, 0.1, 1.0, 1.0, 1.0)]
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                writer.write()
                times.append(time.perf_counter() - t0)
            size = sum(p.stat().st_size for p in Path(folder).iterdir())
        out[arch] = {"write_ms_median": round(statistics.median(times) * 1000, 1),
                     "write_ms_max": round(max(times) * 1000, 1), "bytes": size}
    print(json.dumps({"benchmark": "checkpoint", "repeats": args.repeats, "per_arch": out}))


if __name__ == "__main__":
    main()
