"""The latent space as it learns: a time-lapse of fixed probe digits (no Qt).

During a training run the same probe digits (about 1,000 test digits, fixed
by a seed) are encoded after every epoch. Each frame is reduced on the spot
to what the time-lapse shows, so memory stays bounded whatever the code
size:

* the frame's own PCA map of the probe codes, (n, 2) float32 (8 KB for
  1,000 digits), and
* purity and NMI of K-means (K = 10, k-means++ from a fixed seed, run to
  convergence) on the full codes against the true digits;

only the newest frame's codes are kept beside them (n x d float32: 128 KB
for the dense models, 6.3 MB for the 7x7x32 denoising code). Frames are
capped at MAX_FRAMES (500: 4 MB of maps): past that, every other frame is
dropped and only every second epoch is kept from then on, so a long run
keeps an even spread of epochs. The newest epoch is always there.

Shown, the frames share one stable basis: the last frame's own PCA, and
each earlier frame turned onto the one after it by an orthogonal Procrustes
fit (rotation and reflection, no scaling, so the cloud is seen to spread as
the code learns). Aligning each frame to its successor rather than
straight to the last keeps neighbouring frames from flipping against each
other while the early maps look nothing like the last one.

Saving and loading (`save_timelapse` / `load_timelapse`) lives in
explorer.core.timelapse_store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import cluster_metrics, kmeans, models
from explorer.core.blas import one_blas_thread
from explorer.core.latent_points import padded_bounds
from explorer.core.projection import flatten_codes, pca_2d

__all__ = [
    "K_CLUSTERS", "MAX_FRAMES", "PROBE_SIZE", "Frame", "Probe", "RecordingListener", "Timelapse",
    "TimelapseRecorder", "align_frames", "analyse_codes", "lloyd_labels", "make_probe",
    "procrustes_align",
]

PROBE_SIZE = 1000
MAX_FRAMES = 500
K_CLUSTERS = 10
_KMEANS_MAX_ITER = 100
_EXACT_PCA_MAX_DIM = 256


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class Probe:
    """The fixed digits a time-lapse follows: test-split indices, images, labels."""

    indices: np.ndarray
    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        n = self.indices.shape[0]
        if self.images.shape[0] != n or self.labels.shape != (n,):
            raise ValueError(f"{n} probe indices but {self.images.shape[0]} images and "
                             f"{self.labels.shape[0]} labels")

    @property
    def n(self) -> int:
        return int(self.indices.shape[0])


def make_probe(dataset: Any, size: int = PROBE_SIZE, seed: int = 0) -> Probe:
    """`size` test digits (all, if there are fewer) drawn by `seed`, in test-split order."""
    n_test = int(dataset.x_test.shape[0])
    size = min(int(size), n_test)
    if size < K_CLUSTERS:
        raise ValueError(f"a time-lapse needs at least {K_CLUSTERS} test digits, got {n_test}")
    idx = np.sort(np.random.default_rng(seed).choice(n_test, size, replace=False))
    return Probe(idx, np.asarray(dataset.x_test[idx], dtype=np.float32),
                 np.asarray(dataset.y_test[idx], dtype=np.int64))


@dataclass(frozen=True, eq=False)
class Frame:
    """One epoch: its own PCA map of the probe (not yet aligned) and K-means scores."""

    epoch: int
    coords: np.ndarray
    purity: float
    nmi: float
    train_loss: float = float("nan")
    val_loss: float = float("nan")


def lloyd_labels(points: Any, k: int, seed: int = 0, max_iter: int = _KMEANS_MAX_ITER) -> np.ndarray:
    """K-means labels of points (n, d): k-means++ from `seed` (the lab's own
    kmeans.kmeans_plus_plus), then Lloyd's steps until no label changes.

    The lab's KMeansStepper keeps undo and history and sums each coordinate
    on its own (d bincounts per step: 30 ms a step for the 1,568-d denoising
    code); here every step is two matrix products, 2 ms at that size, which
    is what keeps a frame cheap next to an epoch. An empty cluster keeps its
    centroid, as in the lab.
    """
    x = np.asarray(points, dtype=np.float64)
    x = x - x.mean(axis=0)  # the distance expansion below loses digits far from 0
    centroids = kmeans.kmeans_plus_plus(x, k, rng=seed).astype(np.float32)
    # float32 products (half the time of float64): only the order of
    # distances matters here, and the data are centred.
    x = x.astype(np.float32)
    sq = np.einsum("ij,ij->i", x, x)
    labels = np.full(x.shape[0], -1, dtype=np.intp)
    onehot = np.zeros((k, x.shape[0]), dtype=np.float32)
    rows = np.arange(x.shape[0])
    for _ in range(max_iter):
        d2 = sq[:, None] - 2.0 * (x @ centroids.T) + np.einsum("ij,ij->i", centroids, centroids)
        new = np.argmin(d2, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        onehot[:] = 0.0
        onehot[labels, rows] = 1.0
        counts = onehot.sum(axis=1)
        filled = counts > 0
        centroids[filled] = (onehot[filled] @ x) / counts[filled, None]
    return labels


def analyse_codes(codes: Any, labels: Any, k: int = K_CLUSTERS,
                  seed: int = 0) -> tuple[np.ndarray, float, float]:
    """(own PCA map (n, 2) float32, purity, NMI of K-means) of one frame's codes.

    On one BLAS thread (see explorer.core.blas): these products are small,
    and they run between training epochs.
    """
    flat = flatten_codes(codes)
    lab = np.asarray(labels).reshape(-1)
    with one_blas_thread():
        # Wide codes (the denoising model's 1,568) by subspace iteration: 3x faster here.
        coords = pca_2d(flat, randomized=flat.shape[1] > _EXACT_PCA_MAX_DIM).coords
        clusters = lloyd_labels(flat, min(k, flat.shape[0]), seed)
    return (np.array(coords), cluster_metrics.purity(clusters, lab),
            cluster_metrics.normalized_mutual_info(clusters, lab))


# ------------------------------------------------------------ alignment
def _rotation(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Orthogonal R (rotation or reflection) minimising ||source R - target||, both centred."""
    u, _, vt = np.linalg.svd(source.T @ target)
    return u @ vt


