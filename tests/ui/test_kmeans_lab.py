"""The K-means lab's state without its widgets and without TensorFlow.

`KMeansLab` is driven on a few hundred synthetic points (gaussian blobs made
into a PointSet by `make_point_set`, as a benchmark or a user's own points
would be); `PointsFeed` on a real Session that is never started, so no model
is built and TensorFlow is never imported. The widgets' side of the same
behaviour is in test_kmeans_ui.py.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from explorer.core import latent_points
from explorer.features.kmeans import lab as lab_module
from explorer.features.kmeans.geometry import ClusteredSpace
from explorer.features.kmeans.lab import PLACING_HINT, KMeansLab
from explorer.features.kmeans.points_feed import LOADING, POINTS_KEY, STALE_NOTE, PointsFeed

N, DIM, BLOBS = 300, 8, 4
MAX_K = 20
ROOT = Path(__file__).resolve().parents[2]


def blobs(n: int = N, seed: int = 0, source: str = "latent codes of a test model"):
    """n points in BLOBS gaussian blobs in DIM dimensions, as the lab receives them."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-10, 10, size=(BLOBS, DIM))
    which = rng.integers(BLOBS, size=n)
    codes = means[which] + rng.normal(size=(n, DIM))
    return latent_points.make_point_set(codes.astype(np.float32), which,
                                        np.zeros((n, 28, 28), np.float32), source)


class Recorder:
    """Every signal of a lab, in the order it came."""

    def __init__(self, lab: KMeansLab):
        self.events: list[tuple] = []
        for name in ("points_changed", "points_ready", "changed", "stepped", "running_changed",
                     "k_changed", "message_changed"):
            getattr(lab, name).connect(lambda *args, name=name: self.events.append((name, *args)))

    def names(self) -> list[str]:
        return [e[0] for e in self.events]

    def of(self, name: str) -> list[tuple]:
        return [e[1:] for e in self.events if e[0] == name]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
def lab(qtbot):
    lab = KMeansLab(MAX_K)
    lab.set_points(blobs())
    yield lab
    lab.stop_animation()


def j_values(lab) -> np.ndarray:
    return np.array([j for _kind, j in lab.stepper.history])


# ----------------------------------------------------------- half steps
def test_new_points_start_grey_with_k_centroids_and_no_widget_is_made(qtbot):
    widgets_before = len(QApplication.allWidgets())
    lab = KMeansLab(MAX_K)
    seen = Recorder(lab)
    points = blobs()
    lab.set_points(points)
    # The view learns of the points first, draws the reset, then hears they are ready.
    assert seen.names()[0] == "points_changed" and seen.names()[-1] == "points_ready"
    assert "changed" in seen.names()
    st = lab.stepper
    assert lab.points is points and st.k == 10 and st.points.shape == (N, 2)
    picture = lab.picture()
    assert picture.labels is None and picture.k == 10 and picture.history == []
    assert picture.centroids.shape == (10, 2) and picture.dimension == 2
    assert len(QApplication.allWidgets()) == widgets_before


def test_assign_then_update_lower_j_and_say_what_they_did(lab):
    seen = Recorder(lab)
    lab.half_step("assign")
    assert seen.names() == ["changed", "stepped"] and seen.of("stepped") == [("assign",)]
    picture = lab.picture()
    np.testing.assert_array_equal(picture.labels, lab.stepper.labels)
    assert picture.last_kind == "assign" and len(picture.history) == 1
    groups = lab.cluster_groups(picture.labels)
    assert len(groups) == 10 and sum(len(g) for g in groups) == N
    for j, group in enumerate(groups):
        assert np.all(picture.labels[group] == j)
    lab.half_step("update")
    lab.step()
    assert [kind for kind, _ in lab.stepper.history] == ["assign", "update"] * 2
    assert np.all(np.diff(j_values(lab)) <= 1e-12 * j_values(lab)[0]), "J went up"
    with pytest.raises(ValueError):
        lab.half_step("sideways")


def test_back_undoes_one_half_step_at_a_time_and_nothing_more(lab):
    lab.step()
    after_assign = lab.stepper.history[:1]
    centroids_after_update = lab.stepper.centroids.copy()
    lab.half_step("assign")
    seen = Recorder(lab)
    lab.back()
    assert seen.of("stepped") == [("undo",)]
    np.testing.assert_array_equal(lab.stepper.centroids, centroids_after_update)
    lab.back()
    lab.back()
    assert lab.stepper.history == [] and lab.picture().labels is None
    seen.clear()
    lab.back()  # nothing left to undo: no news
    assert seen.events == []
    lab.half_step("assign")
    assert lab.stepper.history == after_assign


