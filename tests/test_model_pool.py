"""The session's built models, reused when it switches back to one."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import model_pool, models, variants
from explorer.core.model_pool import ModelPool


def test_a_variant_is_built_once_and_comes_back_with_fresh_weights():
    pool = ModelPool()
    simple = variants.variant("simple")
    first = pool.take(simple)
    trained = [w + 1.0 for w in first.autoencoder.get_weights()]  # as a run would leave them
    first.autoencoder.set_weights(trained)
    pool.take(variants.variant("sparse"))
    again = pool.take(simple)
    assert again is first and pool.built == 2
    for was, now in zip(trained, again.autoencoder.get_weights(), strict=True):
        assert not np.array_equal(was, now)  # drawn again, as a new build's
    assert not again.autoencoder.get_weights()[1].any()  # the code layer's bias: zeros again


def test_the_pool_drops_the_variant_used_longest_ago(monkeypatch):
    monkeypatch.setattr(models, "build", lambda arch, size=None: object())
    monkeypatch.setattr(models, "reinitialize", lambda model: None)
    pool = ModelPool(size=2)
    a, b, c = (variants.variant(arch) for arch in ("simple", "sparse", "deep"))
    pool.take(a)
    pool.take(b)
    pool.take(a)  # a is now the most recent
    pool.take(c)
    assert "simple" in pool and "deep" in pool and "sparse" not in pool and len(pool) == 2
    pool.take(b)
    assert pool.built == 4


def test_a_code_size_variant_is_a_model_of_its_own():
    pool = ModelPool()
    seed = pool.take(variants.variant("simple"))
    narrow = pool.take(variants.variant("simple", 2))
    assert narrow is not seed and narrow.code_size == 2 and seed.code_size == 32


def test_an_empty_pool_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        ModelPool(size=0)
    assert model_pool.POOL_SIZE >= len(models.ARCH_IDS)  # a lecture's five all stay built
