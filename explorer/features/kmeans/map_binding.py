"""The K-means lab's map: its projection chooser, t-SNE's frames, what it keeps, full vs map.

Binds the shared ProjectionControls and MapQualityView (explorer.widgets)
and the "Full code vs map" page to the lab's `PointsFeed` and a
`FullVersusMapState`, so that the panel only lays them out:

* a new choice asks the feed for the points on that map (the request
  replaces, and so cancels, one still running); Cancel keeps the points on
  screen and puts the chooser back to their projection;
* t-SNE's intermediate layouts are drawn grey on the lab's plot as they come;
* each new set of points is measured (10-NN agreement, trustworthiness) and
  clustered both ways, as is each new K or seed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from explorer.core import latent_points
from explorer.core.latent_points import PointSet
from explorer.features.kmeans.comparison import FullVersusMapState
from explorer.features.kmeans.comparison_view import FullVersusMapView
from explorer.features.kmeans.geometry import map_method
from explorer.features.kmeans.lab import KMeansLab
from explorer.features.kmeans.plot import KMeansPlot
from explorer.features.kmeans.points_feed import PointsFeed
from explorer.widgets.map_quality import MapQualityView
from explorer.widgets.projection_controls import ProjectionControls

AXIS_TITLES = {"tsne": ("t-SNE 1", "t-SNE 2"), "umap": ("UMAP 1", "UMAP 2")}


class KMeansMapBinding(QObject):
    def __init__(self, feed: PointsFeed, lab: KMeansLab, plot: KMeansPlot,
                 controls: ProjectionControls, quality: MapQualityView,
                 comparison: FullVersusMapView, parent: QObject | None = None):
        super().__init__(parent)
        self.feed, self.lab, self.plot = feed, lab, plot
        self.controls, self.quality, self.comparison_view = controls, quality, comparison
        self.comparison = FullVersusMapState(feed.session, self)
        self.on_frame_drawn = lambda: None  # the panel forgets what its scatter shows
        projection = feed.projection
        controls.choice_changed.connect(feed.set_choice)
        controls.cancel_requested.connect(self.cancel)
        projection.running_changed.connect(controls.show_running)
        projection.frame_ready.connect(self._on_frame)
        projection.quality_ready.connect(quality.show_quality)
        lab.points_ready.connect(self._on_points)
        self.comparison.compared.connect(comparison.show_comparison)
        self.comparison.failed.connect(comparison.say)
        self.comparison.waiting.connect(comparison.say)

    def cancel(self) -> None:
        self.feed.cancel()
        self.controls.show_choice(self.feed.shown_choice if self.lab.points is not None
                                  else self.feed.projection.choice)
        if self.lab.points is not None:  # the points clustered, over any t-SNE frame drawn
            self.plot.set_view(self.lab.plot_bounds())
            self.lab.changed.emit()
            if self.quality.quality is None:
                self._on_points(self.lab.points)

    def compare(self) -> None:
        """Cluster the points both ways with the lab's K and seed."""
        self.comparison.request(self.lab.points, self.lab.k, self.lab.seed)

    def axis_titles(self, points: PointSet) -> None:
        titles = AXIS_TITLES.get(map_method(points))
        if titles is not None:
            item = self.plot.getPlotItem()
            item.setLabel("bottom", titles[0])
            item.setLabel("left", titles[1])

    def _on_points(self, points: PointSet) -> None:
        self.quality.show_waiting("measuring…")
        self.feed.projection.request_quality(points.codes, points.coords, points.labels,
                                             map_method(points))
        self.compare()

    def _on_frame(self, coords: np.ndarray) -> None:
        """t-SNE's layout so far, grey (nothing is clustered on it yet)."""
        plot = self.plot
        plot.set_points(coords, None, 0, None)
        plot.set_centroids(None)
        plot.set_regions(None)
        plot.set_view(latent_points.padded_bounds(coords))
        self.quality.show_waiting("measured once the map is done")
        self.on_frame_drawn()