def procrustes_align(source: Any, target: Any) -> np.ndarray:
    """`source` (n, 2) moved onto `target` (n, 2) by a translation and an
    orthogonal map (rotation and/or reflection; no scaling)."""
    s = np.asarray(source, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if s.shape != t.shape or s.ndim != 2:
        raise ValueError(f"source {s.shape} and target {t.shape} must be the same (n, d)")
    ms, mt = s.mean(axis=0), t.mean(axis=0)
    return (s - ms) @ _rotation(s - ms, t - mt) + mt


def align_frames(frames: Any) -> np.ndarray:
    """(m, n, 2) maps in the last one's basis, each earlier frame aligned to
    the (aligned) frame after it; float32."""
    raw = np.asarray(frames, dtype=np.float64)
    if raw.ndim != 3 or raw.shape[2] != 2:
        raise ValueError(f"frames must be (m, n, 2), got {raw.shape}")
    out = raw.copy()
    for t in range(raw.shape[0] - 2, -1, -1):
        out[t] = procrustes_align(raw[t], out[t + 1])
    return out.astype(np.float32)


# ------------------------------------------------------------- the frames
@dataclass(frozen=True, eq=False)
class Timelapse:
    """A run's frames, ready to show: coords (m, n, 2) aligned, per-epoch scores.

    raw: the frames' own PCA maps as recorded (what is saved); losses are
    NaN where unknown (the frame before training, say). labels: the probe's
    true digits; probe_indices: into the test split it came from.
    """

    epochs: np.ndarray
    raw: np.ndarray
    coords: np.ndarray
    purity: np.ndarray
    nmi: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    labels: np.ndarray
    probe_indices: np.ndarray
    arch_id: str = ""
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        m = self.epochs.shape[0]
        n = self.labels.shape[0]
        if self.raw.shape != (m, n, 2) or self.coords.shape != (m, n, 2):
            raise ValueError(f"{m} epochs of {n} probe digits need (m, n, 2) maps, got "
                             f"{self.raw.shape} and {self.coords.shape}")
        for name in ("purity", "nmi", "train_loss", "val_loss"):
            if getattr(self, name).shape != (m,):
                raise ValueError(f"{name} must hold one value per epoch ({m})")
        if self.probe_indices.shape != (n,):
            raise ValueError(f"{n} probe labels but {self.probe_indices.shape[0]} indices")
        for a in (self.epochs, self.raw, self.coords, self.purity, self.nmi, self.train_loss,
                  self.val_loss, self.labels, self.probe_indices):
            a.flags.writeable = False

    def __len__(self) -> int:
        return int(self.epochs.shape[0])

    def bounds(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) around every frame, so the view can stay put while it plays."""
        return padded_bounds(self.coords.reshape(-1, 2))

    def index_of_epoch(self, epoch: int) -> int:
        """The frame showing `epoch`, or the last one before it (the first if none is)."""
        return max(int(np.searchsorted(self.epochs, epoch, side="right")) - 1, 0)

    @classmethod
    def from_frames(cls, frames: list[Frame], labels: Any, probe_indices: Any, arch_id: str = "",
                    source: str = "", note: str = "") -> Timelapse:
        if not frames:
            raise ValueError("a time-lapse needs at least one frame")
        raw = np.stack([f.coords for f in frames]).astype(np.float32)
        col = lambda name: np.array([getattr(f, name) for f in frames], dtype=np.float64)  # noqa: E731
        return cls(np.array([f.epoch for f in frames], dtype=np.int64), raw, align_frames(raw),
                   col("purity"), col("nmi"), col("train_loss"), col("val_loss"),
                   np.asarray(labels, dtype=np.int64).copy(),
                   np.asarray(probe_indices, dtype=np.int64).copy(), arch_id, source, note)


class TimelapseRecorder:
    """Collects the frames of one training run; `record` runs on the model thread.

    Thread-safe: the GUI thread may take a `snapshot()` while the model
    thread records. Epochs must increase; a new run takes a new recorder.
    """

    def __init__(self, probe: Probe, max_frames: int = MAX_FRAMES, k: int = K_CLUSTERS,
                 seed: int = 0, arch_id: str = "", source: str = ""):
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2, got {max_frames}")
        self.probe, self.max_frames, self.k, self.seed = probe, int(max_frames), int(k), int(seed)
        self.arch_id, self.source = arch_id, source
        self._frames: list[Frame] = []
        self._stride = 1  # epochs kept for good are multiples of this
        self._provisional = False  # the newest frame is off the stride: the next replaces it
        self._last_codes: np.ndarray | None = None
        self._lock = threading.Lock()

    def record(self, model: models.Autoencoder, epoch: int, train_loss: float | None = None,
               val_loss: float | None = None) -> Frame:
        """Encode the probe with `model` (on the model thread) and add the frame."""
        return self.record_codes(models.encode(model, self.probe.images), epoch, train_loss,
                                 val_loss)

    def record_codes(self, codes: Any, epoch: int, train_loss: float | None = None,
                     val_loss: float | None = None) -> Frame:
        """Add the frame of `codes` (n, ...) of the probe digits after `epoch` epochs."""
        flat = flatten_codes(codes)
        if flat.shape[0] != self.probe.n:
            raise ValueError(f"{flat.shape[0]} codes for {self.probe.n} probe digits")
        epoch = int(epoch)
        with self._lock:
            if self._frames and epoch <= self._frames[-1].epoch:
                raise ValueError(f"epoch {epoch} comes after epoch {self._frames[-1].epoch}; "
                                 "a new training run needs a new recorder")
        coords, pur, nmi = analyse_codes(flat, self.probe.labels, self.k, self.seed)
        nan = float("nan")
        frame = Frame(epoch, coords, pur, nmi,
                      nan if train_loss is None else float(train_loss),
                      nan if val_loss is None else float(val_loss))
        with self._lock:
            if self._provisional:
                self._frames[-1] = frame
            else:
                self._frames.append(frame)
            self._provisional = epoch % self._stride != 0
            if len(self._frames) > self.max_frames:
                self._thin()
            self._last_codes = flat
        return frame

    def _thin(self) -> None:
        """Double the stride: keep the first frame, those on the new stride, the newest."""
        self._stride *= 2
        first, newest = self._frames[0], self._frames[-1]
        kept = [f for f in self._frames[1:-1] if f.epoch % self._stride == 0]
        self._frames = [first, *kept, newest]
        self._provisional = newest.epoch % self._stride != 0

    @property
    def n_frames(self) -> int:
        with self._lock:
            return len(self._frames)

    @property
    def last_codes(self) -> np.ndarray | None:
        """The newest frame's codes (n, d) float32, or None before the first."""
        with self._lock:
            return self._last_codes

    @property
    def nbytes(self) -> int:
        """Memory held by the frames and the newest codes."""
        with self._lock:
            codes = 0 if self._last_codes is None else self._last_codes.nbytes
            return codes + sum(f.coords.nbytes for f in self._frames)

    def snapshot(self, note: str = "") -> Timelapse:
        """The frames so far, aligned (cheap: one 2x2 SVD per frame)."""
        with self._lock:
            frames = list(self._frames)
        return Timelapse.from_frames(frames, self.probe.labels, self.probe.indices, self.arch_id,
                                     self.source, note)

    def listener(self, model: models.Autoencoder, inner: Any = None,
                 first_epoch: int = 0) -> RecordingListener:
        """A training listener that records after every epoch, then tells `inner`."""
        return RecordingListener(self, model, inner, first_epoch)


class RecordingListener:
    """A `training.ProgressListener` that records a frame after each epoch.

    Its on_epoch runs inside Keras' epoch-end callback, on the training
    thread, which is where the model may be called. `first_epoch`: epochs
    done before this run (a resumed run continues the numbering).
    """

    def __init__(self, recorder: TimelapseRecorder, model: models.Autoencoder, inner: Any = None,
                 first_epoch: int = 0):
        self.recorder, self.model, self.inner = recorder, model, inner
        self.first_epoch = int(first_epoch)

    def on_batch(self, progress: Any) -> None:
        if self.inner is not None:
            self.inner.on_batch(progress)

    def on_epoch(self, result: Any) -> None:
        self.recorder.record(self.model, self.first_epoch + result.epoch, result.train_loss,
                             result.val_loss)
        if self.inner is not None:
            self.inner.on_epoch(result)
