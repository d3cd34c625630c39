"""The K-means lab's latest centroids, for the features that are not the K-means lab.

Features do not import one another, so the lab publishes its centroids here
(`publish`, after every step, reset and edit; `clear` when it has none) and
the Latent space tab reads them (`clusters`) and listens to `changed`, to
say which cluster a drawn digit falls into. The value is a frozen
`core.latent_space.Clusters`: centroids in the space the lab clusters (the
codes, or its 2-D plane with the projection that makes it) and the colour
of each cluster. No widgets here.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from explorer.core.latent_space import Clusters


class ClusterBoard(QObject):
    """Holds the latest `Clusters` (None: the lab has no centroids)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._clusters: Clusters | None = None

    @property
    def clusters(self) -> Clusters | None:
        return self._clusters

    def publish(self, clusters: Clusters | None) -> None:
        self._clusters = clusters
        self.changed.emit()

    def clear(self) -> None:
        if self._clusters is not None:
            self.publish(None)
