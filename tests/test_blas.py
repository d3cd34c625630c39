"""one_blas_thread(): BLAS on one thread inside the block, as before outside it."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.blas import one_blas_thread

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


def test_one_thread_inside_the_previous_count_after():
    before = blas_threads()
    a = np.random.default_rng(0).normal(size=(200, 50))
    with one_blas_thread():
        assert all(n == 1 for n in blas_threads())
        inside = a.T @ a
    assert blas_threads() == before
    np.testing.assert_allclose(inside, a.T @ a, rtol=1e-12)