# ---------------------------------------------------------------- trails
def test_trails_have_a_snapshot_at_the_start_and_after_each_update(lab):
    start = lab.display_centroids().copy()
    assert [len(t) for t in lab.picture().trails] == [1] * 10
    lab.half_step("assign")
    assert [len(t) for t in lab.picture().trails] == [1] * 10  # an assignment moves no centroid
    lab.half_step("update")
    lab.step()
    trails = lab.picture().trails
    assert [len(t) for t in trails] == [3] * 10
    for j, trail in enumerate(trails):
        np.testing.assert_allclose(trail[0], start[j])
        np.testing.assert_allclose(trail[-1], lab.stepper.centroids[j])
    lab.back()  # the last update
    assert [len(t) for t in lab.picture().trails] == [2] * 10
    lab.back()
    lab.back()
    lab.back()
    assert [len(t) for t in lab.picture().trails] == [1] * 10  # the start is never dropped
    lab.half_step("update")
    lab.reset()
    assert [len(t) for t in lab.picture().trails] == [1] * 10


# ------------------------------------------------------ settings, K > n
def test_k_seed_and_start_make_a_new_run(lab):
    lab.step()
    lab.set_k(4)
    assert lab.stepper.k == 4 and lab.stepper.history == []
    first = lab.stepper.centroids.copy()
    lab.set_seed(1)
    lab.set_seed(0)
    np.testing.assert_array_equal(lab.stepper.centroids, first)  # the seed decides the start
    lab.set_init("random points")
    rows = {tuple(c) for c in lab.stepper.centroids}
    assert rows <= {tuple(p) for p in lab.points.coords.astype(np.float64)}  # K of the points
    with pytest.raises(ValueError):
        lab.set_init("anywhere")
    with pytest.raises(ValueError):
        lab.set_k(MAX_K + 1)


def test_more_clusters_than_points_is_a_problem_to_fix_not_a_crash(qtbot):
    lab = KMeansLab(MAX_K)
    seen = Recorder(lab)
    lab.set_points(blobs(5))
    assert lab.stepper is None and lab.picture().centroids is None
    assert lab.message_is_problem and "K = 10" in lab.message and "5 points" in lab.message
    assert seen.of("message_changed")[-1] == (lab.message, True)
    lab.set_k(3)
    assert lab.stepper.k == 3 and lab.message == "" and not lab.message_is_problem


# ------------------------------------------------------ full space vs 2-D
def test_full_space_clusters_the_codes_and_shows_centroids_projected(lab):
    points = lab.points
    lab.set_full_space(True)
    st = lab.stepper
    assert st.points.shape == (N, DIM)
    np.testing.assert_allclose(st.points, points.codes)
    lab.step()
    picture = lab.picture()
    np.testing.assert_allclose(picture.centroids, points.projection.transform(st.centroids))
    assert picture.regions is None  # no 2-D Voronoi for 8-d regions
    assert not picture.draggable and picture.dimension == DIM
    assert lab.regions_while_dragging(0, 1.0, 2.0) is None
    lab.set_full_space(False)
    picture = lab.picture()
    assert lab.stepper.points.shape == (N, 2) and picture.dimension == 2
    np.testing.assert_allclose(picture.regions, lab.stepper.centroids)
    assert picture.draggable
    dragged = lab.regions_while_dragging(2, 1.0, 2.0)
    np.testing.assert_allclose(dragged[2], (1.0, 2.0))
    np.testing.assert_allclose(np.delete(dragged, 2, 0), np.delete(lab.stepper.centroids, 2, 0))


def test_a_click_in_the_full_space_lands_where_it_was_clicked(lab):
    space = ClusteredSpace(lab.points, full=True)
    x, y = 3.5, -1.25
    lifted = space.from_plot(x, y)
    assert lifted.shape == (DIM,)
    np.testing.assert_allclose(space.to_plot(lifted[None, :])[0], (x, y), atol=1e-5)
    flat = ClusteredSpace(lab.points, full=False)
    np.testing.assert_array_equal(flat.from_plot(x, y), (x, y))
    assert flat.dimension == 2 and space.dimension == DIM


