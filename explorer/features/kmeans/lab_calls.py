"""The K-means lab's calls on its panel (a mixin of KMeansPanel).

Scripts, the presentation mode and the tests drive the tab as
`window.kmeans_panel.step()`, `.stepper`, `.points`: these pass each one to
the lab (`KMeansLab`) or the points feed (`PointsFeed`) that does the work.
"""

from __future__ import annotations

from explorer.core.kmeans import KMeansStepper
from explorer.core.latent_points import PointSet
from explorer.features.kmeans.lab import KMeansLab
from explorer.features.kmeans.plot import KMeansPlot
from explorer.features.kmeans.points_feed import PointsFeed


class LabCalls:
    """The panel provides `lab`, `feed` and `plot`."""

    lab: KMeansLab
    feed: PointsFeed
    plot: KMeansPlot

    @property
    def points(self) -> PointSet | None:
        return self.lab.points

    @property
    def stepper(self) -> KMeansStepper | None:
        return self.lab.stepper

    @property
    def source(self) -> str:
        return self.feed.source

    @property
    def is_stale(self) -> bool:
        return self.feed.is_stale

    @property
    def full_space(self) -> bool:
        return self.lab.full_space

    @property
    def placing(self) -> bool:
        return self.lab.placing

    @property
    def is_running(self) -> bool:
        return self.lab.is_running

    def request_points(self) -> None:
        self.feed.request_points()

    def set_points(self, points: PointSet) -> None:
        """Cluster these points from now on (new centroids, grey labels)."""
        self.lab.set_points(points)

    def reset(self) -> None:
        self.lab.reset()

    def half_step(self, kind: str) -> None:
        self.lab.half_step(kind)

    def step(self) -> None:
        self.lab.step()

    def back(self) -> None:
        self.lab.back()

    def toggle_run(self) -> None:
        self.lab.toggle_run()

    def stop_animation(self) -> None:
        self.lab.stop_animation()

    def place_centroid(self, x: float, y: float) -> bool:
        return self.lab.place_centroid(x, y)

    def remove_centroid_near(self, x: float, y: float) -> bool:
        return self.lab.remove_centroid_near(x, y, self.plot.getViewBox().viewPixelSize())

    def move_centroid(self, j: int, x: float, y: float) -> None:
        self.lab.move_centroid(j, x, y)

    def write_assignments_csv(self, path: str) -> str:
        return self.lab.write_assignments_csv(path)
