"""A sweep's folder: one sub-folder per finished trial, and `sweep.csv`.

    OUT/sweep.csv                          one row per finished trial
    OUT/trials/<key>/<name>.weights.h5     the weights, as `store.save` writes them
    OUT/trials/<key>/<name>.json           their metadata (store.Metadata)
    OUT/trials/<key>/digits.npz            ten test digits and their reconstructions
    OUT/trials/<key>/trial.json            the trial: settings, history, losses, timings

`<key>` is the trial's `TrialSpec.key` (simple-8-adam-r1) and `<name>` the
variant's name (simple-8; the seed's size is plain "simple"), so a trial's
folder loads into `models.build(arch, code_size)` with `store.load`.
Every file is written atomically and `trial.json` last: a trial is finished
exactly when its trial.json is there, which is what a rerun skips.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from explorer.core import store, untrusted, variants
from explorer.core.sweep_trial import DataRef, TrialResult, TrialSpec

CSV_NAME = "sweep.csv"
TRIALS_DIR = "trials"
TRIAL_FILE = "trial.json"
DIGITS_FILE = "digits.npz"
FORMAT = "autoencoder-explorer sweep trial"

CSV_COLUMNS = ("arch", "code_size", "code_numbers", "optimizer", "repeat", "params",
               "compression_factor", "epochs", "train_loss", "val_loss", "seconds", "worker",
               "status")


class SweepFileError(store.StoreError):
    """A sweep folder or trial file that cannot be read or written; says which and why."""


@dataclass(frozen=True)
class TrialRecord:
    """A finished trial as read back from its folder (the weights stay on disk)."""

    folder: Path
    spec: TrialSpec
    data: DataRef
    status: str
    error: str | None
    history: tuple[tuple[float, float | None], ...]
    params: int
    mean_code_activation: float | None
    seconds: float
    train_seconds: float
    worker: str
    host: str
    data_source: str
    finished_at: str
    digit_indices: tuple[int, ...] = ()

    @property
    def variant(self) -> variants.Variant:
        return self.spec.variant

    @property
    def train_loss(self) -> float | None:
        return self.history[-1][0] if self.history else None

    @property
    def val_loss(self) -> float | None:
        return self.history[-1][1] if self.history else None

    @property
    def weights_path(self) -> Path:
        return store.weights_path(self.variant.name, self.folder)

    def digits(self) -> tuple[np.ndarray, np.ndarray]:
        """(originals, reconstructions) of the ten test digits, (10, 28, 28) float32 in [0, 1]."""
        path = self.folder / DIGITS_FILE
        # Member by member with every .npy header checked (untrusted.py), as a
        # dataset's .npz is: np.load lets zipfile's errors out, and allocates
        # whatever a header claims.
        try:
            size = path.stat().st_size
            with zipfile.ZipFile(path) as zf:
                members = {i.filename: i for i in zf.infolist()}
                arrays = [untrusted.read_npy_member(zf, members[f"{k}.npy"], size)
                          for k in ("originals", "reconstructions")]
            originals, recon = (np.asarray(a) for a in arrays)
            if originals.shape != (len(originals), 28, 28) or recon.shape != originals.shape:
                raise ValueError(f"digits of shape {originals.shape} and reconstructions of "
                                 f"shape {recon.shape}, not (n, 28, 28) each")
            return originals.astype(np.float32) / 255, recon.astype(np.float32) / 255
        except (TypeError, untrusted.Refused, *untrusted.DAMAGED_ARCHIVE_ERRORS) as exc:
            raise SweepFileError(f"{path}: cannot read the trial's digits "
                                 f"({exc or type(exc).__name__})") from None

    def load_model(self):
        """The trial's model, built and with its weights loaded (needs Keras)."""
        from explorer.core import models

        model = models.build(self.spec.arch_id, self.spec.code_size)
        store.load(model, self.folder)
        return model


