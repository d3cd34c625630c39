"""The one task contract: progress, cancellation, sub-ranges, the no-op default."""

from __future__ import annotations

import threading

import pytest

from explorer.core import tasks
from explorer.core.tasks import NO_TASK, Cancelled, Task, TaskState, ensure
from explorer.core.training import TrainControl


def test_the_no_op_state_never_cancels_and_accepts_progress():
    NO_TASK.set_progress(0.5, "half")
    NO_TASK.check()
    assert not NO_TASK.is_cancelled()
    assert ensure(None) is NO_TASK


def test_ensure_refuses_what_is_not_a_task_state():
    with pytest.raises(TypeError, match="TaskState"):
        ensure(object())


def test_a_task_cancelled_from_another_thread_raises_at_the_next_check():
    task = Task()
    task.check()
    worker = threading.Thread(target=task.cancel)
    worker.start()
    worker.join()
    assert task.is_cancelled()
    with pytest.raises(Cancelled):
        task.check()


def test_progress_is_kept_and_forwarded():
    seen = []
    task = Task(on_progress=lambda f, t: seen.append((f, t)))
    task.set_progress(0.25, "encoding")
    assert (task.progress, task.text) == (0.25, "encoding")
    assert seen == [(0.25, "encoding")]


def test_a_subrange_maps_progress_and_shares_cancellation():
    seen = []
    task = Task(on_progress=lambda f, t: seen.append(f))
    part = task.subrange(0.8, 1.0)
    part.set_progress(0.0)
    part.set_progress(0.5)
    part.set_progress(2.0)  # clipped: a part never reports past its end
    assert seen == pytest.approx([0.8, 0.9, 1.0])
    task.cancel()
    with pytest.raises(Cancelled):
        part.check()


def test_a_training_control_is_a_task_state_whose_cancel_is_a_stop():
    seen = []
    control = TrainControl(on_progress=lambda f, t: seen.append((f, t)))
    assert isinstance(control, TaskState)
    control.set_progress(0.5, "epoch 1 of 2")
    control.request_stop()
    assert control.is_cancelled() and seen == [(0.5, "epoch 1 of 2")]
    with pytest.raises(tasks.Cancelled):
        control.check()
