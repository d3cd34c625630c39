"""A K-means lab's run saved and put back (what a scene does), without widgets or TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from test_kmeans_lab import MAX_K, blobs

from explorer.core.kmeans_state import KMeansRunError
from explorer.features.kmeans.lab import KMeansLab


def _lab(points, full_space: bool = False) -> KMeansLab:
    lab = KMeansLab(MAX_K)
    lab.set_k(4)
    lab.set_full_space(full_space)
    lab.set_points(points)
    return lab


@pytest.mark.parametrize("full_space", [False, True])
def test_a_run_put_back_in_another_lab_has_the_same_j_trails_and_back(qtbot, full_space):
    points = blobs()
    lab = _lab(points, full_space)
    for kind in ("assign", "update", "assign", "update", "assign"):
        lab.half_step(kind)
    run = lab.export_run()
    other = _lab(points, full_space)
    other.restore_run(run)
    assert other.stepper.history == lab.stepper.history
    assert np.array_equal(other.stepper.centroids, lab.stepper.centroids)
    mine, theirs = lab.picture(), other.picture()
    assert len(theirs.trails) == 4
    for a, b in zip(mine.trails, theirs.trails, strict=True):
        assert np.array_equal(a, b)  # the trails follow the updates, as they were drawn
    for _ in range(5):
        other.back()
        lab.back()
        assert np.array_equal(other.stepper.centroids, lab.stepper.centroids)
    assert not other.stepper.can_undo


def test_a_replay_is_not_shown_on_points_that_changed_meanwhile(qtbot):
    lab = _lab(blobs())
    lab.step()
    compute = lab.replay(lab.export_run())
    lab.set_points(blobs(seed=1))
    assert not lab.adopt(compute())
    assert lab.stepper.history == []  # the new points' fresh start stays


def test_a_run_that_does_not_fit_the_points_is_refused_and_the_lab_unchanged(qtbot):
    lab = _lab(blobs())
    lab.step()
    run = lab.export_run()
    other = _lab(blobs(seed=2))
    with pytest.raises(KMeansRunError, match="not those the scene was saved on"):
        other.restore_run(run)
    assert other.stepper.history == []
    with pytest.raises(KMeansRunError, match="no points yet"):
        KMeansLab(MAX_K).replay(run)