# ------------------------------------------------------ placing by hand
def test_placing_moving_and_removing_centroids_by_hand(lab):
    seen = Recorder(lab)
    lab.set_init("click to place")
    assert lab.placing and lab.stepper is None and lab.message == PLACING_HINT
    assert lab.plot_clicked(0.0, 0.0, "left")
    assert lab.stepper.k == 1 and seen.of("k_changed") == [(1,)] and lab.k == 1
    assert lab.message == ""
    assert lab.plot_clicked(5.0, 5.0, "left")
    assert lab.stepper.k == 2 and seen.of("k_changed")[-1] == (2,)
    np.testing.assert_allclose(lab.stepper.centroids, [[0, 0], [5, 5]])
    assert lab.picture().draggable
    lab.step()
    second = lab.stepper.centroids[1].copy()  # where the update took it
    lab.move_centroid(0, 5.0, 0.0)
    np.testing.assert_allclose(lab.stepper.centroids, [(5, 0), second])
    assert lab.stepper.history == []  # an edit starts a new run
    assert [len(t) for t in lab.picture().trails] == [1, 1]
    lab.move_centroid(7, 1.0, 1.0)  # no such centroid: nothing happens
    np.testing.assert_allclose(lab.stepper.centroids, [(5, 0), second])
    assert lab.plot_clicked(second[0] + 0.1, second[1] - 0.1, "right")  # the nearest goes
    np.testing.assert_allclose(lab.stepper.centroids, [[5, 0]])
    assert lab.k == 1
    assert lab.remove_centroid_near(100.0, 100.0)  # the last one, however far
    assert lab.stepper is None and lab.message == PLACING_HINT
    assert not lab.remove_centroid_near(0.0, 0.0)


def test_placing_in_the_full_space_and_at_most_max_k(qtbot):
    lab = KMeansLab(max_k=2)
    lab.set_points(blobs())
    assert lab.k == 2  # the default of 10 does not fit
    lab.set_full_space(True)
    lab.set_init("click to place")
    assert lab.place_centroid(1.0, 2.0)
    assert lab.stepper.centroids.shape == (1, DIM)
    np.testing.assert_allclose(lab.display_centroids(), [[1.0, 2.0]], atol=1e-5)
    assert lab.picture().draggable  # placing: centroids can be dragged in any space
    assert lab.place_centroid(-1.0, 0.0)
    assert not lab.place_centroid(0.0, 0.0)
    assert lab.stepper.k == 2 and lab.message_is_problem and "At most 2" in lab.message
    lab.set_init("k-means++")
    assert not lab.plot_clicked(0.0, 0.0, "left")  # clicks place nothing unless placing


