"""What the Sweep tab draws, read from a sweep folder: plain numbers, no Qt, no TensorFlow.

`read_sweep(folder)` runs on the model thread (it reads a file or two per
trial, tens of milliseconds for a large sweep) and returns a frozen
`SweepPicture`: one row per trial for the table, its loss per epoch for the
curves, the "loss against code size" lines (one per architecture and
optimizer, the mean over repeats, from `SweepResults.loss_by_code_size`), the
shipped models' validation losses to mark on that plot, and each trial's
reconstructions of the same ten test digits.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import models, store, variants
from explorer.core.sweep_files import SweepFileError, TrialRecord, load_sweep
from explorer.core.tasks import TaskState, ensure


@dataclass(frozen=True)
class TrialRow:
    """One finished trial, as the table, the legend and the grid name it."""

    key: str  # the trial's folder name: simple-8-adam-r1
    label: str  # "simple-8 adam" (with " r2" when the sweep has repeats)
    short_label: str  # for legends and grid rows: what tells the trials apart ("8 adam")
    arch_id: str
    code_size: int
    optimizer: str
    repeat: int  # 0-based
    code_numbers: int
    compression_factor: float
    params: int
    epochs: int
    train_loss: float | None
    val_loss: float | None
    seconds: float
    worker: str
    status: str
    weights_path: Path
    # The loss per epoch: (epoch, training loss) and the epochs that have a validation loss.
    epochs_x: tuple[float, ...] = ()
    train_y: tuple[float, ...] = ()
    val_x: tuple[float, ...] = ()
    val_y: tuple[float, ...] = ()

    @property
    def variant(self) -> variants.Variant:
        return variants.variant(self.arch_id, self.code_size)


@dataclass(frozen=True)
class SizeLine:
    """One line of the "loss against code size" plot: an architecture and an optimizer."""

    label: str  # "simple, adam"
    arch_id: str
    optimizer: str
    code_sizes: tuple[int, ...]
    code_numbers: tuple[int, ...]  # the x of each point (numbers per digit's code)
    val_loss: tuple[float, ...]  # mean final validation loss over the repeats


@dataclass(frozen=True)
class SeedMark:
    """A shipped model at the tutorial's code size, with its validation loss."""

    arch_id: str
    code_numbers: int
    val_loss: float
    label: str  # "conv (Adam, 50 epochs)"


@dataclass(frozen=True, eq=False)  # arrays inside
class DigitsRow:
    """A trial's reconstructions of the ten digits, with the loss of each."""

    key: str
    title: str
    reconstructions: np.ndarray  # (10, 28, 28) float32 in [0, 1]
    losses: tuple[float, ...]
    originals: np.ndarray | None = None  # only when this trial saw other digits than the first


@dataclass(frozen=True, eq=False)
class SweepPicture:
    folder: Path
    rows: tuple[TrialRow, ...]
    lines: tuple[SizeLine, ...]
    seed_marks: tuple[SeedMark, ...]
    originals: np.ndarray | None  # (10, 28, 28): the digits every row reconstructs
    digit_rows: tuple[DigitsRow, ...]
    problems: tuple[str, ...]  # trial folders that could not be read, and why

    @property
    def summary(self) -> str:
        """One line over the tab: which sweep, how many trials, of what."""
        archs = sorted({r.arch_id for r in self.rows})
        sizes = sorted({r.code_size for r in self.rows})
        optimizers = sorted({r.optimizer for r in self.rows})
        n = len(self.rows)
        return (f"{self.folder.name}: {n} trial{'s' if n != 1 else ''} of "
                f"{', '.join(archs)}; code sizes {', '.join(str(s) for s in sizes)}; "
                f"{' and '.join(optimizers)}")

    def row(self, key: str) -> TrialRow:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(f"no trial {key!r} in this sweep")


def read_sweep(folder: str | os.PathLike, state: TaskState | None = None) -> SweepPicture:
    """Everything the tab shows of a sweep folder; SweepFileError if it holds no trial."""
    state = ensure(state)
    results = load_sweep(folder)
    state.check()
    rows = _rows(results.trials)
    lines = tuple(_line(arch, optimizer, points)
                  for (arch, optimizer), points in sorted(results.loss_by_code_size().items()))
    problems = list(results.problems)
    originals, digit_rows = _digit_rows(results.trials, rows, problems, state)
    return SweepPicture(Path(folder), rows, lines, shipped_marks(), originals, digit_rows,
                        tuple(problems))


