"""One BLAS thread for small linear algebra that runs beside other work.

numpy's OpenBLAS splits even small products over every core. On the shared
two-core machines, and on any machine while TensorFlow trains, the second
thread is often not scheduled and the first waits for it: a PCA of 1,000
128-d codes took 0.8-1.0 s that way here, against 5-37 ms on one thread
(1,000 32-d codes: 50-100 ms against 1 ms). Work that must stay cheap
beside training (the time-lapse frames) runs inside `one_blas_thread()`.

threadpoolctl (which scikit-learn depends on, and uses the same way in its
own K-means) sets the limit process-wide for the duration of the block;
the blocks here last milliseconds.
"""

from __future__ import annotations

import contextlib
from typing import Any

__all__ = ["one_blas_thread"]

_controller: Any = None


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which the BLAS libraries loaded so far use one thread."""
    global _controller
    try:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()  # ~10 ms, once: it scans the loaded libraries
        return _controller.limit(limits=1, user_api="blas")
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, no limit
        return contextlib.nullcontext()
