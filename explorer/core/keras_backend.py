"""Keras, imported once, quietly, and without leaving the garbage collector work.

TensorFlow takes seconds to import and logs from C++ while it does; every
part of the program that needs Keras asks `import_keras()` here (the window
paints before anyone does). `VERBOSE_BACKEND` (main.py --verbose) lets the
start-up log through.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading

# Set by `main.py --verbose` to let TensorFlow's start-up log through.
VERBOSE_BACKEND = False

# Whether automatic collection is switched on or off is decided under this
# lock, and once `take_over_garbage_collection` has run, it stays off.
_gc_lock = threading.Lock()
_gc_taken_over = False


def take_over_garbage_collection() -> None:
    """Switch automatic cyclic collection off for good: the caller collects.

    The window's GUI-thread collector calls it. Without it, an import of
    Keras running on the model thread meanwhile switched collection back
    on as it finished (it had been on when the import began), and
    collections then ran on whichever thread allocated, the model thread's
    included.
    """
    global _gc_taken_over
    with _gc_lock:
        _gc_taken_over = True
        gc.disable()


def import_keras():
    """Import Keras on first use (TensorFlow takes seconds to import).

    TensorFlow's C++ start-up log (oneDNN, CUDA probing) ignores
    TF_CPP_MIN_LOG_LEVEL in recent releases, so unless VERBOSE_BACKEND is set
    the process's stderr is closed at the file-descriptor level for the
    duration of the import and the device probe, and only then.
    """
    global _keras
    if _keras is not None:
        return _keras
    with _QuietStderr(not VERBOSE_BACKEND), _frozen_afterwards():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe logs here
            logging.getLogger("tensorflow").addFilter(_drop_expected_retracing)
    _keras = keras
    return keras


_keras = None


def _drop_expected_retracing(record: logging.LogRecord) -> bool:
    """Keep TensorFlow's "N out of the last M calls ... triggered tf.function
    retracing" out of the terminal of a live demo.

    Each model built (at every switch of architecture) traces its own predict
    graphs, first for the shape of its first call and once more for any
    batch size; TensorFlow counts those together across models and calls it
    excessive. It is expected here, and it said nothing to a lecturer.
    """
    return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _frozen_afterwards():
    """Run the block without cyclic garbage collection, then freeze the heap.

    TensorFlow and Keras leave over half a million long-lived Python objects.
    Python's full (generation-2) collection walks all of them, holding the
    GIL for 0.2-0.3 s, and it falls wherever an allocation happens to
    trigger it: during training that froze the window
    (the worst GUI stall, at the first validation trace, was one such
    collection). An import makes modules, not garbage, so nothing is lost by
    not collecting during it; `gc.freeze` then moves everything that exists
    into the permanent generation, which later collections skip.
    """
    with _gc_lock:
        was_enabled = gc.isenabled()
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            gc.freeze()
            if was_enabled and not _gc_taken_over:
                gc.enable()


class _QuietStderr:
    """Point fd 2 at /dev/null for the block (C++ logging bypasses sys.stderr)."""

    def __init__(self, active: bool):
        self.active = active
        self.saved = None

    def __enter__(self):
        if self.active:
            try:
                import sys

                sys.stderr.flush()
                self.saved = os.dup(2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            except OSError:
                self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            os.dup2(self.saved, 2)
            os.close(self.saved)
        return False


