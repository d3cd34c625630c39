"""Prototype digits: each K-means centroid decoded, and the centroids published to other tabs.

A centroid of latent codes is a code: the decoder turns it into the digit
that cluster stands for (a centroid clustered on the 2-D plane is lifted onto
that plane first). Decoding is a view on the model thread (key
PROTOTYPES_KEY), asked after every change of the centroids (each update
step, a reset, a placed centroid) and while a centroid is dragged. A
centroid of raw pixels is already a picture: its mean image is shown as it
is. After each change the centroids also go to the session's ClusterBoard,
where the Latent space tab reads which cluster a drawn digit falls into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QVBoxLayout, QWidget

from explorer.core import latent_space, models
from explorer.core.latent_space import Clusters
from explorer.features.kmeans.lab import KMeansLab
from explorer.features.kmeans.plot import color
from explorer.widgets.digit_grid import DigitGrid, GridRow
from explorer.widgets.elided_label import ElidedLabel

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

PROTOTYPES_KEY = "kmeans-prototypes"
PER_ROW = 5  # prototypes side by side: the strip stands beside the confusion map


def clusters_of(lab: KMeansLab, arch_id: str) -> Clusters | None:
    """The lab's centroids as the ClusterBoard holds them (None: no centroids yet)."""
    st, points = lab.stepper, lab.points
    if st is None or points is None:
        return None
    source = "pixels" if points.source == "raw pixels" else "latent"
    plane = None if lab.full_space else points.projection
    return Clusters(np.array(st.centroids, dtype=np.float64), plane, source, arch_id,
                    tuple(color(j) for j in range(st.k)))


@dataclass(frozen=True, eq=False)
class PrototypeJob:
    """Decode centroid codes (k, d) with the model they are codes of."""

    codes: np.ndarray
    arch_id: str

    def __call__(self, state, model: models.Autoencoder, dataset) -> np.ndarray:
        # The session names the new architecture as soon as a switch is asked for,
        # before the lab's points (and so the centroids) are the new model's codes.
        if model.arch_id != self.arch_id or not fits(self.codes, model.variant.code_numbers):
            raise ValueError(f"the centroids are codes of another model than the "
                             f"{model.variant.name} one: step K-means again on the new codes")
        return latent_space.decode(model, self.codes)


def fits(codes: np.ndarray, code_numbers: int) -> bool:
    """Whether centroids (k, d) are codes of a model with `code_numbers` numbers per code."""
    return int(np.prod(codes.shape[1:])) == int(code_numbers)


class _Strip(DigitGrid):
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(200, 160)


class Prototypes(QWidget):
    """The prototype digits beside the confusion map, five to a row (objectName "kmeans_prototypes")."""

    def __init__(self, session: Session, lab: KMeansLab, parent: QWidget | None = None):
        super().__init__(parent)
        self.session, self.lab = session, lab
        self.title = ElidedLabel("Prototype digits: each centroid decoded")
        self.grid = _Strip()
        self.grid.setObjectName("kmeans_prototypes")
        self.grid.setMinimumSize(90, 40)
        self.images: np.ndarray | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)
        lab.changed.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        """The centroids changed: publish them and decode them."""
        clusters = clusters_of(self.lab, self.session.arch_id)
        self.session.clusters.publish(clusters)
        self._show_or_ask(clusters)

    def dragged(self, j: int, x: float, y: float) -> None:
        """Centroid j is being dragged to plot point (x, y): decode it where it is now."""
        clusters = clusters_of(self.lab, self.session.arch_id)
        if clusters is None or not 0 <= j < clusters.k:
            return
        centroids = np.array(clusters.centroids)
        centroids[j] = self.lab.to_clustered_space(x, y)
        self._show_or_ask(Clusters(centroids, clusters.plane, clusters.source, clusters.arch_id,
                                   clusters.colours))

    def _show_or_ask(self, clusters: Clusters | None) -> None:
        if clusters is None:
            self.session.worker.cancel(PROTOTYPES_KEY)
            self.show_images(None)
            return
        full = clusters.full_centroids()
        if clusters.source == "pixels":
            self.show_images(np.clip(full.reshape(-1, 28, 28), 0, 1), "mean image of each cluster")
        elif not fits(full, self.session.variant.code_numbers):
            # Codes of the model before a switch (the soak found the decoder
            # asked to reshape them): the new codes are on their way.
            self.session.worker.cancel(PROTOTYPES_KEY)
            self.title.setText("Prototype digits: after K-means steps on the new model's codes")
        elif self.session.is_ready:
            self.session.submit(PROTOTYPES_KEY, PrototypeJob(full, clusters.arch_id),
                                lambda images: self.show_images(images),
                                lambda message: self.title.setText(f"Prototype digits: {message}"),
                                progress_title="Decoding the centroids")

    def show_images(self, images: np.ndarray | None,
                    what: str = "each centroid decoded") -> None:
        self.images = images
        if images is None:
            self.title.setText("Prototype digits: after the first step")
            self.grid.set_rows([GridRow("", None, message="no centroids yet")], columns=PER_ROW)
            return
        self.title.setText(f"Prototype digits: {what}")
        self.grid.set_rows([GridRow("", images[i:i + PER_ROW],
                                    below=[str(j) for j in range(i, min(i + PER_ROW, len(images)))])
                            for i in range(0, len(images), PER_ROW)], columns=PER_ROW)
