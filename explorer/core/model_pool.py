"""The models a session has built, kept by variant and reused when it comes back to one.

Switching architecture used to build a new Autoencoder every time: three
Keras models, traced again for viewing and compiled and traced again for
training on the first run. The one left behind was garbage holding
TensorFlow functions, freed later by the GUI thread's collector (a stall of
up to 1.7 s in the soak, as a free waits for the runtime the model thread is
using), and the resident memory swung by some 200 MB with the architecture
in use. A model taken from here keeps its traced functions and its compiled
train step (`core.run_compile`); only its weights are new.

Model thread only, like the models themselves.
"""

from __future__ import annotations

from collections import OrderedDict

from explorer.core import models
from explorer.core.variants import Variant

# The five architectures and a code-size variant or two: a lecture's working
# set, a few megabytes of weights and some tens of traced functions each. A
# variant beyond it drops the one used longest ago.
POOL_SIZE = 7


class ModelPool:
    """Built models by variant name, the most recently taken last."""

    def __init__(self, size: int = POOL_SIZE):
        if size < 1:
            raise ValueError(f"a model pool holds at least one model, not {size}")
        self.size = size
        self._models: OrderedDict[str, models.Autoencoder] = OrderedDict()
        self.built = 0  # models built, for tests and the soak's figures

    def take(self, v: Variant) -> models.Autoencoder:
        """Variant `v`'s model with fresh random weights: the one built before
        (its weights drawn again in place), else a new one."""
        model = self._models.pop(v.name, None)
        if model is None:
            model = models.build(v.arch_id, v.code_size)
            self.built += 1
        else:
            models.reinitialize(model)  # as a new build's: the caller loads what it wants
        self._models[v.name] = model
        while len(self._models) > self.size:
            self._models.popitem(last=False)
        return model

    def __contains__(self, name: str) -> bool:
        return name in self._models

    def __len__(self) -> int:
        return len(self._models)
