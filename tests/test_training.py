from __future__ import annotations

import gc
import threading
from unittest import mock

import numpy as np
import pytest

from explorer.core import models, training, training_inputs


def test_train_reports_batches_and_epochs(tiny):
    listener = mock.Mock()
    model = models.build("simple")
    config = training.TrainConfig("simple", epochs=2, batch_size=64)
    result = training.train(model, tiny, config, listener)
    assert result.status == "finished" and result.epochs_done == 2
    assert listener.on_epoch.call_count == 2
    epochs = [c.args[0] for c in listener.on_epoch.call_args_list]
    assert [e.epoch for e in epochs] == [1, 2]
    assert all(np.isfinite(e.train_loss) and np.isfinite(e.val_loss) for e in epochs)
    assert epochs[1].train_loss < epochs[0].train_loss
    batches = [c.args[0] for c in listener.on_batch.call_args_list]
    assert batches, "per-batch progress was reported"
    # the last batch of every epoch is always reported, so the bar reaches 100 %
    assert [b.batch for b in batches if b.batch == b.batches_per_epoch] == [4, 4]
    assert all(b.samples_per_s > 0 for b in batches)
    assert epochs[-1].eta_s == pytest.approx(0.0, abs=1e-6)
    # The trainer's own clock goes out with every report (the UI shows it as is).
    elapsed = [b.elapsed_s for b in batches]
    assert all(np.isfinite(elapsed)) and elapsed[0] > 0
    assert elapsed == sorted(elapsed) and elapsed[-1] <= epochs[-1].elapsed_s


def test_batch_loss_is_the_batchs_own_not_the_running_mean(tiny, monkeypatch):
    monkeypatch.setattr(training, "BATCH_REPORT_INTERVAL_S", 0.0)
    listener = mock.Mock()
    model = models.build("simple")
    # 256 digits in batches of 48: five full batches and a last one of 16
    training.train(model, tiny, training.TrainConfig("simple", 1, 48), listener)
    losses = np.array([c.args[0].loss for c in listener.on_batch.call_args_list])
    epoch_loss = listener.on_epoch.call_args.args[0].train_loss
    sizes = np.array([48] * 5 + [16])
    assert len(losses) == 6
    assert (losses * sizes).sum() / sizes.sum() == pytest.approx(epoch_loss, rel=1e-3)
    # the smaller last batch does not spike: it sits with its neighbours
    assert abs(losses[-1] - losses[-2]) < 0.1


def test_stop_takes_effect_within_one_batch(tiny, monkeypatch):
    monkeypatch.setattr(training, "BATCH_REPORT_INTERVAL_S", 0.0)
    stop = threading.Event()
    seen = []

    class Listener:
        def on_batch(self, p):
            seen.append(p.batch)
            if p.batch == 2:
                stop.set()

        def on_epoch(self, r):
            seen.append(("epoch", r.epoch))

    model = models.build("simple")
    result = training.train(model, tiny, training.TrainConfig("simple", 5, 16), Listener(), stop)
    assert result.status == "stopped"
    assert result.epochs_done == 0
    # Stop was asked for while batch 2 was reported; batch 3 (already under way)
    # is the last to run, and nothing after it is reported or trained.
    assert seen == [1, 2]


def test_nan_loss_stops_and_restores_the_last_good_weights(tiny):
    model = models.build("simple")
    before = [w.copy() for w in model.autoencoder.get_weights()]
    config = training.TrainConfig("simple", epochs=3, batch_size=32, learning_rate=1e38)
    result = training.train(model, tiny, config, mock.Mock())
    assert result.status == "failed"
    assert "epoch 1" in result.error and "batch" in result.error
    assert "learning rate" in result.error
    after = model.autoencoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert all(np.isfinite(w).all() for w in after)


def _data_iterators_left() -> list:
    return [o for o in gc.get_objects() if type(o).__name__ in ("TFEpochIterator", "OwnedIterator")]


@pytest.mark.parametrize("ending", ["stopped", "failed"])
def test_a_run_ended_from_a_callback_frees_its_data_iterator_itself(tiny, ending, monkeypatch):
    """Not left to the collector: freed on the GUI thread, a tf.data iterator
    waits for tf.data's threads (the soak's window froze for up to 40 s)."""
    monkeypatch.setattr(training, "BATCH_REPORT_INTERVAL_S", 0.0)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # what is left is then what only the collector would free
    try:
        stop = threading.Event()
        lr = 1e38 if ending == "failed" else None

        class Listener:
            def on_batch(self, p):
                if p.batch == 2:
                    stop.set()

            def on_epoch(self, r):
                pass

        model = models.build("simple")
        config = training.TrainConfig("simple", 3, 16, learning_rate=lr)
        result = training.train(model, tiny, config, Listener(), stop)
        assert result.status == ending
        assert _data_iterators_left() == []
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


def test_denoise_trains_noisy_inputs_against_clean_targets(tiny):
    config = training.TrainConfig.for_arch("denoise", epochs=1)
    x_in, target, val_in, val_target = training_inputs.training_arrays(tiny, config)
    assert x_in.shape == target.shape == (256, 28, 28, 1)
    assert not np.array_equal(x_in, target)
    np.testing.assert_array_equal(target[..., 0], tiny.x_train)
    assert 0.0 <= x_in.min() and x_in.max() <= 1.0
    plain = training_inputs.training_arrays(tiny, training.TrainConfig.for_arch("conv", epochs=1))
    assert plain[0] is plain[1]


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), "epochs"),
    (dict(batch_size=0), "batch size"),
    (dict(noise=2.0), "noise"),
    (dict(learning_rate=-1.0), "learning rate"),
    (dict(optimizer="sgd"), "optimizer"),
])
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.TrainConfig.for_arch("simple", **kwargs).validate()


