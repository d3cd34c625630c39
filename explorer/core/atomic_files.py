"""Atomic file writes: a crash or a kill mid-write leaves the old file, never half a new one.

Every write goes to a hidden temporary file in the target's folder, is flushed
to disk, and is then moved over the target with `os.replace` (atomic on one
file system). Shared by the weights store and the exports.
"""

from __future__ import annotations

import glob
import os
import tempfile
import time
from pathlib import Path

__all__ = ["LEFTOVER_AGE_S", "remove_leftovers", "write_temp", "atomic_write", "keras_writer"]

# A temporary file this old was left by a save that was killed, not one
# still being written (a save takes seconds).
LEFTOVER_AGE_S = 600


def remove_leftovers(target: Path) -> None:
    """Delete the hidden temporary files of earlier saves of target that were killed."""
    now = time.time()
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*"):
        try:
            if now - leftover.stat().st_mtime > LEFTOVER_AGE_S:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: no reason to fail a save


def write_temp(target: Path, write) -> Path:
    """Call write(tmp_path) for a temporary file beside target, flushed to disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write(target: Path, write) -> None:
    """Call write(tmp_path), then move tmp over target in one step."""
    tmp = write_temp(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def keras_writer(save_to, ending: str):
    """A write(tmp) for write_temp around a Keras save that insists on its ending.

    Keras refuses file names without ".weights.h5" / ".keras", so it writes a
    sibling with that ending (same folder, so the final rename stays atomic),
    which then takes the temporary file's place.
    """
    def write(tmp: Path) -> None:
        named = tmp.with_name(tmp.name[:-len(".tmp")] + ending)
        try:
            save_to(str(named))
            os.replace(named, tmp)
        finally:
            named.unlink(missing_ok=True)

    return write
