from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from explorer.core import models, store, training


def _meta(arch="simple", **kw):
    values = dict(arch_id=arch, keras_version="3", optimizer="adam", learning_rate=0.001,
                  epochs=1, batch_size=256, noise=0.0, train_loss=0.2, val_loss=0.21,
                  data_source="test data", date="2026-11-27T00:00:00+00:00")
    values.update(kw)
    return store.Metadata(**values)


def test_save_and_load_round_trip(tmp_path):
    model = models.build("conv")
    path = store.save(model, _meta("conv"), tmp_path)
    assert path == tmp_path / "conv.weights.h5"
    assert not list(tmp_path.glob("*.tmp")), "no temporary file left behind"
    other = models.build("conv")
    meta = store.load(other, tmp_path)
    assert meta.arch_id == "conv" and meta.val_loss == pytest.approx(0.21)
    for a, b in zip(model.autoencoder.get_weights(), other.autoencoder.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert "1 epoch" in meta.summary() and "test data" in meta.summary()


def test_weights_for_another_architecture_are_refused_and_nothing_changes(tmp_path):
    store.save(models.build("deep"), _meta("deep"), tmp_path)
    target = models.build("simple")
    before = target.autoencoder.get_weights()
    with pytest.raises(store.StoreError, match="deep.weights.h5.*'simple'"):
        store.load_weights(target, tmp_path / "deep.weights.h5")
    for a, b in zip(before, target.autoencoder.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_corrupt_weights_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "conv.weights.h5"
    bad.write_bytes(b"this is not HDF5")
    with pytest.raises(store.StoreError, match="conv.weights.h5"):
        store.load_weights(models.build("conv"), bad)


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"arch_id": "conv"}', "missing field"),
    ('["a list"]', "JSON object"),
])
def test_bad_metadata_is_a_clear_error(tmp_path, text, message):
    (tmp_path / "conv.json").write_text(text)
    with pytest.raises(store.StoreError, match=message):
        store.load_metadata("conv", tmp_path)


def test_unwritable_folder_is_a_clear_error_and_keeps_the_old_file(tmp_path):
    model = models.build("simple")
    store.save(model, _meta(), tmp_path)
    old = (tmp_path / "simple.weights.h5").read_bytes()
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(store.StoreError, match="cannot save"):
            store.save(model, _meta(), tmp_path)
    finally:
        os.chmod(tmp_path, 0o700)
    assert (tmp_path / "simple.weights.h5").read_bytes() == old


def test_save_into_a_file_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "trained"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(store.StoreError, match="cannot save"):
        store.save(models.build("simple"), _meta(), blocker)


def test_kill_during_save_leaves_the_previous_weights_intact(tmp_path):
    """SIGKILL a real process in the middle of saving, many times over."""
    model = models.build("deep")
    store.save(model, _meta("deep", epochs=7), tmp_path)
    good = (tmp_path / "deep.weights.h5").read_bytes()
    script = textwrap.dedent(f"""
        import sys
        from explorer.core import models, store
        m = models.build("deep")
        meta = store.Metadata("deep", "3", "adam", 0.001, 99, 256, 0.0, 0.1, 0.1, "x", "d")
        print("ready", flush=True)
        while True:
            store.save(m, meta, {str(tmp_path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.3)  # well into a stream of saves
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # Whatever instant the kill hit, the file is a complete weights file.
    restored = models.build("deep")
    store.load_weights(restored, tmp_path / "deep.weights.h5")
    meta = json.loads((tmp_path / "deep.json").read_text())
    assert meta["epochs"] in (7, 99)
    assert len(good) > 0


def test_a_save_removes_what_a_killed_save_left_behind(tmp_path):
    """Hidden temporary files older than a save could take are deleted; new ones stay."""
    old = [tmp_path / ".simple.weights.h5.ab12cd.tmp", tmp_path / ".simple.json.ef34gh.tmp",
           tmp_path / ".simple.weights.h5.ij56kl.weights.h5"]
    recent = tmp_path / ".simple.weights.h5.mn78op.tmp"  # perhaps another save, now
    unrelated = tmp_path / ".deep.weights.h5.qr90st.tmp"
    for path in old + [recent, unrelated]:
        path.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    for path in old + [unrelated]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    store.save(models.build("simple"), _meta("simple"), tmp_path)
    assert not any(path.exists() for path in old)
    assert recent.exists() and unrelated.exists()


def test_export_keras_file_loads_in_plain_keras(tmp_path, tiny):
    keras = models.import_keras()
    model = models.build("conv")
    path = store.export_keras(model, tmp_path / "mine")
    assert path.suffix == ".keras"
    loaded = keras.saving.load_model(str(path))
    x = models.to_model_input("conv", tiny.x_test[:5])
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               model.autoencoder.predict(x, verbose=0), atol=1e-6)


def test_unsafe_keras_file_is_refused(tmp_path):
    keras = models.import_keras()
    inputs = keras.Input((2,))
    outputs = keras.layers.Lambda(lambda t: t * 2)(inputs)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(str(path))
    with pytest.raises(store.StoreError, match="safely"):
        store.open_keras_file(path)


def test_make_metadata_from_a_training_result(tiny):
    model = models.build("simple")
    config = training.TrainConfig("simple", 1, 64)
    result = training.train(model, tiny, config)
    meta = store.make_metadata(model, result, config, tiny.source)
    assert meta.epochs == 1 and meta.train_loss == result.final.train_loss
    assert meta.history == ((result.final.train_loss, result.final.val_loss),)
