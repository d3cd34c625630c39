"""The weights' files: load, save (the current model's and every kept one's)
and export to .keras, each a command on the model thread.

Commands, not views: each runs, in order, even when another of the same kind
waits (two saves to two folders are two files), and a save the user asked
for still happens if the window closes meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.core import models, store, variants
from explorer.services import weights as kept_weights
from explorer.services.weights import Current

if TYPE_CHECKING:
    from explorer.services.session import Session


class WeightsFiles:
    """The session's file commands (the session keeps the public names)."""

    def __init__(self, session: Session):
        self.session = session

    def load_weights(self, path: str | os.PathLike,
                     on_loaded: Callable[[], None] | None = None) -> None:
        """Load a weights file the user picked; on failure the model is unchanged
        (and the error is a message). `on_loaded` is called once they are in."""
        path = Path(path)

        def job(state, model, dataset):
            store.load_weights(model, path)
            name = model.variant.name
            try:
                meta = store.load_metadata(name, path.parent)
                if path.name != store.weights_path(name).name:
                    meta = None  # the JSON beside it describes another file
            except store.StoreError:
                meta = None
            return name, meta

        def done(answer):
            name, meta = answer
            note = meta.summary() if meta else "no metadata"
            self.session._set_current(Current(name, meta, f"loaded {path.name}: {note}", path=path))
            self.session.weights_changed.emit()
            if on_loaded is not None:
                on_loaded()

        self.session.command("load weights", job, done, progress_title=f"Loading {path.name}")

    def save_weights(self, folder: str | os.PathLike | None = None,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        folder = Path(folder) if folder else self.session.save_folder
        meta = self.session.metadata or self._metadata_without_training()
        saved = self.session.current

        def job(state, model, dataset):
            return store.save(model, meta, folder)

        def done(path):
            if self.session.current is saved:  # nothing replaced them meanwhile
                self.session._set_current(replace(saved, unsaved=False, path=Path(path)))
            self.session.status_message.emit(f"Saved {path}")
            self.session.weights_saved.emit(path)  # what belongs with them (the time-lapse) follows
            if on_saved:
                on_saved(path)

        # A save the user asked for still happens if the window closes meanwhile.
        self.session.command("save weights", job, done, keep_on_shutdown=True,
                             progress_title="Saving the weights")

    def save_unsaved(self, folder: str | os.PathLike | None = None,
                     on_saved: Callable[[list[Path]], None] | None = None) -> None:
        """Save every model's unsaved weights (the loaded ones and the kept)."""
        folder = Path(folder) if folder else self.session.save_folder
        written: list[Path] = []
        kept = {n: k for n, k in self.session.book.unsaved().items() if n != self.session.current.name}
        if self.session.current.unsaved:
            self.save_weights(folder, on_saved=written.append)
        for name, k in kept.items():
            fallback = self._metadata_without_training(variants.parse(name))

            def job(state, model, dataset, name=name, k=k, fallback=fallback):
                return kept_weights.save_kept(name, k, folder, fallback)

            def done(path, name=name):
                self.session.book.mark_saved(name)
                written.append(path)

            self.session.command("save kept weights", job, done, keep_on_shutdown=True,
                                 progress_title=f"Saving the {name} weights")
        if on_saved is not None:  # after the saves: commands run in order
            self.session.command("saved", lambda s, m, d: None, lambda _r: on_saved(written))

    def export_keras(self, path: str | os.PathLike,
                     on_saved: Callable[[Path], None] | None = None) -> None:
        self.session.command("export keras", lambda s, m, d: store.export_keras(m, path),
                             on_saved or (lambda p: self.session.status_message.emit(f"Exported {p}")),
                             keep_on_shutdown=True, progress_title="Exporting the model")

    def _metadata_without_training(self, v: variants.Variant | None = None) -> store.Metadata:
        keras_version = ""
        try:
            import keras

            keras_version = keras.__version__
        except ImportError:  # pragma: no cover - Keras is a dependency
            pass
        v = v or self.session.variant
        spec = models.spec(v.arch_id)
        return store.Metadata(v.arch_id, keras_version, "adam", 0.001, 0,
                              spec.batch_size, spec.noise, None, None,
                              self.session.dataset.source, "", code_size=v.code_size)
