"""What the weights of each architecture are, and that none is lost without a word.

The session has one model at a time, but a lecture goes back and forth:
train simple, look at sparse, come back to simple. So when the window leaves
an architecture, its weights (a few MB at most) are kept for the session
with their description, and coming back brings them back instead of the
shipped ones. Weights trained in this session and not saved since are
*unsaved*; `unsaved_work()` lists them, so the window can ask Save / Discard
/ Cancel before anything replaces or drops them.

GUI thread only, except `keep_leaving` and `restore_kept`, which run on the
model thread inside the build job (hence the lock).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from explorer.core import models, store


@dataclass(frozen=True, eq=False)
class KeptWeights:
    """An architecture's weights as the window left them."""

    weights: tuple[np.ndarray, ...]
    metadata: store.Metadata | None
    note: str
    unsaved: bool


@dataclass(frozen=True)
class Current:
    """What the loaded model's weights are: their description and state."""

    arch_id: str
    metadata: store.Metadata | None
    note: str
    unsaved: bool = False


class WeightsBook:
    """Per architecture: the weights left behind, for this session only."""

    def __init__(self) -> None:
        self._kept: dict[str, KeptWeights] = {}
        self._lock = threading.Lock()

    def keep(self, arch_id: str, kept: KeptWeights) -> None:
        with self._lock:
            self._kept[arch_id] = kept

    def take(self, arch_id: str) -> KeptWeights | None:
        """The kept weights of `arch_id`, removed from the book (the model holds them now)."""
        with self._lock:
            return self._kept.pop(arch_id, None)

    def forget(self, arch_id: str) -> None:
        with self._lock:
            self._kept.pop(arch_id, None)

    def get(self, arch_id: str) -> KeptWeights | None:
        with self._lock:
            return self._kept.get(arch_id)

    def unsaved(self) -> dict[str, KeptWeights]:
        with self._lock:
            return {a: k for a, k in self._kept.items() if k.unsaved}

    def mark_saved(self, arch_id: str) -> None:
        with self._lock:
            kept = self._kept.get(arch_id)
            if kept is not None:
                self._kept[arch_id] = replace(kept, unsaved=False)


def keep_leaving(book: WeightsBook, model: models.Autoencoder | None, current: Current) -> None:
    """On the model thread, before another model replaces `model`: keep its weights."""
    if model is None or model.arch_id != current.arch_id:
        return
    weights = tuple(np.array(w, copy=True) for w in model.autoencoder.get_weights())
    book.keep(current.arch_id, KeptWeights(weights, current.metadata, current.note,
                                           current.unsaved))


def restore_kept(book: WeightsBook, model: models.Autoencoder) -> Current | None:
    """On the model thread: put back the weights kept for the model's architecture."""
    kept = book.take(model.arch_id)
    if kept is None:
        return None
    model.autoencoder.set_weights(list(kept.weights))
    note = kept.note if kept.note.endswith(KEPT_SUFFIX) else kept.note + KEPT_SUFFIX
    return Current(model.arch_id, kept.metadata, note, kept.unsaved)


KEPT_SUFFIX = " (kept from earlier in this session)"


def load_default(model: models.Autoencoder, trained_dir: str | os.PathLike | None) -> Current:
    """On the model thread: the weights a model starts with, or fresh ones with a
    note saying why.

    trained_dir None (the real program): the user's own saved weights, else
    the shipped ones (store.load_preferred). A folder (tests, a classroom
    setup): the weights in that folder.
    """
    if trained_dir is None:
        loaded = store.load_preferred(model)
        if loaded.path is None:
            models.reinitialize(model)  # a failed load may have left some layers set
        return Current(model.arch_id, loaded.metadata, loaded.note)
    arch_id = model.arch_id
    weights = store.weights_path(arch_id, trained_dir)
    if not weights.exists():
        return Current(arch_id, None,
                       f"fresh, untrained weights (no pre-trained file {weights.name})")
    try:
        store.load_weights(model, weights)
    except store.StoreError as exc:
        models.reinitialize(model)
        return Current(arch_id, None,
                       f"fresh, untrained weights: the pre-trained file was unusable ({exc})")
    # Good weights are kept even when only their description is broken.
    try:
        meta = store.load_metadata(arch_id, trained_dir)
    except store.StoreError as exc:
        return Current(arch_id, None, f"pre-trained weights from {weights.name} "
                                      f"(their metadata: {exc})")
    return Current(arch_id, meta, "pre-trained: " + meta.summary())


def describe_unsaved(current: Current, book: WeightsBook) -> list[str]:
    """One line per architecture whose trained weights would be lost."""
    lines = []
    if current.unsaved:
        lines.append(_line(current.arch_id, current.metadata))
    for arch_id, kept in sorted(book.unsaved().items()):
        if arch_id != current.arch_id:
            lines.append(_line(arch_id, kept.metadata))
    return lines


def _line(arch_id: str, meta: store.Metadata | None) -> str:
    what = meta.summary() if meta is not None else "trained in this session"
    return f"{models.spec(arch_id).title}: {what}"


def save_kept(arch_id: str, kept: KeptWeights, folder: Path,
              fallback_meta: store.Metadata) -> Path:
    """On the model thread: write kept weights of another architecture (a
    throwaway model of that architecture carries them to the file)."""
    model = models.build(arch_id)
    model.autoencoder.set_weights(list(kept.weights))
    return store.save(model, kept.metadata or fallback_meta, folder)
