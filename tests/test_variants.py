"""Code-size variants: built, named, described, saved and loaded like the five."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core import models, store, variants


@pytest.mark.parametrize("arch, size, code_shape, params", [
    # dense: 784*n + n (encoder) + n*784 + 784 (decoder)
    ("simple", 2, (2,), 784 * 2 + 2 + 2 * 784 + 784),
    ("sparse", 8, (8,), 784 * 8 + 8 + 8 * 784 + 784),
    # deep: only the code layer and the first decoder layer change
    ("deep", 2, (2,), 222384 - (64 * 32 + 32) - (32 * 64 + 64) + (64 * 2 + 2) + (2 * 64 + 64)),
    # conv: the code layer's filters, and the first decoder conv's input channels
    ("conv", 4, (4, 4, 4), 4385 - (9 * 8 * 8 + 8) - 9 * 8 * 8 + (9 * 8 * 4 + 4) + 9 * 4 * 8),
    ("denoise", 16, (7, 7, 16), 28353 - (9 * 32 * 32 + 32) - 9 * 32 * 32
     + (9 * 32 * 16 + 16) + 9 * 16 * 32),
])
def test_variants_build_with_their_code_shape(arch, size, code_shape, params):
    m = models.build(arch, size)
    assert (m.arch_id, m.code_size, m.variant.name) == (arch, size, f"{arch}-{size}")
    assert tuple(m.encoder.output.shape[1:]) == code_shape
    assert m.autoencoder.count_params() == params
    assert tuple(m.autoencoder.output.shape[1:]) == tuple(models.build(arch).autoencoder.output
                                                          .shape[1:])
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    codes, recon = models.encode_and_reconstruct(m, x)
    assert codes.shape == (3, *code_shape) and recon.shape == (3, 28, 28)
    np.testing.assert_allclose(models.to_images(models.predict(m.decoder, codes)), recon,
                               atol=1e-5)
    spec = models.variant_spec(arch, size)
    assert spec.code_shape == code_shape and spec.id == f"{arch}-{size}"
    assert spec.epochs == models.spec(arch).epochs


@pytest.mark.parametrize("arch", models.ARCH_IDS)
def test_the_seeds_size_builds_the_seeds_model(arch):
    seed_size = variants.SEED_CODE_SIZE[arch]
    plain, sized = models.build(arch), models.build(arch, seed_size)
    assert sized.variant.name == plain.variant.name == arch
    assert [layer.get_config() | {"name": ""} for layer in sized.autoencoder.layers] == \
        [layer.get_config() | {"name": ""} for layer in plain.autoencoder.layers]
    assert models.variant_spec(arch, seed_size) is models.spec(arch)
    assert variants.variant(arch).code_shape == models.spec(arch).code_shape


def test_variant_names_sizes_and_compression():
    v = variants.variant("simple", 8)
    assert (v.name, v.code_numbers, v.compression_factor) == ("simple-8", 8, 98.0)
    assert variants.variant("simple").compression_factor == pytest.approx(24.5)
    conv = variants.variant("conv", 2)
    assert (conv.code_shape, conv.code_numbers, conv.compression_factor) == ((4, 4, 2), 32, 24.5)
    assert conv.size_text == "2 filters (4x4x2)" and v.size_text == "8 units"
    assert variants.parse("simple-8") == v and variants.parse("conv") == variants.variant("conv")
    assert variants.parse("simple-32").name == "simple"
    assert list(variants.SEED_CODE_SIZE) == list(models.ARCH_IDS)
    assert models.variant_spec("deep", 8).title == "Deep (128-64-8)"


@pytest.mark.parametrize("call, message", [
    (lambda: variants.variant("vae", 2), "unknown architecture 'vae'"),
    (lambda: variants.variant("simple", 0), "at least 1"),
    (lambda: variants.variant("simple", 2.5), "whole number"),
    (lambda: variants.variant("conv", 1000), "use at most 392 filters"),
    (lambda: variants.parse("simple-eight"), "ARCH-SIZE"),
    (lambda: models.build("deep", -3), "at least 1"),
])
def test_bad_variants_are_one_line_errors(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert len(str(err.value).splitlines()) == 1


def test_a_variant_saves_and_loads_like_the_five(tmp_path, tiny):
    from explorer.core import training

    model = models.build("simple", 8)
    config = training.TrainConfig.for_arch("simple", epochs=1, batch_size=64)
    result = training.train(model, tiny, config)
    meta = store.make_metadata(model, result, config, tiny.source)
    assert meta.code_size == 8 and meta.variant.name == "simple-8"
    path = store.save(model, meta, tmp_path)
    assert path.name == "simple-8.weights.h5" and (tmp_path / "simple-8.json").exists()
    assert json.loads((tmp_path / "simple-8.json").read_text())["code_size"] == 8
    other = models.build("simple", 8)
    loaded = store.load(other, tmp_path)
    assert loaded.code_size == 8 and "code of 8 units" in loaded.summary()
    for a, b in zip(model.autoencoder.get_weights(), other.autoencoder.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # A variant's weights do not go into the seed's model (or another size's).
    with pytest.raises(store.StoreError, match="'simple'"):
        store.load_weights(models.build("simple"), path)
    # Nor does its metadata pass for another size's.
    (tmp_path / "simple-4.json").write_text((tmp_path / "simple-8.json").read_text())
    with pytest.raises(store.StoreError, match="metadata is for 'simple-8', not 'simple-4'"):
        store.load_metadata("simple-4", tmp_path)


def test_metadata_written_before_variants_loads_as_the_seeds_size(tmp_path):
    old = {"arch_id": "conv", "keras_version": "3.5", "optimizer": "adam", "epochs": 50,
           "learning_rate": 0.001, "batch_size": 128, "noise": 0.0, "train_loss": 0.1,
           "val_loss": 0.1, "data_source": "old data", "date": "2025-01-01", "history": []}
    (tmp_path / "conv.json").write_text(json.dumps(old))
    meta = store.load_metadata("conv", tmp_path)
    assert meta.code_size == 8 and meta.variant.is_seed
    assert "code of" not in meta.summary()
    with pytest.raises(store.StoreError, match="metadata is for 'conv', not 'conv-4'"):
        (tmp_path / "conv-4.json").write_text(json.dumps(old))
        store.load_metadata("conv-4", tmp_path)
