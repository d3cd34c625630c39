"""The weights shipped in trained/ load into their architectures and are as good as recorded."""

from __future__ import annotations

import pytest

from explorer.core import models, store, training, training_inputs

SHIPPED = sorted(p.name[:-len(".weights.h5")] for p in store.TRAINED_DIR.glob("*.weights.h5"))


def test_every_architecture_ships_pretrained_weights():
    assert SHIPPED == sorted(models.ARCH_IDS)


@pytest.mark.parametrize("arch", SHIPPED)
def test_shipped_weights_reach_their_recorded_loss(arch, embedded):
    meta = store.load_metadata(arch, store.TRAINED_DIR)
    assert meta.epochs == models.spec(arch).epochs, "trained with the seed's epochs"
    assert meta.data_source.startswith("embedded MNIST sample")
    model = models.build(arch)
    store.load_weights(model, store.shipped_weights(arch))
    config = training.TrainConfig.for_arch(arch, optimizer=meta.optimizer, noise=meta.noise)
    _, _, val_in, val_target = training_inputs.training_arrays(embedded, config)
    models.compile_model(model, meta.optimizer, meta.learning_rate)
    # Keras' evaluate includes the sparse model's L1 term, as val_loss did.
    loss = model.autoencoder.evaluate(val_in, val_target, batch_size=512, verbose=0)
    assert loss == pytest.approx(meta.val_loss, rel=0.02)
    assert loss < 0.12, "the shipped weights are actually trained"
