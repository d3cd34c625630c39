"""The time-lapse core: probe, frames with bounded memory, stable basis, save and load."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import cluster_metrics, kmeans, store
from explorer.core import timelapse as tl
from explorer.core.timelapse_store import load_timelapse, save_timelapse, timelapse_path


def rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


MIRROR = np.array([[1.0, 0.0], [0.0, -1.0]])


@pytest.fixture
def probe():
    rng = np.random.default_rng(0)
    n = 200
    return tl.Probe(np.arange(n) * 3, rng.random((n, 28, 28)).astype(np.float32),
                    np.arange(n) % 10)


def learning_codes(probe: tl.Probe, epoch: int, d: int = 16) -> np.ndarray:
    """Codes that separate the digits better as the epochs go by."""
    rng = np.random.default_rng(epoch)
    centres = np.random.default_rng(99).normal(size=(10, d)) * 4
    return centres[probe.labels] * min(epoch, 10) / 10 + rng.normal(size=(probe.n, d))


# ----------------------------------------------------------------- alignment
@pytest.mark.parametrize("angle", [0.3, 2.0, -2.9])
def test_procrustes_recovers_a_rotated_and_reflected_copy(angle):
    x = np.random.default_rng(1).normal(size=(300, 2)) * [3.0, 1.0]
    moved = x @ MIRROR @ rotation(angle) + [5.0, -2.0]
    np.testing.assert_allclose(tl.procrustes_align(moved, x), x, atol=1e-10)
    np.testing.assert_allclose(tl.procrustes_align(x @ rotation(angle), x), x, atol=1e-10)


def test_procrustes_does_not_rescale():
    x = np.random.default_rng(2).normal(size=(100, 2))
    aligned = tl.procrustes_align(2.0 * x @ rotation(1.0), x)
    np.testing.assert_allclose(np.linalg.norm(aligned - aligned.mean(0)),
                               2.0 * np.linalg.norm(x - x.mean(0)))


def test_frames_are_shown_in_the_last_frames_basis_without_flips():
    base = np.random.default_rng(3).normal(size=(150, 2)) * [4.0, 1.0]
    # the same picture, each frame flipped or turned as a fresh PCA might give it
    frames = [base @ MIRROR @ rotation(a) for a in (0.0, 1.5, 3.0)] + [base]
    aligned = tl.align_frames(frames)
    assert aligned.dtype == np.float32 and aligned.shape == (4, 150, 2)
    for frame in aligned:
        np.testing.assert_allclose(frame, base, atol=1e-5)
    with pytest.raises(ValueError):
        tl.align_frames(np.zeros((3, 10)))


# ------------------------------------------------------------------ frames
def test_a_frame_holds_its_map_and_kmeans_scores(probe):
    codes = learning_codes(probe, 10)
    coords, pur, nmi = tl.analyse_codes(codes, probe.labels)
    assert coords.shape == (probe.n, 2) and coords.dtype == np.float32
    labels = tl.lloyd_labels(codes, 10)
    assert pur == cluster_metrics.purity(labels, probe.labels) > 0.9
    assert nmi == cluster_metrics.normalized_mutual_info(labels, probe.labels) > 0.9


def test_lloyd_reaches_a_fixed_point_of_the_labs_own_steps():
    codes = np.random.default_rng(4).normal(size=(300, 8))
    labels = tl.lloyd_labels(codes, 5, seed=0)
    means = np.array([codes[labels == j].mean(axis=0) for j in range(5)])
    stepper = kmeans.KMeansStepper(codes, 5, init=means)
    stepper.assign()  # from the means of lloyd's clusters, the lab's r-step changes nothing
    np.testing.assert_array_equal(stepper.labels, labels)


def test_scores_rise_as_the_codes_learn(probe):
    rec = tl.TimelapseRecorder(probe)
    for epoch in range(0, 11, 2):
        frame = rec.record_codes(learning_codes(probe, epoch), epoch, train_loss=1.0 / (epoch + 1))
        assert frame.epoch == epoch
    snap = rec.snapshot()
    np.testing.assert_array_equal(snap.epochs, [0, 2, 4, 6, 8, 10])
    assert snap.purity[-1] > 0.9 > snap.purity[0]
    assert snap.nmi[-1] > snap.nmi[0]
    np.testing.assert_allclose(snap.train_loss, [1.0 / (e + 1) for e in snap.epochs])
    assert np.all(np.isnan(snap.val_loss))
    np.testing.assert_array_equal(snap.coords[-1], snap.raw[-1])  # the last frame is the basis
    assert snap.index_of_epoch(5) == 2 and snap.index_of_epoch(-3) == 0
    x0, x1, y0, y1 = snap.bounds()
    assert x0 <= snap.coords[..., 0].min() and snap.coords[..., 1].max() <= y1
    np.testing.assert_array_equal(rec.last_codes, learning_codes(probe, 10).astype(np.float32))


def test_memory_stays_bounded_and_keeps_the_first_and_newest_epochs(probe):
    rec = tl.TimelapseRecorder(probe, max_frames=8)
    codes = learning_codes(probe, 10)
    for epoch in range(0, 41):
        rec.record_codes(codes, epoch)
        assert rec.n_frames <= 8
        epochs = rec.snapshot().epochs
        assert epochs[0] == 0 and epochs[-1] == epoch
    epochs = rec.snapshot().epochs
    gaps = np.diff(epochs[:-1])
    assert np.all(gaps == gaps[0])  # an even spread of the kept epochs
    per_frame = probe.n * 2 * 4
    assert rec.nbytes <= 8 * per_frame + codes.size * 4


def test_epochs_must_go_forward_and_codes_must_fit_the_probe(probe):
    rec = tl.TimelapseRecorder(probe)
    rec.record_codes(learning_codes(probe, 1), 1)
    with pytest.raises(ValueError, match="new recorder"):
        rec.record_codes(learning_codes(probe, 1), 1)
    with pytest.raises(ValueError, match="probe"):
        rec.record_codes(np.zeros((5, 16)), 2)
    with pytest.raises(ValueError):
        tl.TimelapseRecorder(probe).snapshot()  # no frames yet


def test_the_probe_is_fixed_by_its_seed(embedded):
    a = tl.make_probe(embedded)
    b = tl.make_probe(embedded)
    assert a.n == tl.PROBE_SIZE
    np.testing.assert_array_equal(a.indices, b.indices)
    assert np.all(np.diff(a.indices) > 0)
    np.testing.assert_array_equal(a.labels, embedded.y_test[a.indices])
    assert not np.array_equal(tl.make_probe(embedded, seed=1).indices, a.indices)
    assert tl.make_probe(embedded, size=50_000).n == embedded.x_test.shape[0]


# ------------------------------------------------------------ save and load
def test_frames_survive_a_save_and_a_load(probe, tmp_path):
    rec = tl.TimelapseRecorder(probe, arch_id="simple", source="test data")
    for epoch in range(4):
        rec.record_codes(learning_codes(probe, epoch * 3), epoch, 0.3 - 0.01 * epoch, 0.31)
    snap = rec.snapshot(note="made by a test")
    path = save_timelapse(snap, timelapse_path("simple", tmp_path))
    assert path == tmp_path / "simple.timelapse.npz"
    back = load_timelapse(path)
    np.testing.assert_array_equal(back.epochs, snap.epochs)
    span = np.ptp(snap.raw)
    np.testing.assert_allclose(back.raw, snap.raw, atol=span / 2000)  # float16 on disk
    np.testing.assert_allclose(back.coords, snap.coords, atol=span / 500)
    np.testing.assert_allclose(back.purity, snap.purity, rtol=1e-6)
    np.testing.assert_allclose(back.train_loss, snap.train_loss, rtol=1e-6)
    np.testing.assert_array_equal(back.labels, probe.labels)
    np.testing.assert_array_equal(back.probe_indices, probe.indices)
    assert (back.arch_id, back.source, back.note) == ("simple", "test data", "made by a test")
    assert [p.name for p in tmp_path.iterdir()] == ["simple.timelapse.npz"]  # no leftovers


def test_bad_files_raise_a_store_error_that_says_what_to_do(tmp_path):
    with pytest.raises(store.StoreError, match="no time-lapse file"):
        load_timelapse(tmp_path / "missing.timelapse.npz")
    junk = tmp_path / "junk.timelapse.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(store.StoreError, match="training the model again"):
        load_timelapse(junk)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(store.StoreError, match="missing"):
        load_timelapse(other)


def test_recording_during_a_real_training_run(tiny):
    from explorer.core import models, training

    model = models.build("simple")
    probe = tl.make_probe(tiny, size=40)
    rec = tl.TimelapseRecorder(probe, arch_id="simple")
    rec.record(model, 0)  # before training: the untrained codes
    epochs_seen = []

    class Inner:
        def on_batch(self, progress):
            pass

        def on_epoch(self, result):
            epochs_seen.append(result.epoch)

    config = training.TrainConfig.for_arch("simple", epochs=2, batch_size=64)
    result = training.train(model, tiny, config, rec.listener(model, Inner()))
    assert result.status == "finished" and epochs_seen == [1, 2]
    snap = rec.snapshot()
    np.testing.assert_array_equal(snap.epochs, [0, 1, 2])
    assert np.isnan(snap.train_loss[0])
    np.testing.assert_allclose(snap.train_loss[1:], [h.train_loss for h in result.history])
    codes = models.encode(model, probe.images)
    np.testing.assert_allclose(rec.last_codes, codes.reshape(40, -1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arch", ["simple", "sparse", "deep", "conv", "denoise"])
def test_every_shipped_model_comes_with_the_frames_of_its_configuration(arch, embedded):
    frames = load_timelapse(timelapse_path(arch))
    meta = store.load_metadata(arch)
    assert frames.arch_id == arch and "re-run" in frames.note
    assert len(frames) == meta.epochs + 1  # before the first epoch, then after each
    np.testing.assert_array_equal(frames.epochs, np.arange(meta.epochs + 1))
    probe = tl.make_probe(embedded)  # the probe the program would draw on the same data
    np.testing.assert_array_equal(frames.probe_indices, probe.indices)
    np.testing.assert_array_equal(frames.labels, probe.labels)
    assert np.all(np.isfinite(frames.coords)) and np.all(np.isnan(frames.train_loss[:1]))
    assert frames.val_loss[-1] == pytest.approx(meta.val_loss, abs=0.01)
    assert frames.purity[-1] > 0.3 and frames.nmi[-1] > 0.3
