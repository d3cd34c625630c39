from __future__ import annotations

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
