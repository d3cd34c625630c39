"""Which device runs the models, in the words the terminal and the status bar show."""

from __future__ import annotations

import os

import pytest

from explorer.core import devices


def test_the_sentence_for_each_kind_of_machine():
    assert devices.describe([], 2) == "CPU, 2 threads"
    assert devices.describe([], 1) == "CPU, 1 thread"
    assert devices.describe(["NVIDIA H200"], 16) == "GPU: NVIDIA H200"
    assert devices.describe(["NVIDIA A100", "NVIDIA A100"], 16) == "GPU: NVIDIA A100 (1 of 2 GPUs)"


def test_this_machine_is_described_as_tensorflow_sees_it():
    import tensorflow as tf

    text = devices.device_description()
    if tf.config.list_logical_devices("GPU"):
        assert text.startswith("GPU: ")
    else:
        threads = tf.config.threading.get_intra_op_parallelism_threads() or devices.cpu_threads()
        assert text == devices.describe([], threads)
    assert devices.cpu_threads() >= 1
    if hasattr(os, "sched_getaffinity"):
        assert devices.cpu_threads() == len(os.sched_getaffinity(0))


def test_an_unknown_device_is_refused():
    with pytest.raises(ValueError, match="auto, cpu"):
        devices.use_device("tpu")