def test_for_arch_uses_the_seeds_settings():
    c = training.TrainConfig.for_arch("denoise")
    assert (c.epochs, c.batch_size, c.effective_noise) == (100, 128, 0.5)
    assert training.TrainConfig.for_arch("simple", optimizer="adadelta").effective_learning_rate == 1.0


def test_evaluate_loss_matches_keras_evaluate(tiny):
    model = models.build("conv")
    models.compile_model(model)
    x = models.to_model_input("conv", tiny.x_test)
    keras_loss = model.autoencoder.evaluate(x, x, verbose=0)
    assert training.evaluate_loss(model, tiny.x_test) == pytest.approx(keras_loss, rel=1e-3)


def test_pause_holds_training_and_serves_requests_until_resumed(tiny, monkeypatch):
    monkeypatch.setattr(training, "BATCH_REPORT_INTERVAL_S", 0.0)
    served = []
    control = training.TrainControl(between_batches=lambda: served.append(1))
    batches = []

    def on_batch(p):
        batches.append(p.batch)
        if p.batch == 1 and len(batches) == 1:
            control.pause()
            threading.Timer(0.3, control.unpause).start()

    listener = mock.Mock(on_batch=on_batch)
    model = models.build("simple")
    result = training.train(model, tiny, training.TrainConfig("simple", 1, 64), listener, control)
    assert result.status == "finished"
    assert batches == [1, 2, 3, 4]
    assert len(served) > 4, "requests were served while paused"


def test_stop_wakes_a_paused_run(tiny):
    control = training.TrainControl()

    def on_batch(p):
        control.pause()
        threading.Timer(0.2, control.request_stop).start()

    model = models.build("simple")
    result = training.train(model, tiny, training.TrainConfig("simple", 3, 64),
                            mock.Mock(on_batch=on_batch), control)
    assert result.status == "stopped"


def test_exact_bytes_round_trips_mnist_pixels_and_refuses_others(tiny):
    as_bytes = training_inputs.exact_bytes(tiny.x_train)
    assert as_bytes is not None and as_bytes.dtype == np.uint8
    np.testing.assert_array_equal(as_bytes.astype(np.float32) / np.float32(255), tiny.x_train)
    noisy = training_inputs.training_arrays(tiny, training.TrainConfig.for_arch("denoise", epochs=1))[0]
    assert training_inputs.exact_bytes(noisy) is None


def test_the_input_pipeline_feeds_exactly_the_training_arrays(tiny):
    keras = models.import_keras()
    config = training.TrainConfig.for_arch("denoise", epochs=1, batch_size=50)
    x_in, target, val_in, val_target = training_inputs.training_arrays(tiny, config)
    inputs = training_inputs.fit_inputs(keras, x_in, target, val_in, val_target, 50, seed=0)
    if "y" in inputs:
        pytest.skip("not the TensorFlow backend")
    seen_in, seen_target = zip(*[(np.asarray(a), np.asarray(b)) for a, b in inputs["x"]], strict=True)
    seen_in, seen_target = np.concatenate(seen_in), np.concatenate(seen_target)
    order = np.lexsort(target.reshape(len(target), -1).T)  # undo the shuffle
    got = np.lexsort(seen_target.reshape(len(seen_target), -1).T)
    np.testing.assert_array_equal(seen_target[got], target[order])
    assert len(seen_in) == len(x_in)
    vals = np.concatenate([np.asarray(b) for _, b in inputs["validation_data"]])
    np.testing.assert_array_equal(vals, val_target)


def test_validation_is_reported_as_a_phase_of_the_run(tiny):
    texts = []
    control = training.TrainControl(on_progress=lambda f, t: texts.append((f, t)))
    config = training.TrainConfig("simple", epochs=2, batch_size=64)
    result = training.train(models.build("simple"), tiny, config, None, control)
    assert result.status == "finished"
    phases = [t for _f, t in texts if t.startswith("validating")]
    assert phases == ["validating after epoch 1 of 2", "validating after epoch 2 of 2"]
    fractions = [f for f, _t in texts]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_the_eta_counts_the_validation_passes_still_to_come():
    """4 epochs of 10 batches; after epoch 1 (10 s training, 5 s validating) the
    remaining 30 batches take 30 s and the 3 passes to come 15 s."""
    config = training.TrainConfig("simple", epochs=4, batch_size=100)
    base = training._ProgressCallbackBase(config, 1000, None, training.TrainControl(), 500)
    base._elapsed = lambda: 15.0
    base._val_s, base._val_passes = 5.0, 1
    assert base._eta(10) == pytest.approx(30.0 + 15.0)
    # Before any pass is measured, one is estimated at a third of the training
    # time its samples would take: 5 batches' worth of 500 samples / 3.
    fresh = training._ProgressCallbackBase(config, 1000, None, training.TrainControl(), 500)
    fresh._elapsed = lambda: 5.0
    assert fresh._eta(5) == pytest.approx(35.0 + 4 * (1.0 * 5 / 3))
    no_val = training._ProgressCallbackBase(config, 1000, None, training.TrainControl(), 0)
    no_val._elapsed = lambda: 5.0
    assert no_val._eta(5) == pytest.approx(35.0)
