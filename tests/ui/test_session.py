from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from explorer.core import models, training
from explorer.services.session import Session


@pytest.fixture
def session(qtbot, tiny, tmp_path):
    s = Session(dataset=tiny, trained_dir=tmp_path)
    with qtbot.waitSignal(s.backend_ready, timeout=60000):
        s.start()
    yield s
    assert s.shutdown(5000)


def test_jobs_run_off_the_gui_thread_and_answer_on_it(session, qtbot):
    gui = threading.current_thread()
    seen = {}

    def job(state, model, dataset):
        seen["thread"] = threading.current_thread()
        return models.reconstruct(model, dataset.x_test[:3])

    results = []
    session.submit("view", job, lambda r: (results.append(r), seen.update(done=threading.current_thread())))
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert seen["thread"] is not gui and seen["done"] is gui
    assert results[0].shape == (3, 28, 28)
    assert "fresh" in session.weights_note  # nothing in the empty trained dir


def test_a_newer_job_supersedes_a_pending_one(session, qtbot):
    gate = threading.Event()
    answers = []
    session.submit("block", lambda s, m, d: gate.wait(5), lambda r: answers.append("block"))
    for i in range(5):
        session.submit("view", lambda s, m, d, i=i: i, lambda r: answers.append(r))
    gate.set()
    qtbot.waitUntil(lambda: 4 in answers, timeout=5000)
    qtbot.wait(50)
    assert answers == ["block", 4]


def test_errors_in_jobs_come_back_as_messages(session, qtbot):
    with qtbot.waitSignal(session.error_raised, timeout=5000) as blocker:
        session.submit("bad", lambda s, m, d: 1 / 0, None)
    assert "ZeroDivisionError" in blocker.args[0]


def test_training_emits_progress_and_serves_requests_between_batches(session, qtbot):
    epochs, answers = [], []
    session.epoch_finished.connect(epochs.append)

    def on_epoch(_):
        session.submit("view", lambda s, m, d: session.is_training, answers.append)

    session.epoch_finished.connect(on_epoch)
    config = training.TrainConfig("simple", epochs=3, batch_size=32)
    with qtbot.waitSignal(session.training_ended, timeout=60000) as blocker:
        session.train(config)
    assert blocker.args[0].status == "finished"
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert True in answers, "a request was answered while the run was still going"
    assert session.metadata.epochs == 3
    assert not session.is_training


def test_stop_and_pause(session, qtbot):
    config = training.TrainConfig("simple", epochs=50, batch_size=8)
    session.batch_finished.connect(lambda p: session.pause_training() if not session.is_paused else None)
    with qtbot.waitSignal(session.paused_changed, timeout=30000):
        session.train(config)
    assert session.is_training and session.is_paused
    with qtbot.waitSignal(session.training_ended, timeout=10000) as blocker:
        session.stop_training()
    assert blocker.args[0].status == "stopped"
    assert not session.is_paused


def test_training_failure_is_reported_and_weights_restored(session, qtbot):
    weights = []
    session.submit("w", lambda s, m, d: [w.copy() for w in m.autoencoder.get_weights()],
                   weights.append)
    qtbot.waitUntil(lambda: bool(weights), timeout=5000)
    config = training.TrainConfig("simple", epochs=2, batch_size=32, learning_rate=1e38)
    with qtbot.waitSignal(session.error_raised, timeout=60000) as blocker:
        session.train(config)
    assert "learning rate" in blocker.args[0]
    after = []
    session.submit("w", lambda s, m, d: m.autoencoder.get_weights(), after.append)
    qtbot.waitUntil(lambda: bool(after), timeout=5000)
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], after[0], strict=True))


def test_missing_or_damaged_pretrained_file_falls_back_with_a_note(qtbot, tiny, tmp_path):
    (tmp_path / "conv.weights.h5").write_bytes(b"garbage")
    (tmp_path / "conv.json").write_text("{}")
    s = Session(dataset=tiny, trained_dir=tmp_path, arch_id="conv")
    with qtbot.waitSignal(s.backend_ready, timeout=60000):
        s.start()
    assert "fresh" in s.weights_note and "unusable" in s.weights_note
    assert s.shutdown(5000)


