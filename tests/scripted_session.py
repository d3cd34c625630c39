"""A real Session whose views the test answers itself: feature states without Keras.

`ScriptedSession` is the program's own Session (its signals, its
DigitSelection, its flags), never started, so TensorFlow is never imported.
What a feature asks of the model thread with `submit` waits in `requests`,
one per key: a newer request with the same key replaces a waiting one and
`worker.cancel(key)` forgets it, as the model thread does. The test answers
with `answer(key, result)` or `fail(key, message)`; `make_view` builds the
selection's view from plain numpy (stand-in reconstructions and codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import models, views
from explorer.services.selection import VIEW_KEY
from explorer.services.session import Session
from explorer.services.weights import Current


class Shown:
    """Whether a feature's tab is on screen, as its view would answer (`is_shown`)."""

    def __init__(self, value: bool = True):
        self.value = value

    def __call__(self) -> bool:
        return self.value


@dataclass
class Request:
    key: str
    fn: Any  # the job fn(state, model, dataset): readable (a job dataclass) where the feature made one
    on_done: Any
    on_error: Any
    during_training: bool
    progress_title: str


class ScriptedSession(Session):
    def __init__(self, dataset, trained_dir, arch_id: str = "conv"):
        super().__init__(dataset=dataset, trained_dir=trained_dir, arch_id=arch_id)
        self.requests: dict[str, Request] = {}
        self.cancelled: list[str] = []
        self._real_cancel = self.worker.cancel
        self.worker.cancel = self._cancel  # what the features call; the real one still runs

    def start(self) -> None:
        raise AssertionError("a scripted session never starts Keras")

    def submit(self, key, fn, on_done=None, on_error=None, during_training=True,
               progress_title="Working", asked_again_after_a_switch=False) -> None:
        if asked_again_after_a_switch:
            self._dropped_by_a_switch.add(key)
        self.requests[key] = Request(key, fn, on_done, on_error, during_training, progress_title)

    def _cancel(self, key: str) -> None:
        self.cancelled.append(key)
        self.requests.pop(key, None)
        self._real_cancel(key)

    # ------------------------------------------------------- the test's side
    def become_ready(self, note: str = "fresh, untrained weights") -> None:
        """What the first model build's answer does: ready, then new weights."""
        self._builds_waiting += 1
        self._on_model_built(Current(self.arch_id, None, note))

    def switch_to(self, arch_id: str, note: str = "fresh, untrained weights") -> None:
        self.arch_id = arch_id
        self.become_ready(note)

    def answer(self, key: str, result: Any) -> None:
        request = self.requests.pop(key)
        if request.on_done is not None:
            request.on_done(result)

    def fail(self, key: str, message: str) -> None:
        request = self.requests.pop(key)
        request.on_error(message)

    def answer_view(self) -> views.ReconView:
        view = make_view(self)
        self.answer(VIEW_KEY, view)
        return view


def make_view(session: Session, arch_id: str | None = None) -> views.ReconView:
    """The selection's view as the model would give it, from stand-ins in plain numpy.

    The reconstructions are the inputs dimmed; the codes a fixed random
    projection of the inputs through a ReLU, in the architecture's code shape.
    """
    arch_id = arch_id or session.arch_id
    sel = session.selection
    originals, labels = sel.digits()
    noisy = views.noisy_digits(originals, sel.noise, sel.noise_seed)
    inputs = originals if noisy is None else noisy
    reconstructions = np.clip(inputs * 0.8 + 0.1, 0, 1).astype(np.float32)
    code_shape = models.spec(arch_id).code_shape
    weights = np.random.default_rng(0).normal(size=(28 * 28, int(np.prod(code_shape))))
    codes = np.maximum(inputs.reshape(len(inputs), -1) @ weights, 0).astype(np.float32)
    return views.ReconView(
        arch_id=arch_id, indices=sel.indices, labels=labels, originals=originals, noisy=noisy,
        reconstructions=reconstructions,
        per_digit_loss=models.per_image_loss(originals, reconstructions),
        codes=codes.reshape(len(inputs), *code_shape), noise=sel.noise,
        noise_seed=sel.noise_seed)