def shipped_marks(folder: str | os.PathLike | None = None) -> tuple[SeedMark, ...]:
    """The five shipped models at their code sizes, with the validation loss in their
    metadata (`trained/<arch>.json`); a model whose file says none is left out."""
    folder = store.TRAINED_DIR if folder is None else Path(folder)
    marks = []
    for arch_id in models.ARCH_IDS:
        try:
            meta = store.load_metadata(arch_id, folder)
        except store.StoreError:
            continue
        if meta.val_loss is None or not math.isfinite(meta.val_loss):
            continue
        optimizer = {"adam": "Adam", "adadelta": "Adadelta"}.get(meta.optimizer, meta.optimizer)
        marks.append(SeedMark(arch_id, meta.variant.code_numbers, float(meta.val_loss),
                              f"{arch_id} ({optimizer}, {meta.epochs} epochs)"))
    return tuple(marks)


def _rows(trials) -> tuple[TrialRow, ...]:
    repeats = any(t.spec.repeat > 0 for t in trials)
    one_arch = len({t.spec.arch_id for t in trials}) == 1
    one_optimizer = len({t.spec.optimizer for t in trials}) == 1
    rows = []
    for t in trials:
        v = t.variant
        # The size always shows ("simple-32", not the seed's bare "simple"): sizes are
        # compared here. The short label drops what every trial has in common.
        rep = f" r{t.spec.repeat + 1}" if repeats else ""
        label = f"{v.arch_id}-{v.code_size} {t.spec.optimizer}{rep}"
        size = f"{v.code_size}" if one_arch else f"{v.arch_id}-{v.code_size}"
        short = f"{size} {v.size_text.split()[1]}" if one_arch and one_optimizer else size
        short += ("" if one_optimizer else f" {t.spec.optimizer}") + rep
        rows.append(_row(t, label, short))
    return tuple(rows)


def _row(t: TrialRecord, label: str, short_label: str) -> TrialRow:
    v = t.variant
    epochs = tuple(float(i) for i in range(1, len(t.history) + 1))
    val = [(x, h[1]) for x, h in zip(epochs, t.history, strict=True)
           if h[1] is not None and math.isfinite(h[1])]
    return TrialRow(
        key=t.spec.key, label=label, short_label=short_label, arch_id=v.arch_id, code_size=v.code_size,
        optimizer=t.spec.optimizer, repeat=t.spec.repeat, code_numbers=v.code_numbers,
        compression_factor=v.compression_factor, params=t.params, epochs=len(t.history),
        train_loss=t.train_loss, val_loss=t.val_loss, seconds=t.seconds, worker=t.worker,
        status=t.status, weights_path=t.weights_path, epochs_x=epochs,
        train_y=tuple(float(h[0]) for h in t.history),
        val_x=tuple(x for x, _ in val), val_y=tuple(float(y) for _, y in val))


def _line(arch_id: str, optimizer: str, points) -> SizeLine:
    sizes = tuple(size for size, _ in points)
    return SizeLine(f"{arch_id}, {optimizer}", arch_id, optimizer, sizes,
                    tuple(variants.variant(arch_id, s).code_numbers for s in sizes),
                    tuple(loss for _, loss in points))


def _digit_rows(trials, rows, problems: list[str], state: TaskState):
    """The reconstructions of every trial that saved its digits; the ten digits most
    trials share are the top row (a trial made on other data brings its own)."""
    shared = Counter(t.digit_indices for t in trials).most_common(1)[0][0] if trials else ()
    originals = None
    out = []
    for i, (t, row) in enumerate(zip(trials, rows, strict=True)):
        state.set_progress(i / max(len(trials), 1))
        state.check()
        try:
            digits, recon = t.digits()
        except SweepFileError as exc:
            problems.append(str(exc))
            continue
        own = None
        if t.digit_indices == shared:
            if originals is None:
                originals = digits
        else:
            own = digits
        losses = tuple(float(x) for x in models.per_image_loss(digits, recon))
        out.append(DigitsRow(row.key, row.short_label, recon, losses, own))
    state.set_progress(1.0)
    return originals, tuple(out)
