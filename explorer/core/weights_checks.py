"""Weights files from elsewhere, checked before Keras reads a byte of their data.

Keras reads each array of a weights file in full before it compares its
shape with the layer's, and builds every layer of a .keras archive (its
weights allocated) before it reads any: a forged file of a few kilobytes
could make it allocate gigabytes. These checks look at the declared shapes
and types first (the fuzz harness, tests/fuzz, found both).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from explorer.core import models, untrusted

__all__ = ["check_keras_archive", "check_weights_file"]


def check_weights_file(path: Path, model: models.Autoencoder) -> None:
    """Refuse, before Keras reads a byte of data, a file whose arrays are not numbers
    or are larger than this whole model: Keras reads each array in full before
    comparing its shape, and an empty chunked array may declare gigabytes."""
    _check_h5_arrays(path, sum(w.nbytes for w in model.autoencoder.get_weights()))


def _check_h5_arrays(source, limit: int) -> None:
    """Raise ValueError for an HDF5 file (a path or a file object) holding an array
    that is not numbers or that declares more than `limit` bytes."""
    import h5py

    problems: list[str] = []

    def visit(name: str, obj) -> None:
        if isinstance(obj, h5py.Dataset) and not problems:
            if obj.dtype.kind not in "fiu":
                problems.append(f"{name} holds {obj.dtype} values, not numbers")
            elif obj.size * obj.dtype.itemsize > limit:
                problems.append(f"{name} declares {obj.shape}, more than the whole model holds")

    try:
        with h5py.File(source, "r") as f:
            f.visititems(visit)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ValueError(f"not a readable HDF5 weights file ({str(exc)[:200]})") from None
    if problems:
        raise ValueError(problems[0])


def check_keras_archive(keras, path: Path) -> None:
    """Refuse a .keras archive before Keras builds the model it describes.

    Keras builds every layer (allocating and filling its weights) before it
    reads a single weight, so a config of a few bytes, `"units": 262144`,
    took 2.5 GB and 7 s here before failing. The model is first built
    without state (`keras.StatelessScope` defers every variable's
    initialisation) to count the bytes its weights need; a genuine file
    stores all of them in model.weights.h5.
    """
    import zipfile

    size = path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            untrusted.check_zip_member(info, size)
        config = json.loads(zf.read("config.json"))
        stored = zf.getinfo("model.weights.h5").file_size
    if not isinstance(config, dict):
        raise ValueError("config.json does not describe a model")
    config = dict(config, compile_config=None)
    from keras.src.backend.common import global_state

    # initialize_variables=False, or leaving the scope would allocate them
    # all; Keras then keeps them in a global list of variables to initialise
    # later, which is put back as it was (else each check would leak a model).
    pending = list(global_state.get_global_attribute("uninitialized_variables") or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        needed = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in model.weights)
    finally:
        global_state.set_global_attribute("uninitialized_variables", pending)
    if needed > stored:
        raise ValueError(f"its configuration declares {needed:,} bytes of weights but the "
                         f"file stores {stored:,}: it is damaged")
    # And no stored array larger than all the weights the model has (Keras
    # reads each in full before comparing shapes: 12.8 GB for a forged one).
    with zipfile.ZipFile(path) as zf, zf.open("model.weights.h5") as weights:
        _check_h5_arrays(weights, needed)