@dataclass(frozen=True)
class SweepResults:
    """Every finished trial of a sweep folder, sorted by architecture, optimizer, size."""

    folder: Path
    trials: tuple[TrialRecord, ...]
    problems: tuple[str, ...] = ()  # trial folders that could not be read, and why

    def loss_by_code_size(self) -> dict[tuple[str, str], tuple[tuple[int, float], ...]]:
        """{(arch, optimizer): ((code_size, mean final validation loss over repeats), ...)}.

        One line per optimizer for a "loss against code size" plot; trials
        without a validation loss (a diverged one) are left out.
        """
        groups: dict[tuple[str, str], dict[int, list[float]]] = {}
        for t in self.trials:
            if t.val_loss is not None:
                line = groups.setdefault((t.spec.arch_id, t.spec.optimizer), {})
                line.setdefault(t.spec.code_size, []).append(t.val_loss)
        return {k: tuple((size, float(np.mean(v))) for size, v in sorted(line.items()))
                for k, line in groups.items()}


def trial_folder(out_dir: str | os.PathLike, spec: TrialSpec) -> Path:
    return Path(out_dir) / TRIALS_DIR / spec.key


def write_trial(out_dir: str | os.PathLike, result: TrialResult) -> TrialRecord:
    """Write one trial's files (trial.json last), atomically; returns its record."""
    folder = trial_folder(out_dir, result.spec)
    store.save_weights_bytes(result.weights, result.metadata, folder)
    if result.originals is not None and result.reconstructions is not None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, originals=result.originals,
                            reconstructions=result.reconstructions,
                            indices=np.asarray(result.digit_indices, np.int64))
        store.write_bytes_atomically(folder / DIGITS_FILE, buffer.getvalue())
    record = TrialRecord(
        folder=folder, spec=result.spec, data=result.data, status=result.status,
        error=result.error, history=result.history, params=result.params,
        mean_code_activation=result.mean_code_activation, seconds=result.seconds,
        train_seconds=result.train_seconds, worker=result.worker, host=result.host,
        data_source=result.data_source,
        finished_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        digit_indices=result.digit_indices)
    store.write_text_atomically(folder / TRIAL_FILE, json.dumps(_record_json(record), indent=2))
    return record


def _record_json(record: TrialRecord) -> dict:
    v = record.variant
    out = {"format": FORMAT, "version": 1, "spec": asdict(record.spec),
           "data": asdict(record.data)}
    for f in fields(TrialRecord):
        if f.name not in ("folder", "spec", "data"):
            out[f.name] = getattr(record, f.name)
    out.update(name=v.name, code_shape=list(v.code_shape), code_numbers=v.code_numbers,
               compression_factor=v.compression_factor, train_loss=record.train_loss,
               val_loss=record.val_loss, weights=record.weights_path.name)
    return out


