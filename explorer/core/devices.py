"""Which device runs the models: a GPU when TensorFlow sees one, else the CPU.

TensorFlow places training and inference on its first GPU by itself; what
the program adds is a choice (`--device cpu` hides the GPUs, for a fair
comparison or a GPU busy with something else) and a sentence saying which
device is used ("CPU, 2 threads", "GPU: NVIDIA H200"), for the terminal and
the status bar.

Hiding GPUs works only before TensorFlow initialises its devices, so
`use_device` sets the environment that CUDA and TensorFlow read at start;
called later it still tries TensorFlow's own switch and says clearly if
that is too late.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["DEVICE_CHOICES", "DeviceError", "use_device", "cpu_threads", "describe",
           "device_description"]

DEVICE_CHOICES = ("auto", "cpu")


class DeviceError(RuntimeError):
    """A device choice that cannot be honoured; the message says why."""


def use_device(choice: str) -> None:
    """Apply "auto" (a GPU when there is one) or "cpu" (never a GPU)."""
    if choice not in DEVICE_CHOICES:
        raise ValueError(f"unknown device {choice!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    # Take GPU memory as it is needed rather than all of it at start: a
    # desktop program shares the GPU with the screen and other programs.
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if choice != "cpu":
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"  # read by CUDA when TensorFlow first loads it
    os.environ["JAX_PLATFORMS"] = "cpu"  # for Keras on its JAX backend
    if "tensorflow" in sys.modules:
        import tensorflow as tf  # already imported: only its own switch can still work

        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError as exc:
            raise DeviceError("the CPU can only be chosen before TensorFlow has started its "
                              f"devices; start the program again with --device cpu ({exc})") from None


def cpu_threads() -> int:
    """How many CPU threads TensorFlow's kernels may use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def describe(gpu_names: Sequence[str], threads: int) -> str:
    """The sentence for a device: the first GPU's name, else the CPU and its threads."""
    if gpu_names:
        more = f" (1 of {len(gpu_names)} GPUs)" if len(gpu_names) > 1 else ""
        return f"GPU: {gpu_names[0]}{more}"
    return f"CPU, {threads} thread{'s' if threads != 1 else ''}"


def device_description() -> str:
    """Which device runs the models, e.g. "CPU, 2 threads" or "GPU: NVIDIA H200".

    Imports Keras (seconds, the first time): call it from the model thread
    or after the first model is built.
    """
    from explorer.core import models

    keras = models.import_keras()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")  # after set_visible_devices / CUDA's mask
        names = [_gpu_name(tf, gpu.name) for gpu in gpus]
        configured = tf.config.threading.get_intra_op_parallelism_threads()
        return describe(names, configured or cpu_threads())
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        return describe([getattr(d, "device_kind", "GPU") for d in gpus], cpu_threads())
    return describe([], cpu_threads())


def _gpu_name(tf, logical_name: str) -> str:
    """A GPU's product name (e.g. "NVIDIA H200") from TensorFlow's device details."""
    index = logical_name.rsplit(":", 1)[-1]
    for physical in tf.config.list_physical_devices("GPU"):
        if physical.name.rsplit(":", 1)[-1] == index:
            details = tf.config.experimental.get_device_details(physical)
            return str(details.get("device_name") or physical.name)
    return logical_name
