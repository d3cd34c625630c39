"""What the weights of each model are, and that none is lost without a word.

The session has one model at a time, but a lecture goes back and forth:
train simple, look at sparse, try simple with an 8-unit code, come back to
simple. So when the window leaves a model, its weights (a few MB at most) are
kept for the session with their description, and coming back brings them
back instead of the shipped ones. Models are told apart by their variant
name (`core.variants`: "simple", "simple-8"), so each code size keeps its own.
Weights trained in this session and not saved since are *unsaved*;
`unsaved_work()` lists them, so the window can ask Save / Discard / Cancel
before anything replaces or drops them.

GUI thread only, except `keep_leaving`, `restore_kept` and `Companions`, which
run on the model thread (the first two inside the build job, hence the lock).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from explorer.core import models, store, variants


@dataclass(frozen=True, eq=False)
class KeptWeights:
    """An architecture's weights as the window left them."""

    weights: tuple[np.ndarray, ...]
    metadata: store.Metadata | None
    note: str
    unsaved: bool
    path: Path | None = None  # the file they were loaded from or saved to (a scene names it)


@dataclass(frozen=True)
class Current:
    """What the loaded model's weights are: their description and state.

    `name` is the model's variant name: the architecture id at the seed's
    code size ("simple"), else with the size ("simple-8").
    """

    name: str
    metadata: store.Metadata | None
    note: str
    unsaved: bool = False
    # The file these weights were loaded from or last saved to; None: fresh,
    # or trained and not saved. A scene records it with its checksum.
    path: Path | None = None

    @property
    def variant(self) -> variants.Variant:
        return variants.parse(self.name)

    @property
    def arch_id(self) -> str:
        return self.variant.arch_id


class WeightsBook:
    """Per model (by variant name): the weights left behind, for this session only."""

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
    if model is None or model.variant.name != current.name:
        return
    weights = tuple(np.array(w, copy=True) for w in model.autoencoder.get_weights())
    book.keep(current.name, KeptWeights(weights, current.metadata, current.note,
                                        current.unsaved, current.path))


def restore_kept(book: WeightsBook, model: models.Autoencoder) -> Current | None:
    """On the model thread: put back the weights kept for the model's variant."""
    name = model.variant.name
    kept = book.take(name)
    if kept is None:
        return None
    model.autoencoder.set_weights(list(kept.weights))
    note = kept.note if kept.note.endswith(KEPT_SUFFIX) else kept.note + KEPT_SUFFIX
    return Current(name, kept.metadata, note, kept.unsaved, kept.path)


KEPT_SUFFIX = " (kept from earlier in this session)"


def load_default(model: models.Autoencoder, trained_dir: str | os.PathLike | None) -> Current:
    """On the model thread: the weights a model starts with, or fresh ones with a
    note saying why.

    trained_dir None (the real program): the user's own saved weights, else
    the shipped ones (store.load_preferred). A folder (tests, a classroom
    setup): the weights in that folder.
    """
    name = model.variant.name
    if trained_dir is None:
        loaded = store.load_preferred(model)
        if loaded.path is None:
            models.reinitialize(model)  # a failed load may have left some layers set
        return Current(name, loaded.metadata, loaded.note, path=loaded.path)
    weights = store.weights_path(name, trained_dir)
    if not weights.exists():
        return Current(name, None,
                       f"fresh, untrained weights (no pre-trained file {weights.name})")
    try:
        store.load_weights(model, weights)
    except store.StoreError as exc:
        models.reinitialize(model)
        return Current(name, None,
                       f"fresh, untrained weights: the pre-trained file was unusable ({exc})")
    # Good weights are kept even when only their description is broken.
    try:
        meta = store.load_metadata(name, trained_dir)
    except store.StoreError as exc:
        return Current(name, None, f"pre-trained weights from {weights.name} "
                                   f"(their metadata: {exc})", path=weights)
    return Current(name, meta, "pre-trained: " + meta.summary(), path=weights)


def describe_unsaved(current: Current, book: WeightsBook) -> list[str]:
    """One line per model whose trained weights would be lost."""
    lines = []
    if current.unsaved:
        lines.append(_line(current.name, current.metadata))
    for name, kept in sorted(book.unsaved().items()):
        if name != current.name:
            lines.append(_line(name, kept.metadata))
    return lines


def _line(name: str, meta: store.Metadata | None) -> str:
    what = meta.summary() if meta is not None else "trained in this session"
    v = variants.parse(name)
    return f"{models.variant_spec(v.arch_id, v.code_size).title}: {what}"


def save_kept(name: str, kept: KeptWeights, folder: Path,
              fallback_meta: store.Metadata) -> Path:
    """On the model thread: write kept weights of another model (a throwaway
    model of that variant carries them to `<name>.weights.h5`)."""
    v = variants.parse(name)
    model = models.build(v.arch_id, v.code_size)
    model.autoencoder.set_weights(list(kept.weights))
    return store.save(model, kept.metadata or fallback_meta, folder)


class Companions:
    """Models built beside the loaded one, for views that set two models side
    by side (simple against sparse). Model thread only.

    `get` gives `arch_id`'s model (at the seed's code size) with the weights
    the window holds for it: the loaded model when it is that one, else one
    built (and kept for the next request) with its weights from this session,
    or those it starts with; rebuilt only when those weights change.
    """

    def __init__(self) -> None:
        self._built: dict[str, tuple[int | None, models.Autoencoder]] = {}

    def get(self, arch_id: str, loaded: models.Autoencoder | None, book: WeightsBook,
            trained_dir: str | os.PathLike | None) -> models.Autoencoder:
        if loaded is not None and loaded.variant.name == arch_id:
            return loaded
        kept = book.get(arch_id)
        identity = id(kept.weights) if kept is not None else None
        cached = self._built.get(arch_id)
        if cached is not None and cached[0] == identity:
            return cached[1]
        model = models.build(arch_id)
        if kept is not None:
            model.autoencoder.set_weights(list(kept.weights))
        else:
            load_default(model, trained_dir)
        self._built[arch_id] = (identity, model)
        return model
