"""t-SNE (openTSNE) and UMAP (umap-learn) maps of latent codes, with progress and cancel.

No Qt here; both run on whatever thread calls them (the UI's model thread)
and take the one task contract (explorer.core.tasks): `state.set_progress`
for the bar, `state.check()` / `is_cancelled()` to stop. A cancelled run
raises `tasks.Cancelled` and returns nothing, not a half-optimised map.

Why these libraries rather than code of our own: openTSNE's Barnes-Hut and
FFT gradients and its callbacks (which see every intermediate layout and can
stop the optimisation) are what animating and cancelling need, and umap-learn
is the reference UMAP. What is done around them:

* Both are handed exact nearest neighbours (explorer.core.neighbours),
  searched in blocks that a cancel can stop between.
* **t-SNE** is tuned for a lecture hall rather than a paper: on 2,000 codes
  of the simple model, half openTSNE's iterations and a coarser Barnes-Hut
  keep the map's 10-NN agreement and trustworthiness at scikit-learn's
  (see TSNE_DEFAULTS and tests/benchmarks/bench_tsne.py). One thread: on the
  shared two-core machines openTSNE's threaded gradient was slower. Its own
  Annoy neighbour index took 3-7 s on 2,000 codes there, the exact search 0.5 s.
* **UMAP** without its own pynndescent index, whose numba compilation took
  50-90 s at the first call of every process here; what is left to compile
  (its graph and layout kernels, about 10 s) is done by `warm_up_umap` and
  reported on its own as `compile_seconds`. UMAP has no callbacks; its
  progress bar (tqdm, configured through UMAP's own `tqdm_kwds`) is pointed
  at a small stream that turns each "epoch n/total" into progress; a cancel
  takes effect when the layout ends (raising out of tqdm left its lock held,
  and the next UMAP then waited for ever).
"""

from __future__ import annotations

import io
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import neighbours
from explorer.core.tasks import Cancelled, TaskState, ensure

__all__ = [
    "MIN_POINTS", "MapFrame", "NeighbourMap", "TSNE_DEFAULTS", "UMAP_DEFAULTS", "tsne_2d",
    "umap_2d", "umap_is_warm", "warm_up_umap",
]

MIN_POINTS = 8  # fewer points than this make no neighbourhood worth a map