def test_a_fresh_run_stopped_before_its_first_epoch_keeps_the_old_weights(session, qtbot):
    before = []
    session.submit("w", lambda s, m, d: [w.copy() for w in m.autoencoder.get_weights()],
                   before.append)
    qtbot.waitUntil(lambda: bool(before), timeout=5000)
    session.batch_finished.connect(lambda p: session.stop_training())
    with qtbot.waitSignal(session.training_ended, timeout=60000) as blocker:
        session.train(training.TrainConfig("simple", epochs=5, batch_size=8), fresh=True)
    assert blocker.args[0].status == "stopped" and blocker.args[0].epochs_done == 0
    after = []
    session.submit("w", lambda s, m, d: m.autoencoder.get_weights(), after.append)
    qtbot.waitUntil(lambda: bool(after), timeout=5000)
    assert all(np.array_equal(a, b) for a, b in zip(before[0], after[0], strict=True))


def _snapshot(state, model, dataset):
    """A model job: the model, its traced viewing graph and a copy of its weights."""
    models.reconstruct(model, dataset.x_test[:3])  # traces the viewer's graph
    return (model, model.viewer.predict_function,
            [w.copy() for w in model.autoencoder.get_weights()])


def test_a_fresh_run_draws_new_weights_into_the_same_model(session, qtbot):
    """Fresh weights, but the model (and its traced viewing graph) is kept."""
    seen = []

    session.submit("w", _snapshot, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    with qtbot.waitSignal(session.training_ended, timeout=60000) as blocker:
        session.train(training.TrainConfig("simple", epochs=1, batch_size=32), fresh=True)
    assert blocker.args[0].status == "finished"
    session.submit("w", _snapshot, seen.append)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    (model_a, graph_a, weights_a), (model_b, graph_b, weights_b) = seen
    assert model_b is model_a and graph_b is graph_a
    assert not any(np.array_equal(a, b) for a, b in zip(weights_a, weights_b, strict=True) if a.ndim == 2)


def test_switching_back_reuses_the_model_built_before_with_its_kept_weights(session, qtbot):
    """A switch back is not a new build: the model keeps its traced viewing graph
    (a replaced one was garbage holding TensorFlow functions, freed on the GUI
    thread), and its weights are the ones kept when it was left."""
    seen = []

    with qtbot.waitSignal(session.training_ended, timeout=60000):
        session.train(training.TrainConfig("simple", epochs=1, batch_size=32), fresh=True)
    session.submit("w", _snapshot, seen.append)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    for arch in ("sparse", "simple"):
        with qtbot.waitSignal(session.model_changed, timeout=60000):
            session.select_architecture(arch)
    session.submit("w", _snapshot, seen.append)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    (model_a, graph_a, weights_a), (model_b, graph_b, weights_b) = seen
    assert model_b is model_a and graph_b is graph_a
    assert all(np.array_equal(a, b) for a, b in zip(weights_a, weights_b, strict=True))
    assert "kept from earlier in this session" in session.weights_note
    assert session.model_pool.built == 2  # simple and sparse, once each


def test_no_python_object_crosses_threads_in_a_signal(session, qtbot):
    """Objects are emitted on the GUI thread; the model thread emits plain values.

    Qt copies a queued signal's Python argument while holding its signal-slot
    lock, and the copy needs the GIL: a GUI thread that holds the GIL while
    destroying a Qt object then waits for that lock for ever.
    """
    from PySide6.QtCore import Qt

    gui = threading.current_thread()
    object_signals = {"batch": session.batch_finished, "epoch": session.epoch_finished,
                      "ended": session.training_ended}
    seen = {name: set() for name in object_signals}
    for name, signal in object_signals.items():
        signal.connect(lambda *a, name=name: seen[name].add(threading.current_thread()),
                       Qt.ConnectionType.DirectConnection)
    worker_args = []
    for signal in (session.worker._job_finished, session.worker._job_failed,
                   session.worker.job_progress):
        signal.connect(lambda *a: worker_args.append(a), Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(session.training_ended, timeout=60000):
        session.train(training.TrainConfig("simple", epochs=2, batch_size=32))
    answers = []
    session.submit("view", lambda s, m, d: models.reconstruct(m, d.x_test[:2]), answers.append)
    session.submit("bad", lambda s, m, d: 1 / 0, on_error=answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=5000)
    assert all(threads == {gui} for threads in seen.values()), seen
    assert worker_args and all(isinstance(v, (int, float, str)) for a in worker_args for v in a)


def test_job_progress_reads_plainly_and_is_cleared_when_done(session, qtbot):
    messages = []
    session.status_message.connect(messages.append)

    def job(state, model, dataset):
        state.set_progress(0.5)
        state.set_progress(1.0)
        return True

    done = []
    session.submit("kmeans-points", job, done.append,
                   progress_title="Encoding the digits for the K-means lab")
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    qtbot.waitUntil(lambda: len(messages) >= 2, timeout=5000)
    assert messages[-2] == "Encoding the digits for the K-means lab: 50%"
    assert messages[-1] == ""  # no "99%" left behind in the status bar


def test_garbage_is_collected_on_the_gui_thread_only(session, qtbot):
    """A collection on the model thread destroyed GUI Qt objects there: a deadlock."""
    import gc
    import weakref

    assert not gc.isenabled()
    where = []

    class Node:
        pass

    node = Node()
    node.itself = node  # only the cyclic collector can free it
    ref = weakref.ref(node, lambda r: where.append(threading.current_thread()))
    del node

    def allocate_a_lot():  # would trigger collections here if they were automatic
        for _ in range(50_000):
            cycle = []
            cycle.append(cycle)

    worker = threading.Thread(target=allocate_a_lot)
    worker.start()
    worker.join()
    assert ref() is not None and not where
    qtbot.waitUntil(lambda: bool(where), timeout=5000)
    assert where == [threading.main_thread()]


def test_older_garbage_waits_while_a_model_job_runs(qtbot, monkeypatch):
    """Freeing an earlier run's TensorFlow function waits for the runtime the
    model thread is tracing with: the window froze for seconds. Only the
    youngest generation is collected during a job; the rest once it is idle."""
    import gc

    from explorer.services.gui_collector import GuiThreadCollector

    busy = [True]
    collected = []
    collector = GuiThreadCollector(lambda: busy[0])
    collector._timer.stop()
    t0, t1, t2 = collector.threshold
    monkeypatch.setattr(gc, "get_count", lambda: (t0 + 1, t1 + 1, t2 + 1))
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    collector.check()
    assert collected == [0] and collector.deferred == 1
    busy[0] = False
    collector.check()
    assert collected == [0, 0, 1, 2]
    # A model thread that is never idle: the older garbage waits 10 s, not for ever.
    busy[0] = True
    collected.clear()
    for _ in range(collector.MAX_WAIT_CHECKS + 1):
        collector.check()
    assert collected == [0] * (collector.MAX_WAIT_CHECKS + 1) + [1, 2]


# ------------------------------------------------ commands are never dropped
def test_save_export_save_during_a_run_all_happen_in_order(session, qtbot, tmp_path):
    """The data-loss bug: save, export and save shared one replaceable key, and
    only the last save happened."""
    first, second, exported = tmp_path / "first", tmp_path / "second", tmp_path / "m.keras"
    done = []
    session.batch_finished.connect(lambda _p: session.pause_training()
                                   if not session.is_paused and not done else None)
    config = training.TrainConfig("simple", epochs=50, batch_size=8)
    with qtbot.waitSignal(session.paused_changed, timeout=60000):
        session.train(config, n_train=128, n_test=32)
    assert session.is_training
    session.save_weights(first, on_saved=lambda p: done.append(("save", p.parent)))
    session.export_keras(exported, on_saved=lambda p: done.append(("export", p)))
    session.save_weights(second, on_saved=lambda p: done.append(("save", p.parent)))
    qtbot.waitUntil(lambda: len(done) == 3, timeout=60000)  # served while paused mid-run
    assert done == [("save", first), ("export", exported), ("save", second)]
    assert (first / "simple.weights.h5").is_file() and (first / "simple.json").is_file()
    assert (second / "simple.weights.h5").is_file() and exported.is_file()
    with qtbot.waitSignal(session.training_ended, timeout=60000):
        session.stop_training()


def test_a_failing_command_reports_its_error_and_the_next_still_runs(session, qtbot, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    errors, saved = [], []
    session.error_raised.connect(errors.append)
    session.save_weights(blocker / "inside", on_saved=saved.append)
    session.save_weights(tmp_path / "ok", on_saved=saved.append)
    qtbot.waitUntil(lambda: bool(saved) and bool(errors), timeout=30000)
    assert saved == [tmp_path / "ok" / "simple.weights.h5"]
    assert "inside" in errors[0] or "a-file" in errors[0]


def test_a_view_still_replaces_its_pending_predecessor_between_commands(session, qtbot):
    gate = threading.Event()
    order = []
    session.command("hold", lambda s, m, d: gate.wait(5), lambda r: order.append("hold"))
    for i in range(4):
        session.submit("slider", lambda s, m, d, i=i: i, lambda r: order.append(f"view {r}"))
        session.command("cmd", lambda s, m, d, i=i: i, lambda r: order.append(f"cmd {r}"))
    gate.set()
    qtbot.waitUntil(lambda: "cmd 3" in order, timeout=10000)
    qtbot.wait(50)
    assert [o for o in order if o.startswith("cmd")] == ["cmd 0", "cmd 1", "cmd 2", "cmd 3"]
    assert [o for o in order if o.startswith("view")] == ["view 3"]


def test_a_command_that_keeps_on_shutdown_runs_and_others_are_dropped(qtbot, tiny, tmp_path):
    s = Session(dataset=tiny, trained_dir=tmp_path)
    with qtbot.waitSignal(s.backend_ready, timeout=60000):
        s.start()
    gate, ran = threading.Event(), []
    s.command("hold", lambda st, m, d: gate.wait(5))
    s.save_weights(tmp_path / "kept")
    s.command("dropped", lambda st, m, d: ran.append("dropped"))
    threading.Timer(0.2, gate.set).start()
    assert s.shutdown(10000)
    assert (tmp_path / "kept" / "simple.weights.h5").is_file()
    assert ran == []


def test_a_switch_of_model_cancels_the_views_that_are_asked_again_for_the_new_model(qtbot, tiny,
                                                                                   tmp_path):
    """Encoding every digit with the model being left would make the switch wait behind it."""
    from explorer.services.session import Session

    session = Session(dataset=tiny, trained_dir=tmp_path, arch_id="simple")
    answers = []
    session.worker.cancel = lambda key, real=session.worker.cancel: (answers.append(key),
                                                                     real(key))
    session.submit("codes", lambda s, m, d: 1, asked_again_after_a_switch=True)
    session.submit("sweep", lambda s, m, d: 2)  # not bound to the model: kept
    session.select_architecture("sparse")
    assert answers == ["codes"]
    assert session.shutdown(5000)


def test_a_job_waits_while_older_garbage_is_collected(qtbot):
    """A job begun mid-collection would hold TensorFlow's runtime while the
    collection frees functions that wait for it: the gate keeps them apart."""
    from explorer.services import gui_collector, workers

    worker = workers.ModelWorker()
    ran = threading.Event()
    with gui_collector.job_gate:
        worker.submit("probe", lambda state: ran.set())
        assert not ran.wait(0.3)
    assert ran.wait(5)
    assert worker.shutdown(5000)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value: Linux")
def test_the_model_thread_runs_nicer_than_the_gui_thread(qtbot):
    """On two cores TensorFlow's threads took the CPU the GUI thread needed to
    paint; the model thread, and the runtime threads it starts, yield to it."""
    from explorer.services import workers

    def nice_of_this_thread(_state):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = workers.ModelWorker()
    answers = []
    try:
        worker.submit("nice", nice_of_this_thread, answers.append)
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    finally:
        assert worker.shutdown(5000)
    assert answers == [min(19, gui + workers.MODEL_THREAD_NICENESS)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui  # the GUI's unchanged
