"""K-means in the full code space against K-means on the map: the state, no widgets.

The lab clusters one space at a time; this clusters both (core
cluster_agreement.cluster_full_and_map, k-means++ from the lab's seed, run to
convergence) on the model thread, as a view with its own key, so that the
side-by-side page can show the two clusterings, their ARI and NMI, and the
digits on which they disagree. A newer request (new points, K or seed)
replaces a waiting one, and the answer of a replaced one never arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from explorer.core import cluster_agreement
from explorer.core.latent_points import PointSet

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

COMPARE_KEY = "kmeans-full-vs-map"


class FullVersusMapState(QObject):
    """Asks for both clusterings of the lab's points; `compared` brings them."""

    compared = Signal(object, object)  # PointSet, cluster_agreement.FullVersusMap
    failed = Signal(str)
    waiting = Signal(str)

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.result: cluster_agreement.FullVersusMap | None = None
        self.points: PointSet | None = None

    def request(self, points: PointSet | None, k: int, seed: int) -> None:
        if points is None:
            return
        if k > points.n:
            self.session.worker.cancel(COMPARE_KEY)
            self.result = None
            self.failed.emit(f"K = {k} is more than the {points.n} points: lower K.")
            return
        self.waiting.emit("clustering the full code and the map…")
        codes, coords = points.codes, points.coords

        def job(state):
            return cluster_agreement.cluster_full_and_map(codes, coords, k, seed, state)

        def done(result) -> None:
            self.points, self.result = points, result
            self.compared.emit(points, result)

        # during_training=False: K-means of 784-d pixels to convergence would hold a run up
        self.session.worker.submit(COMPARE_KEY, job, done, self.failed.emit,
                                   during_training=False,
                                   title="K-means in the full code and on the map")