# perplexity: openTSNE's and scikit-learn's default. The rest was chosen on
# 2,000 codes of the simple model (tests/benchmarks/bench_tsne.py --sweep:
# two rounds each, seed 0; 10-NN agreement / trustworthiness
# / time on a loaded machine): openTSNE's own 250 + 500 iterations 0.861 /
# 0.981 / 37 s; 125 + 250: 0.877 / 0.982 / 14 s; 100 + 200: 0.872 / 0.980 /
# 14 s; 125 + 250 with a coarser Barnes-Hut (theta 0.8): 0.864 / 0.980 /
# 10 s; scikit-learn's TSNE at its defaults 0.868 / 0.981. Half the
# iterations lose nothing that these figures see, and theta 0.8 (the upper
# end of the usual 0.2-0.8) takes another third off.
TSNE_DEFAULTS: dict[str, Any] = {"perplexity": 30.0, "early_iterations": 125, "iterations": 250}
TSNE_THETA = 0.8  # Barnes-Hut only; openTSNE's FFT route (10,000 points and more) ignores it
# umap-learn's defaults; n_epochs None = umap's own choice (500 up to 10,000 points, else 200).
UMAP_DEFAULTS: dict[str, Any] = {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": None}

# One thread: openTSNE's threaded gradient took 50 s against 14 s for one
# thread in the same runs (two shared cores: the second thread only waits).
TSNE_THREADS = 1
# The t-SNE callback runs every this many iterations: it checks for
# cancellation (so a stop takes effect within a few tens of milliseconds at
# 2,000 points) and hands out a frame if the last one is old enough.
_CHECK_EVERY = 5
FRAME_INTERVAL_S = 1 / 30
_TSNE_SHARE_NEIGHBOURS = 0.1  # of the progress bar


@dataclass(frozen=True, eq=False)  # eq on arrays would be ambiguous
class MapFrame:
    """One intermediate layout of an optimisation, for animating it.

    coords: (n, 2) float32, a private copy; iteration: steps taken, of total;
    phase: "start" (the initial layout), "early exaggeration", "optimising"
    or "done" (the final layout, the same as the result's).
    """

    coords: np.ndarray
    iteration: int
    total: int
    phase: str


@dataclass(frozen=True, eq=False)
class NeighbourMap:
    """A finished t-SNE or UMAP map.

    coords: (n, 2) float32, read-only; params: the parameters as used
    (after clamping to the number of points), sorted by name; seconds: the
    whole call; compile_seconds: the part of it spent compiling UMAP's numba
    kernels (first UMAP of the process only; 0 otherwise and for t-SNE).
    """

    coords: np.ndarray
    method: str
    params: tuple[tuple[str, Any], ...]
    seed: int
    seconds: float
    compile_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.coords.flags.writeable = False

    @property
    def param_dict(self) -> dict[str, Any]:
        return dict(self.params)


FrameCallback = Callable[[MapFrame], None]


def _as_points(points: Any, what: str) -> np.ndarray:
    x = np.asarray(points)
    if x.ndim == 0:
        raise ValueError("points must have a leading sample axis, got a scalar")
    x = np.ascontiguousarray(x.reshape(x.shape[0], -1), dtype=np.float64)
    if x.shape[0] < MIN_POINTS:
        raise ValueError(f"{what} needs at least {MIN_POINTS} points, got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points contain NaN or infinity")
    return x


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


# ------------------------------------------------------------------ t-SNE
class _TsneWatch:
    """openTSNE callback: progress, cancellation and frames.

    openTSNE calls it every `callbacks_every_iters` iterations with the
    embedding as it is; returning True stops the optimisation. Its
    `optimization_about_to_start` marks the start of each phase.
    """

    def __init__(self, state: TaskState, on_frame: FrameCallback | None,
                 phases: tuple[tuple[str, int], ...]):
        self.state, self.on_frame, self.phases = state, on_frame, phases
        self.total = sum(n for _, n in phases)
        self.phase = -1
        self.last_frame = 0.0

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def _done_before(self) -> int:
        return sum(n for _, n in self.phases[:max(self.phase, 0)])

    def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> bool:
        if self.state.is_cancelled():
            return True
        done = self._done_before() + iteration
        name = self.phases[max(self.phase, 0)][0]
        self.state.set_progress(
            _TSNE_SHARE_NEIGHBOURS + (1 - _TSNE_SHARE_NEIGHBOURS) * done / max(self.total, 1),
            f"t-SNE: {name}, iteration {done} of {self.total}")
        now = time.perf_counter()
        # openTSNE calls back before the iteration's own step, so the layout
        # seen here is that of `done - 1` steps; the last one comes after fit.
        if (self.on_frame is not None and done < self.total
                and now - self.last_frame >= FRAME_INTERVAL_S):
            self.last_frame = now
            self.on_frame(MapFrame(np.array(embedding, dtype=np.float32), done - 1, self.total,
                                   name))
        return False


def tsne_2d(points: Any, state: TaskState | None = None, seed: int = 0, *,
            perplexity: float = TSNE_DEFAULTS["perplexity"],
            early_iterations: int = TSNE_DEFAULTS["early_iterations"],
            iterations: int = TSNE_DEFAULTS["iterations"],
            on_frame: FrameCallback | None = None) -> NeighbourMap:
    """t-SNE map of points (n, d) (or codes (n, ...)) by openTSNE.

    Exact nearest neighbours (explorer.core.neighbours), PCA initialisation
    (openTSNE's), Barnes-Hut gradients below 10,000 points and FFT-accelerated
    ones from there (openTSNE's rule), early exaggeration 12 for
    `early_iterations`, then `iterations` more.
    A perplexity above (n - 1) / 3 is lowered to it (and reported in params).

    on_frame(MapFrame), if given, is called on this thread with the initial
    layout before the neighbour search, then with the layout at most every
    FRAME_INTERVAL_S while it optimises, and last with the final one.
    """
    import openTSNE
    import openTSNE.nearest_neighbors

    state = ensure(state)
    t0 = time.perf_counter()
    x = _as_points(points, "t-SNE")
    n = x.shape[0]
    perplexity = float(perplexity)
    if not perplexity > 0:
        raise ValueError(f"perplexity must be positive, got {perplexity}")
    perplexity = min(perplexity, (n - 1) / 3)
    early = _positive_int("early_iterations", early_iterations)
    main = _positive_int("iterations", iterations)
    state.set_progress(0.0, "t-SNE: finding neighbours")
    state.check()
    init = openTSNE.initialization.pca(x, random_state=seed)
    if on_frame is not None:
        on_frame(MapFrame(np.array(init, dtype=np.float32), 0, early + main, "start"))
    # Exact neighbours, 3 x perplexity of them as openTSNE would take: on
    # 2,000 codes 0.5 s against 3-7 s for openTSNE's own Annoy index on a
    # loaded machine, and the search can be cancelled between its blocks.
    k = min(n - 1, max(1, int(3 * perplexity)))
    idx, dist = neighbours.knn(x, k, state.subrange(0.0, _TSNE_SHARE_NEIGHBOURS))
    affinities = openTSNE.affinity.PerplexityBasedNN(
        perplexity=perplexity, n_jobs=TSNE_THREADS,
        knn_index=openTSNE.nearest_neighbors.PrecomputedNeighbors(idx, dist))
    state.check()
    watch = _TsneWatch(state, on_frame, (("early exaggeration", early), ("optimising", main)))
    tsne = openTSNE.TSNE(
        perplexity=perplexity, early_exaggeration_iter=early, n_iter=main, theta=TSNE_THETA,
        n_jobs=TSNE_THREADS, random_state=seed, callbacks=watch,
        callbacks_every_iters=_CHECK_EVERY, verbose=False)
    embedding = tsne.fit(affinities=affinities, initialization=init)
    if state.is_cancelled():  # fit returns the partial embedding of an interrupted run
        raise Cancelled
    coords = np.array(embedding, dtype=np.float32)
    if on_frame is not None:
        on_frame(MapFrame(coords.copy(), early + main, early + main, "done"))
    state.set_progress(1.0, "t-SNE: done")
    params = (("early_iterations", early), ("iterations", main), ("perplexity", perplexity))
    return NeighbourMap(coords, "tsne", params, int(seed), time.perf_counter() - t0)


# ------------------------------------------------------------------- UMAP
_umap_lock = threading.Lock()
_umap_warm = False
_WARM_UP_POINTS = 200


def _import_umap():
    """umap-learn imports TensorFlow (for its parametric UMAP) when it is
    installed: let Keras do that first, the project's way (quiet, with the
    garbage collector frozen afterwards; see models.import_keras)."""
    from explorer.core import models

    models.import_keras()
    import umap

    # Expected, and said on every call, to the terminal of a live demo: a
    # seeded UMAP runs on one thread; neighbours handed in come without an
    # index (only `transform` of new points would need one); and digits that
    # the code separates well make a graph in pieces, which UMAP handles.
    for message in (r"n_jobs value .* overridden", r"precomputed_knn\[2\]",
                    r"Graph is not fully connected"):
        warnings.filterwarnings("ignore", message=message, category=UserWarning)
    return umap


class _EpochStream(io.TextIOBase):
    """Where UMAP's tqdm bar writes "n/total" (bar_format below): progress,
    and the way to stop the layout, since a write that raises ends tqdm's loop."""

    _COUNT = re.compile(r"(\d+)/(\d+)")

    def __init__(self, state: TaskState, lo: float, hi: float):
        super().__init__()
        self.state, self.lo, self.hi = state, lo, hi
        self.stopped = False

    def write(self, text: str) -> int:
        if self.stopped:  # tqdm's own close() writes once more; say nothing twice
            return len(text)
        if self.state.is_cancelled():
            # Not raised from here: an exception out of tqdm's write left tqdm's
            # lock held, and the next UMAP of the process then waited for it for
            # ever (a cancelled UMAP, then UMAP again, froze the model thread).
            # The layout runs to its end (seconds) and _umap_fit then stops.
            self.stopped = True
            return len(text)
        found = self._COUNT.findall(text)
        if found:
            done, total = (int(v) for v in found[-1])
            self.state.set_progress(self.lo + (self.hi - self.lo) * done / max(total, 1),
                                    f"UMAP: epoch {done} of {total}")
        return len(text)

    def flush(self) -> None:
        pass


def _umap_fit(umap, x: np.ndarray, n_neighbors: int, min_dist: float, n_epochs: int | None,
              seed: int, state: TaskState, lo: float) -> np.ndarray:
    """UMAP of x with exact neighbours; progress from lo to 1.0 of state."""
    k = n_neighbors - 1  # UMAP counts the point itself among its neighbours
    idx, dist = neighbours.knn(x, k, state.subrange(lo, lo + 0.25 * (1 - lo)))
    n = x.shape[0]
    knn_idx = np.hstack([np.arange(n)[:, None], idx]).astype(np.int64)
    knn_dist = np.hstack([np.zeros((n, 1)), dist]).astype(np.float32)
    state.check()
    state.set_progress(lo + 0.3 * (1 - lo), "UMAP: building the neighbour graph")
    stream = _EpochStream(state, lo + 0.4 * (1 - lo), 1.0)
    reducer = umap.UMAP(
        n_neighbors=n_neighbors, min_dist=min_dist, n_epochs=n_epochs, random_state=seed,
        precomputed_knn=(knn_idx, knn_dist, None), verbose=False,
        tqdm_kwds={"disable": False, "file": stream, "bar_format": "{n}/{total}",
                   "mininterval": 0.1, "leave": False, "ascii": True})
    try:
        coords = reducer.fit_transform(x.astype(np.float32))
    finally:
        stream.stopped = True
    state.check()
    return np.asarray(coords, dtype=np.float32)


def umap_is_warm() -> bool:
    """Whether this process has compiled UMAP's kernels already."""
    return _umap_warm


def warm_up_umap(state: TaskState | None = None) -> float:
    """Compile UMAP's numba kernels on a small made-up set; seconds spent (0 if done before).

    The first UMAP of a process pays this (about 10 s here, once); the UI
    may call it on the model thread ahead of time. Cancelling it leaves the
    process cold: the next call compiles again.
    """
    global _umap_warm
    state = ensure(state)
    with _umap_lock:
        if _umap_warm:
            return 0.0
        t0 = time.perf_counter()
        state.set_progress(0.0, "UMAP: compiling (first use only)")
        umap = _import_umap()
        rng = np.random.default_rng(0)
        blobs = rng.normal(size=(_WARM_UP_POINTS, 8)) + 6 * rng.integers(3, size=(_WARM_UP_POINTS, 1))
        _umap_fit(umap, blobs, UMAP_DEFAULTS["n_neighbors"], UMAP_DEFAULTS["min_dist"], 10, 0,
                  state, 0.0)
        _umap_warm = True
        return time.perf_counter() - t0


def umap_2d(points: Any, state: TaskState | None = None, seed: int = 0, *,
            n_neighbors: int = UMAP_DEFAULTS["n_neighbors"],
            min_dist: float = UMAP_DEFAULTS["min_dist"],
            n_epochs: int | None = UMAP_DEFAULTS["n_epochs"]) -> NeighbourMap:
    """UMAP map of points (n, d) (or codes (n, ...)) by umap-learn, with exact neighbours.

    n_neighbors (counting the point itself, as UMAP does) above n - 1 is
    lowered to it. The first call in a process compiles UMAP's kernels first
    (see warm_up_umap) and reports that time as `compile_seconds`.
    """
    state = ensure(state)
    t0 = time.perf_counter()
    x = _as_points(points, "UMAP")
    n = x.shape[0]
    n_neighbors = _positive_int("n_neighbors", n_neighbors)
    if n_neighbors < 2:
        raise ValueError(f"n_neighbors must be at least 2, got {n_neighbors}")
    n_neighbors = min(n_neighbors, n - 1)
    min_dist = float(min_dist)
    if not 0.0 <= min_dist <= 1.0:
        raise ValueError(f"min_dist must be between 0 and 1, got {min_dist}")
    if n_epochs is not None:
        n_epochs = _positive_int("n_epochs", n_epochs)
        if n_epochs < 1:
            raise ValueError("n_epochs must be at least 1 (or None for UMAP's own choice)")
    cold = not _umap_warm
    compile_s = warm_up_umap(state.subrange(0.0, 0.5) if cold else None)
    umap = _import_umap()
    coords = _umap_fit(umap, x, n_neighbors, min_dist, n_epochs, int(seed), state,
                       0.5 if cold else 0.0)
    state.set_progress(1.0, "UMAP: done")
    params = (("min_dist", min_dist), ("n_epochs", n_epochs), ("n_neighbors", n_neighbors))
    return NeighbourMap(coords, "umap", params, int(seed), time.perf_counter() - t0, compile_s)