# ------------------------------------------------------------- animation
def test_the_animation_steps_on_each_tick_until_converged(lab):
    seen = Recorder(lab)
    lab.animation.set_speed(10)
    assert lab.animation.interval_ms == 100
    lab.toggle_run()
    assert lab.is_running and seen.of("running_changed") == [(True,)]
    assert lab.stepper.history[0][0] == "assign"  # the first half step comes at once
    ticks = 0
    while lab.is_running:
        lab.animation.tick()  # what the timer does, without waiting for it
        ticks += 1
        assert ticks < 200, "the animation did not stop"
    assert lab.stepper.converged and seen.of("running_changed") == [(True,), (False,)]
    kinds = [kind for kind, _ in lab.stepper.history]
    assert kinds == ["assign", "update"] * (len(kinds) // 2) + ["assign"] * (len(kinds) % 2)
    assert np.all(np.diff(j_values(lab)) <= 1e-12 * j_values(lab)[0]), "J went up"
    lab.toggle_run()  # converged: nothing to animate
    assert not lab.is_running
    with pytest.raises(ValueError):
        lab.animation.set_speed(0)


def test_a_step_by_hand_or_a_second_click_stops_the_animation(lab):
    lab.toggle_run()
    lab.half_step("update")
    assert not lab.is_running
    lab.toggle_run()
    assert lab.is_running
    lab.toggle_run()
    assert not lab.is_running
    lab.toggle_run()
    lab.set_points(blobs(seed=1))
    assert not lab.is_running and lab.stepper.history == []


def test_the_animation_gives_up_after_max_iterations(lab, monkeypatch):
    monkeypatch.setattr(lab_module, "MAX_ITERATIONS", 1)
    lab.toggle_run()
    for _ in range(10):
        lab.animation.tick()
    # Convergence shows only at the assignment after an update, so a limit of
    # one iteration stops the run before it could be known.
    assert not lab.is_running and not lab.stepper.converged
    assert [kind for kind, _ in lab.stepper.history] == ["assign", "update"]


# ---------------------------------------------------------------- export
def test_assignments_csv_has_a_row_per_point_and_an_empty_cluster_before_assign(lab, tmp_path):
    note = lab.write_assignments_csv(str(tmp_path / "before.csv"))
    assert "no assignment yet" in note
    with (tmp_path / "before.csv").open(newline="") as f:
        assert {row["cluster"] for row in csv.DictReader(f)} == {""}
    lab.half_step("assign")
    assert lab.write_assignments_csv(str(tmp_path / "after.csv")) == ""
    with (tmp_path / "after.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    np.testing.assert_array_equal([int(r["cluster"]) for r in rows], lab.stepper.labels)
    with pytest.raises(ValueError, match="no points yet"):
        KMeansLab(MAX_K).write_assignments_csv(str(tmp_path / "none.csv"))


# ----------------------------------------------------- the points' feed
@pytest.fixture
def fed(qtbot, session):
    """A lab fed by a real Session that is never started: no model, no TensorFlow."""
    lab = KMeansLab(MAX_K)
    feed = PointsFeed(session, lab)
    placeholders: list[str] = []
    feed.placeholder_changed.connect(placeholders.append)
    feed.start()
    return lab, feed, placeholders


def test_before_the_backend_latent_codes_wait_and_raw_pixels_come_at_once(fed, session):
    lab, feed, placeholders = fed
    assert lab.points is None and feed.status == LOADING and placeholders == [LOADING]
    assert feed.count == session.dataset.n_test == 64 and feed.max_count == 64
    feed.set_source("pixels")
    assert lab.points is not None and lab.points.source == "raw pixels"
    assert lab.points.n == 64 and lab.points.dim == 784 and lab.stepper is not None
    assert placeholders[-1] == "" and feed.status.startswith("64 test digits · raw pixels (784-d)")
    with pytest.raises(ValueError):
        feed.set_source("colours")


def test_the_count_is_asked_for_once_it_rests_and_capped_to_the_dataset(fed, qtbot, session,
                                                                         embedded):
    lab, feed, _ = fed
    feed.set_source("pixels")
    feed.set_count(20)
    assert feed.request_scheduled and lab.points.n == 64
    with qtbot.waitSignal(lab.points_ready, timeout=5000):
        pass
    assert lab.points.n == 20 and not feed.request_scheduled
    ranges = []
    feed.count_range_changed.connect(lambda maximum, value: ranges.append((maximum, value)))
    session.set_dataset(embedded.subset(100, 12))
    assert ranges == [(12, 12)] and lab.points.n == 12  # the user's 20, capped to 12


def test_codes_are_marked_stale_during_training_and_asked_for_after_it(fed, qtbot, session):
    """The session's flags and signals as its model thread sets them in a run (a real
    run needs TensorFlow: test_kmeans_ui trains one); the lab's points stay."""
    lab, feed, placeholders = fed
    session.runner.is_training = True
    session.weights_changed.emit()  # an epoch ended: no points yet
    assert feed.is_stale and "computed when training ends" in placeholders[-1]
    lab.set_points(blobs(64))  # latent codes from before the run
    assert not feed.is_stale
    points = lab.points
    session.weights_changed.emit()  # the next epoch
    assert feed.is_stale and feed.status == f"64 test digits · {STALE_NOTE}"
    assert lab.points is points and not feed.request_scheduled
    session.is_ready, session.runner.is_training = True, False
    session.weights_changed.emit()  # the run ended
    assert feed.request_scheduled
    # The request goes to the model thread, which has no model: it says so,
    # and the points on screen are kept.
    qtbot.waitUntil(lambda: "could not compute" in feed.status, timeout=10000)
    assert "no model is loaded yet" in feed.status and lab.points is points


def test_progress_of_the_points_job_is_shown_and_other_jobs_are_not(fed, session):
    lab, feed, placeholders = fed
    session.worker.job_progress.emit(POINTS_KEY, 0.4, "Encoding")
    assert feed.status == "computing latent codes… 40%" and placeholders[-1] == feed.status
    session.worker.job_progress.emit("recon-view", 0.7, "")
    session.worker.job_progress.emit(POINTS_KEY, 1.0, "")
    assert feed.status == "computing latent codes… 40%"
    feed.set_source("pixels")
    session.is_ready = True
    session.weights_changed.emit()  # pixels do not depend on the model
    assert not feed.request_scheduled


def test_the_lab_and_its_feed_import_no_tensorflow():
    code = ("import sys, numpy as np\n"
            "from PySide6.QtCore import QCoreApplication\n"
            "from explorer.core.latent_points import make_point_set\n"
            "from explorer.features.kmeans.lab import KMeansLab\n"
            "import explorer.features.kmeans.points_feed\n"
            "app = QCoreApplication([])\n"
            "lab = KMeansLab(20)\n"
            "rng = np.random.default_rng(0)\n"
            "lab.set_points(make_point_set(rng.normal(size=(200, 8)), np.arange(200) % 10,\n"
            "                              np.zeros((200, 28, 28)), 'blobs'))\n"
            "lab.step()\n"
            "print(lab.stepper.iteration, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                           "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False", "False"]

