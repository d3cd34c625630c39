"""TensorFlow state that grows with every training run, and how core bounds it.

Measured with tests/benchmarks/bench_memory_growth.py (the window's session
of alternating simple and sparse runs, headless): about 5 MB per run, for
ever. Counting objects between runs showed each run leaving its traced
training step behind, 750 graph operations and 16 optimizer branch
functions of it, long after the model had been compiled again and the
old train function dropped.

The holder is TensorFlow's global gradient registry. Keras' TensorFlow
optimizer sums gradients across replicas with
`tf.distribute.get_replica_context().all_reduce` even when there is one
replica, and `all_reduce` wraps itself in `tf.custom_gradient`, which in
graph mode registers a fresh gradient function under a new name
("CustomGradient-N") with `ops.RegisterGradient`, at every trace, and
never unregisters it. The function's closure holds the traced graph, and
the graph holds its function library: two traces per run (the full and the
last, smaller batch), the whole step each time.

The registered gradient is only consulted while that graph is being
differentiated, which is during its own trace. So the names a run added
are removed when the run's fit returns; the graph is then freed as soon as
nothing else refers to it (at the next `compile`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)

_PREFIX = "CustomGradient-"


def _gradient_registry() -> dict | None:
    """TensorFlow's name -> gradient function table (private; None if it moved)."""
    try:
        from tensorflow.python.framework import ops
    except ImportError:  # another Keras backend: nothing of this kind to clean
        return None
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None


def custom_gradient_count() -> int:
    """How many custom gradients are registered now (for tests and benchmarks)."""
    registry = _gradient_registry()
    return 0 if registry is None else sum(1 for name in registry if name.startswith(_PREFIX))


@contextlib.contextmanager
def forget_traced_gradients() -> Iterator[None]:
    """Unregister the custom gradients that traces inside the block registered."""
    registry = _gradient_registry()
    before = set(registry) if registry is not None else set()
    try:
        yield
    finally:
        if registry is not None:
            added = [n for n in list(registry) if n.startswith(_PREFIX) and n not in before]
            for name in added:
                registry.pop(name, None)
            log.debug("unregistered %d traced custom gradients", len(added))
