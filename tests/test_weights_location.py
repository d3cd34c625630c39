"""Which weights the program starts with: the user's own over the shipped ones, and the way back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.core import models, store, userdata


def _meta(arch="simple", **kw):
    values = dict(arch_id=arch, keras_version="3", optimizer="adam", learning_rate=0.001,
                  epochs=3, batch_size=256, noise=0.0, train_loss=0.2, val_loss=0.21,
                  data_source="my own run", date="2026-11-27T00:00:00+00:00")
    values.update(kw)
    return store.Metadata(**values)


@pytest.fixture
def user_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(userdata.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


def _same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.autoencoder.get_weights(),
                                                     b.autoencoder.get_weights(), strict=True))


def test_shipped_weights_until_the_user_saves_their_own(user_home):
    shipped = store.shipped_weights("simple")
    assert shipped.is_file() and shipped.parent == store.TRAINED_DIR
    assert store.find_weights("simple") == (shipped, store.SHIPPED)
    before = shipped.stat().st_mtime_ns
    saved = store.save(models.build("simple"), _meta())  # no folder: the user's
    assert saved == user_home / "weights" / "simple.weights.h5" == store.user_weights("simple")
    assert store.find_weights("simple") == (saved, store.USER)
    assert store.weights_candidates("simple") == [(saved, store.USER), (shipped, store.SHIPPED)]
    assert shipped.stat().st_mtime_ns == before, "the shipped file is never written"
    assert store.find_weights("conv") == (store.shipped_weights("conv"), store.SHIPPED)
    with pytest.raises(ValueError, match="unknown architecture"):
        store.find_weights("vae")


def test_no_weights_at_all(user_home, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "TRAINED_DIR", tmp_path / "empty")
    assert store.find_weights("deep") is None
    with pytest.raises(store.StoreError, match="no weights for 'deep'"):
        store.load(models.build("deep"))
    loaded = store.load_preferred(models.build("deep"))
    assert loaded.origin == "fresh" and loaded.path is None and "fresh, untrained" in loaded.note


def test_load_preferred_takes_the_users_and_says_so(user_home):
    mine = models.build("simple")  # fresh random weights: unlike the shipped ones
    store.save(mine, _meta(epochs=3))
    model = models.build("simple")
    loaded = store.load_preferred(model)
    assert loaded.origin == store.USER and loaded.path == store.user_weights("simple")
    assert loaded.metadata.epochs == 3 and "your own weights" in loaded.note
    assert _same_weights(model, mine)
    again = models.build("simple")
    assert store.load(again).data_source == "my own run"  # load() with no folder: the same choice
    assert _same_weights(again, mine)


def test_a_damaged_user_file_falls_back_to_the_shipped_weights(user_home):
    store.save(models.build("simple"), _meta())
    store.user_weights("simple").write_bytes(b"not HDF5 at all")
    model = models.build("simple")
    loaded = store.load_preferred(model)
    assert loaded.origin == store.SHIPPED and loaded.path == store.shipped_weights("simple")
    assert "shipped" in loaded.note and "unusable" in loaded.note
    assert loaded.skipped and "simple.weights.h5" in loaded.skipped[0]
    reference = models.build("simple")
    store.load_weights(reference, store.shipped_weights("simple"))
    assert _same_weights(model, reference)


def test_reverting_sets_the_users_weights_aside_without_losing_them(user_home):
    mine = models.build("simple")
    store.save(mine, _meta(epochs=9))
    aside = store.set_aside_user_weights("simple")
    assert aside is not None and aside.is_file() and aside.parent.name == store.SET_ASIDE
    assert aside.with_name(aside.name.replace(".weights.h5", ".json")).is_file()
    assert not store.user_weights("simple").exists()
    assert store.find_weights("simple")[1] == store.SHIPPED
    restored = models.build("simple")
    store.load_weights(restored, aside)  # still loadable by hand
    assert _same_weights(restored, mine)
    assert store.set_aside_user_weights("simple") is None  # nothing left to set aside
    store.save(mine, _meta(epochs=10))
    second = store.set_aside_user_weights("simple")  # the same second: a name of its own
    assert second != aside and second.is_file() and aside.is_file()


def test_nothing_is_written_into_the_installed_package(user_home):
    import explorer

    inside = Path(explorer.__file__).resolve().parent / "_trained"
    model = models.build("simple")
    with pytest.raises(store.StoreError, match="part of the installed program"):
        store.save(model, _meta(), inside)
    with pytest.raises(store.StoreError, match="part of the installed program"):
        store.export_keras(model, inside / "model.keras")
    assert not inside.exists()


def test_a_variant_starts_with_the_users_own_weights_of_that_size(user_home):
    """Variants never ship: only the user's `simple-8.weights.h5` is found, and the
    seed's own weights are never tried in an 8-unit model."""
    fresh = store.load_preferred(models.build("simple", 8))
    assert fresh.origin == "fresh" and fresh.skipped == ()
    assert "no saved simple-8 weights yet" in fresh.note
    assert store.weights_candidates("simple-8") == []
    mine = models.build("simple", 8)
    store.save(mine, _meta(code_size=8, epochs=4))  # no folder: the user's
    assert store.weights_candidates("simple-8") == [(store.user_weights("simple-8"), store.USER)]
    model = models.build("simple", 8)
    loaded = store.load_preferred(model)
    assert loaded.origin == store.USER and loaded.metadata.code_size == 8
    assert "your own weights" in loaded.note and "code of 8 units" in loaded.note
    assert _same_weights(model, mine)
    assert store.load(models.build("simple", 8)).epochs == 4  # load() with no folder: the same
    with pytest.raises(ValueError, match="not a model name"):
        store.find_weights("simple-eight")
