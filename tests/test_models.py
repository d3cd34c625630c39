from __future__ import annotations

import types

import numpy as np
import pytest

from explorer.core import models


@pytest.mark.parametrize("arch, code_shape, params", [
    ("simple", (32,), 50992),
    ("sparse", (32,), 50992),
    ("deep", (32,), 222384),
    ("conv", (4, 4, 8), 4385),
    ("denoise", (7, 7, 32), 28353),
])
def test_build_shapes_and_shared_layers(arch, code_shape, params):
    m = models.build(arch)
    assert m.arch_id == arch
    assert tuple(m.encoder.output.shape[1:]) == code_shape
    assert models.spec(arch).code_shape == code_shape
    assert m.autoencoder.count_params() == params
    # The decoder and encoder reuse the autoencoder's layers, not copies of them.
    ae_layers = {id(layer) for layer in m.autoencoder.layers}
    assert all(id(layer) in ae_layers for layer in m.encoder.layers)
    assert all(id(layer) in ae_layers for layer in m.decoder.layers[1:])
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    codes = models.encode(m, x)
    assert codes.shape == (3, *code_shape)
    via_decoder = models.to_images(models.predict(m.decoder, codes))
    np.testing.assert_allclose(via_decoder, models.reconstruct(m, x), atol=1e-5)
    assert models.reconstruct(m, x).shape == (3, 28, 28)
    # The viewer is the autoencoder, with its code as a second output.
    via_autoencoder = models.predict(m.autoencoder, models.to_model_input(arch, x))
    np.testing.assert_allclose(models.to_images(via_autoencoder), models.reconstruct(m, x),
                               atol=1e-6)
    both = models.encode_and_reconstruct(m, x)
    np.testing.assert_allclose(both[0], codes, atol=1e-6)
    np.testing.assert_allclose(both[1], models.reconstruct(m, x), atol=1e-6)


def test_viewing_graph_survives_each_training_runs_compile():
    """Compile drops a model's traced predict graph; the viewer is never compiled.

    Otherwise the first reconstructions asked for during every run retrace the
    graph on the training thread (0.2 s for conv, inside the run).
    """
    m = models.build("conv")
    x = np.zeros((10, 28, 28), np.float32)
    models.encode_and_reconstruct(m, x)
    traced = m.viewer.predict_function
    assert traced is not None
    models.compile_model(m, "adam")
    assert m.autoencoder.predict_function is None
    assert m.viewer.predict_function is traced
    models.encode_and_reconstruct(m, x)
    assert m.viewer.predict_function is traced


def test_conv_keeps_the_seeds_unpadded_convolution():
    m = models.build("conv")
    convs = [layer for layer in m.autoencoder.layers if type(layer).__name__ == "Conv2D"]
    assert [c.padding for c in convs].count("valid") == 1
    assert tuple(m.autoencoder.output.shape[1:]) == (28, 28, 1)


def test_sparse_has_the_l1_activity_regulariser():
    m = models.build("sparse")
    reg = m.autoencoder.get_layer("code").activity_regularizer
    assert reg is not None
    assert reg.get_config()["l1"] == pytest.approx(1e-4)


def test_seed_settings():
    assert [models.spec(a).epochs for a in models.ARCH_IDS] == [50, 100, 100, 50, 100]
    assert [models.spec(a).batch_size for a in models.ARCH_IDS] == [256, 256, 256, 128, 128]
    assert models.spec("denoise").noise == 0.5


def test_unknown_architecture_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown architecture 'vae'"):
        models.build("vae")


def test_adadelta_uses_the_seeds_learning_rate():
    opt = models.make_optimizer("adadelta")
    assert float(opt.learning_rate) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        models.make_optimizer("adam", -1.0)


def test_layer_table_lists_every_layer_with_its_parameters():
    m = models.build("deep")
    rows = models.layer_table(m.autoencoder)
    assert sum(r.params for r in rows) == m.autoencoder.count_params()
    assert rows[-1].output_shape == "(batch, 784)"


def test_per_image_loss_matches_keras():
    keras = models.import_keras()
    rng = np.random.default_rng(1)
    x = rng.random((4, 28, 28)).astype(np.float32)
    p = rng.random((4, 28, 28)).astype(np.float32)
    expected = keras.losses.binary_crossentropy(x.reshape(4, -1), p.reshape(4, -1))
    np.testing.assert_allclose(models.per_image_loss(x, p), np.asarray(expected), rtol=1e-4)


def test_tensorflows_retracing_warning_stays_out_of_the_terminal(caplog):
    """Every new model traces its own graphs; TensorFlow's "excessive retracing"
    warning about that would only clutter a lecture's terminal."""
    import logging

    models.import_keras()
    x = np.zeros((7, 28, 28), np.float32)
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for batch in (3, 5, 7, 2, 6, 4):
            m = models.build("simple")
            models.reconstruct(m, x[:batch])
            models.reconstruct(m, x[:batch - 1])
        tf_logger = logging.getLogger("tensorflow")
        tf_logger.warning("some other TensorFlow warning")
    messages = [r.getMessage() for r in caplog.records]
    assert "some other TensorFlow warning" in messages
    assert not any("retracing" in m for m in messages)


@pytest.mark.parametrize("arch", models.ARCH_IDS)
def test_reinitialize_draws_fresh_weights_in_the_same_variables(arch, monkeypatch):
    """A fresh run's weights: new draws from each layer's own initializer,
    written into the model's variables (a compiled train function keeps
    them), with no whole new model built for them (garbage for the GUI
    thread's collector)."""
    model = models.build(arch)
    variables = list(model.autoencoder.weights)
    before = [np.array(v) for v in variables]
    monkeypatch.setattr(models, "build", lambda *a, **k: pytest.fail("a whole model was built"))
    models.reinitialize(model)
    first = [np.array(v) for v in variables]
    models.reinitialize(model)
    second = [np.array(v) for v in variables]
    assert [id(v) for v in model.autoencoder.weights] == [id(v) for v in variables]
    for v, a, b, c in zip(variables, before, first, second, strict=True):
        assert a.shape == b.shape == c.shape
        if v.path.endswith("bias"):
            assert not b.any() and not c.any()  # zeros, as built
            continue
        assert not np.array_equal(a, b) and not np.array_equal(b, c)  # a new draw each time
        # Glorot uniform, as built: the same bound and spread (within sampling error).
        assert np.abs(b).max() <= np.abs(a).max() / 0.9
        assert abs(a.std() - b.std()) <= 0.2 * a.std()


def test_reinitialize_refuses_a_layer_it_cannot_draw_again():
    """Weights it does not know how to draw (a batch norm's) are not silently left as trained."""
    keras = models.import_keras()
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense"),
                            keras.layers.BatchNormalization(name="norm")])
    kernel = np.array(net.layers[0].kernel)
    with pytest.raises(TypeError, match="'norm' has weights other than a kernel and a bias"):
        models.reinitialize(types.SimpleNamespace(autoencoder=net, arch_id="simple", code_size=3))
    assert np.array_equal(np.array(net.layers[0].kernel), kernel)  # nothing assigned
