"""Sweep folders for the window's tests, written by the sweep's own file code (no Dask).

Each trial is trained for real (one epoch on a few hundred digits, in this
process), so its weights load into its variant; its per-epoch losses are then
set to chosen figures, in which the loss falls as the code grows, so that a
test can check what the plots draw against numbers it knows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from explorer.core import sweep_files
from explorer.core.sweep_trial import DataRef, TrialSpec, run_trial

SMALL = DataRef(None, 256, 64)
# code size -> (train, validation) losses of the two epochs: a wider code, a lower loss.
HISTORIES = {
    2: ((0.32, 0.30), (0.27, 0.26)),
    8: ((0.24, 0.23), (0.19, 0.185)),
    32: ((0.18, 0.175), (0.12, 0.118)),
}
# The 8-unit model filed again as an Adadelta trial: a second line on the size plot.
ADADELTA_8 = ((0.40, 0.39), (0.33, 0.325))


def _filed(result, history, optimizer: str | None = None):
    """The trained result with the chosen history (and optimizer) in every file."""
    spec = dataclasses.replace(result.spec, epochs=len(history),
                               optimizer=optimizer or result.spec.optimizer)
    meta = dataclasses.replace(result.metadata, optimizer=spec.optimizer, epochs=len(history),
                               history=history, train_loss=history[-1][0],
                               val_loss=history[-1][1])
    return dataclasses.replace(result, spec=spec, history=history, metadata=meta)


def write_small_sweep(out: Path) -> Path:
    """simple at code sizes 2, 8 and 32 with Adam, and 8 with Adadelta; sweep.csv too."""
    records = []
    for size, history in HISTORIES.items():
        result = run_trial(TrialSpec("simple", size, "adam", epochs=1, batch_size=64), SMALL)
        records.append(sweep_files.write_trial(out, _filed(result, history)))
        if size == 8:
            records.append(sweep_files.write_trial(out, _filed(result, ADADELTA_8, "adadelta")))
    sweep_files.write_csv(out, records)
    return out
