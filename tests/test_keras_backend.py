"""Automatic garbage collection: off while Keras is imported, and off for good once the
window's collector has taken it over, even when an import finishes after that."""

from __future__ import annotations

import gc

from explorer.core import keras_backend


def test_an_import_that_ends_after_the_take_over_leaves_collection_off(monkeypatch):
    monkeypatch.setattr(keras_backend, "_gc_taken_over", False)
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with keras_backend._frozen_afterwards():  # Keras importing on the model thread
            assert not gc.isenabled()
            keras_backend.take_over_garbage_collection()  # the GUI thread's collector, meanwhile
        assert not gc.isenabled()
        monkeypatch.setattr(keras_backend, "_gc_taken_over", False)
        gc.enable()
        with keras_backend._frozen_afterwards():
            pass
        assert gc.isenabled()  # with nobody taking over, it is put back as it was
    finally:
        (gc.enable if was_enabled else gc.disable)()