def read_trial(folder: str | os.PathLike) -> TrialRecord:
    """A trial folder's record; SweepFileError if trial.json is missing or damaged."""
    folder = Path(folder)
    path = folder / TRIAL_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepFileError(f"{path}: no trial file (the trial did not finish)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepFileError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:  # arrays nested thousands deep: no trial file looks like that
        raise SweepFileError(f"{path}: not a trial this program wrote (nested too deep)") from None
    try:
        if raw.get("format") != FORMAT:
            raise ValueError("not a sweep trial file")
        spec = TrialSpec(**raw["spec"])
        spec.validate()
        record = TrialRecord(
            folder=folder, spec=spec, data=DataRef(**raw["data"]), status=str(raw["status"]),
            error=raw.get("error"),
            history=tuple((float(t), None if v is None else float(v)) for t, v in raw["history"]),
            params=int(raw["params"]),
            mean_code_activation=_optional_float(raw.get("mean_code_activation")),
            seconds=float(raw["seconds"]), train_seconds=float(raw["train_seconds"]),
            worker=str(raw["worker"]), host=str(raw.get("host", "")),
            data_source=str(raw.get("data_source", "")),
            finished_at=str(raw.get("finished_at", "")),
            digit_indices=tuple(int(i) for i in raw.get("digit_indices", ())))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SweepFileError(f"{path}: not a trial this program wrote ({exc})") from None
    if not record.weights_path.is_file():
        raise SweepFileError(f"{path}: its weights file {record.weights_path.name} is missing")
    return record


def _optional_float(v) -> float | None:
    return None if v is None else float(v)


def finished_trials(out_dir: str | os.PathLike) -> tuple[dict[str, TrialRecord], list[str]]:
    """({key: record} of every finished trial under out_dir, [problems with the others])."""
    records: dict[str, TrialRecord] = {}
    problems: list[str] = []
    root = Path(out_dir) / TRIALS_DIR
    if not root.is_dir():
        return records, problems
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (folder / TRIAL_FILE).exists():
            continue  # a trial that was running when the sweep stopped: rerun it
        try:
            record = read_trial(folder)
        except SweepFileError as exc:
            problems.append(str(exc))
            continue
        records[record.spec.key] = record
    return records, problems


def sort_key(record: TrialRecord):
    s = record.spec
    return (s.arch_id, s.optimizer, s.code_size, s.repeat)


def load_sweep(folder: str | os.PathLike) -> SweepResults:
    """Everything a finished (or partly finished) sweep folder holds.

    Raises SweepFileError for a folder that holds no trial at all.
    """
    folder = Path(folder)
    records, problems = finished_trials(folder)
    if not records:
        why = f" ({'; '.join(problems)})" if problems else ""
        raise SweepFileError(f"{folder}: no finished sweep trials here{why}; choose the folder "
                             f"given as --out to `main.py sweep`")
    return SweepResults(folder, tuple(sorted(records.values(), key=sort_key)), tuple(problems))


def csv_rows(records) -> list[dict]:
    rows = []
    for r in sorted(records, key=sort_key):
        v = r.variant
        rows.append({
            "arch": r.spec.arch_id, "code_size": r.spec.code_size, "code_numbers": v.code_numbers,
            "optimizer": r.spec.optimizer, "repeat": r.spec.repeat + 1, "params": r.params,
            "compression_factor": f"{v.compression_factor:.4g}", "epochs": len(r.history),
            "train_loss": _loss_text(r.train_loss), "val_loss": _loss_text(r.val_loss),
            "seconds": f"{r.seconds:.1f}", "worker": r.worker, "status": r.status})
    return rows


def _loss_text(v: float | None) -> str:
    return "" if v is None else f"{v:.6f}"


def write_csv(out_dir: str | os.PathLike, records) -> Path:
    """(Re)write OUT/sweep.csv from the records, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(records))
    return store.write_text_atomically(Path(out_dir) / CSV_NAME, buffer.getvalue())


_TABLE = (("arch", "arch", "<"), ("code", "code_size", ">"), ("optimizer", "optimizer", "<"),
          ("rep", "repeat", ">"), ("params", "params", ">"),
          ("compression", "compression_factor", ">"), ("train loss", "train_loss", ">"),
          ("val loss", "val_loss", ">"), ("seconds", "seconds", ">"), ("worker", "worker", "<"))


def format_table(records) -> str:
    """The sweep as an aligned text table, one line per trial, as the terminal shows it."""
    rows = csv_rows(records)
    for row in rows:
        row["params"] = f"{row['params']:,}"
        for k in ("train_loss", "val_loss"):
            row[k] = f"{float(row[k]):.4f}" if row[k] else "-"
        if row["status"] != "finished":
            row["val_loss"] += f" ({row['status']})"
    cells = [[h for h, _, _ in _TABLE]] + [[str(r[k]) for _, k, _ in _TABLE] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_TABLE))]
    lines = []
    for line in cells:
        parts = [c.ljust(w) if align == "<" else c.rjust(w)
                 for c, w, (_, _, align) in zip(line, widths, _TABLE, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
