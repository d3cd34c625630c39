"""Centroids placed, moved and removed by hand in the K-means lab (a mixin of KMeansLab).

With "click to place" chosen as the start, a left click on the plot adds a
centroid there, a right click removes the nearest, and a drag moves one.
Every edit starts a new run (the stepper's history and undo are cleared) and
K follows the number of centroids placed.
"""

from __future__ import annotations

import numpy as np

from explorer.core import latent_points
from explorer.core.kmeans import KMeansStepper

PLACING = "click to place"
PLACING_HINT = ("Click on the plot to place centroids; drag one to move it; "
                "right-click removes the nearest.")


class CentroidPlacing:
    """The lab's edits by hand; KMeansLab provides the state and signals used here."""

    stepper: KMeansStepper | None
    k: int
    max_k: int

    def place_centroid(self, x: float, y: float) -> bool:
        """Add a centroid at plot coordinates (x, y); True if one was added."""
        if self.points is None:
            return False
        self.stop_animation()
        where = self.to_clustered_space(x, y)
        try:
            if self.stepper is None:
                self.stepper = KMeansStepper(self.space.matrix, 1, init=where[None, :])
            elif self.stepper.k >= self.max_k:
                self._say(f"At most {self.max_k} centroids.", problem=True)
                return False
            else:
                self.stepper.add_centroid(where)
        except ValueError as exc:
            self._say(str(exc), problem=True)
            return False
        self._after_edit()
        return True

    def remove_centroid_near(self, x: float, y: float,
                             pixel_size: tuple[float, float] = (1.0, 1.0)) -> bool:
        """Remove the centroid nearest to plot coordinates (x, y).

        pixel_size: data units per screen pixel along x and y, so that
        "nearest" is what the eye sees on a plot with unequal axis scales.
        """
        st = self.stepper
        if st is None:
            return False
        self.stop_animation()
        j = latent_points.nearest_point(self.display_centroids(), (x, y), pixel_size, np.inf)
        if st.k == 1:
            self.stepper = None
        else:
            st.remove_centroid(j)
        self._after_edit()
        return True

    def move_centroid(self, j: int, x: float, y: float) -> None:
        """Centroid j to plot coordinates (x, y); an edit starts a new run."""
        if self.stepper is None or not 0 <= j < self.stepper.k:
            return
        self.stop_animation()
        self.stepper.move_centroid(j, self.to_clustered_space(x, y))
        self._after_edit()

    def plot_clicked(self, x: float, y: float, button: str,
                     pixel_size: tuple[float, float] = (1.0, 1.0)) -> bool:
        """While placing: "left" adds a centroid there, "right" removes the nearest."""
        if not self.placing:
            return False
        if button == "left":
            return self.place_centroid(x, y)
        return self.remove_centroid_near(x, y, pixel_size)

    def regions_while_dragging(self, j: int, x: float, y: float) -> np.ndarray | None:
        """The centroids that shade the plane while centroid j is dragged to (x, y);
        None when there is no 2-D shading to follow the mouse (the full space)."""
        st = self.stepper
        if st is None or not self.space.is_the_plot or not 0 <= j < st.k:
            return None
        c = np.array(st.centroids)
        c[j] = (x, y)
        return c

    def _after_edit(self) -> None:
        st = self.stepper
        self._say("" if st is not None or not self.placing else PLACING_HINT)
        if st is not None and st.k != self.k:
            self.k = st.k  # K follows the centroids; no reset
            self.k_changed.emit(st.k)
        self._restart_trails()
        self.changed.emit()
