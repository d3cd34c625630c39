"""Undo for the K-means stepper: each half step put back exactly (pure numpy, no Qt).

A mixin: `KMeansStepper` keeps its state in the attributes below and calls
`_push_undo` before each half step changes it; `undo` restores the last one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["UNDO_DEPTH", "Undoable"]

# Undo keeps this many half steps. Entries are small (the centroids, plus the
# labels that changed, or the earlier label array when most points moved,
# which happens only in the first few steps), so the cap only bounds memory
# in very long sessions.
UNDO_DEPTH = 2000


@dataclass(frozen=True)
class _Undo:
    """What one half step changed, enough to put it back exactly."""

    kind: str
    centroids: np.ndarray
    # assign only: the points whose label changed and their earlier labels,
    # or (changed_idx None) the whole earlier label array.
    changed_idx: np.ndarray | None
    old_labels: np.ndarray | None
    converged: bool
    iteration: int
    last_changed: int
    empty_clusters: tuple[int, ...]
    last_kind: str | None


class Undoable:
    """`can_undo`, `undo` and `_push_undo` over the stepper's state."""

    _undo: deque[_Undo]
    _centroids: np.ndarray
    _labels: np.ndarray
    _assigned: bool
    _converged: bool
    _iteration: int
    _last_changed: int
    _empty: tuple[int, ...]
    _last_kind: str | None
    _history: list[tuple[str, float]]

    def _clear_undo(self) -> None:
        self._undo = deque(maxlen=UNDO_DEPTH)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def _push_undo(self, kind: str, changed_idx: np.ndarray | None = None,
                   old_labels: np.ndarray | None = None) -> None:
        self._undo.append(
            _Undo(
                kind=kind,
                centroids=self._centroids,  # never written in place, no copy needed
                changed_idx=changed_idx,
                old_labels=old_labels,
                converged=self._converged,
                iteration=self._iteration,
                last_changed=self._last_changed,
                empty_clusters=self._empty,
                last_kind=self._last_kind,
            )
        )

    def undo(self) -> bool:
        """Go back one half step. Returns False when there is nothing to undo."""
        if not self._undo:
            return False
        u = self._undo.pop()
        if u.kind == "assign":
            assert u.old_labels is not None
            if u.changed_idx is None:
                labels = u.old_labels  # the whole earlier array was kept
            else:
                labels = self._labels.copy()  # views handed out earlier stay valid
                labels[u.changed_idx] = u.old_labels
            self._labels = labels
            self._assigned = bool(labels[0] >= 0)  # labels are all -1 or all set
        self._centroids = u.centroids
        self._converged = u.converged
        self._iteration = u.iteration
        self._last_changed = u.last_changed
        self._empty = u.empty_clusters
        self._last_kind = u.last_kind
        self._history.pop()
        return True
