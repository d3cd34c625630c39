"""What a map keeps: 10-NN label agreement and trustworthiness, against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import blobs
from recording import RecordingTask

from explorer.core import embedding_quality as eq
from explorer.core.projection import pca_2d
from explorer.core.tasks import Cancelled, Task

sklearn = pytest.importorskip("sklearn")
from sklearn.manifold import trustworthiness as sk_trustworthiness  # noqa: E402


def direct_agreement(points: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Leave-one-out k-NN majority vote, written out: full distance matrix, argsort."""
    d = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    votes = np.array([np.bincount(labels[row], minlength=labels.max() + 1).argmax() for row in near])
    return float(np.mean(votes == labels))


def tangled(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Classes told apart only along low-variance directions: PCA's map mixes them."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(4, size=n)
    x = rng.normal(size=(n, 12))
    x[:, :2] *= 5.0  # two loud directions that carry no class
    x[:, 2:6] += 6.0 * np.eye(4)[labels]  # the classes, in quiet ones
    return x, labels


def test_pca_figures_match_a_direct_computation():
    x, labels = tangled()
    coords = pca_2d(x).coords
    q = eq.map_quality(x, coords, labels, "pca")
    assert q.map_agreement == pytest.approx(direct_agreement(coords.astype(np.float64), labels))
    assert q.full_agreement == pytest.approx(direct_agreement(x, labels))
    assert q.trustworthiness == pytest.approx(sk_trustworthiness(x, coords, n_neighbors=10),
                                              abs=1e-12)
    assert q.full_agreement > 0.95 and q.map_agreement < 0.6  # PCA hides the classes here
    assert (q.method, q.k, q.dim, q.n) == ("pca", 10, 12, 400)
    assert eq.knn_label_agreement(coords, labels) == q.map_agreement
    assert eq.trustworthiness(x, coords) == q.trustworthiness


def test_pca_of_32d_blobs_matches_a_direct_computation():
    x, labels = blobs()  # 300 points, 6 well-separated blobs in 32-d
    coords = pca_2d(x).coords
    q = eq.map_quality(x, coords, labels, "pca")
    assert q.dim == 32 and q.full_agreement == 1.0
    assert q.map_agreement == pytest.approx(direct_agreement(coords.astype(np.float64), labels))
    assert q.trustworthiness == pytest.approx(sk_trustworthiness(x, coords, n_neighbors=10),
                                              abs=1e-12)


@pytest.mark.parametrize("k", [1, 5, 12])
def test_trustworthiness_matches_scikit_learn(k):
    rng = np.random.default_rng(k)
    x = rng.normal(size=(250, 9))
    coords = x[:, :2] + 0.5 * rng.normal(size=(250, 2))
    assert eq.trustworthiness(x, coords, k) == pytest.approx(
        sk_trustworthiness(x, coords, n_neighbors=k), abs=1e-12)
    assert eq.trustworthiness(x, x[:, [0, 1]] * 0 + x[:, :2], k) <= 1.0


def test_a_perfect_map_keeps_everything():
    x, labels = blobs(n=200, d=2)
    q = eq.map_quality(x, x, labels, "tsne")
    assert q.map_agreement == q.full_agreement > 0.9
    assert q.trustworthiness == pytest.approx(1.0)
    assert q.kept == 1.0


def test_sentences_say_what_the_figures_mean():
    x, labels = tangled()
    pca = eq.map_quality(x, pca_2d(x).coords, labels, "pca")
    text = eq.describe(pca)
    assert f"{pca.map_agreement:.0%}" in text and f"{pca.full_agreement:.0%}" in text
    assert "hides" in text and "t-SNE or UMAP" in text and "12-d code" in text
    good = eq.MapQuality("tsne", 10, 32, 1000, 0.93, 0.94, 0.97)
    text = eq.describe(good)
    assert "PCA" not in text and "keeps almost all" in text and "not to scale" in text
    weak_code = eq.MapQuality("umap", 10, 32, 1000, 0.30, 0.35, 0.80)
    assert "does not separate" in eq.describe(weak_code)
    assert "far apart" in eq.describe(weak_code)


def test_progress_cancellation_and_bad_input():
    x, labels = blobs(n=300)
    coords = pca_2d(x).coords
    state = RecordingTask()
    eq.map_quality(x, coords, labels, "pca", state=state)
    assert state.fractions[-1] == 1.0 and state.fractions == sorted(state.fractions)
    cancelled = Task()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        eq.map_quality(x, coords, labels, state=cancelled)
    with pytest.raises(ValueError, match="coords"):
        eq.map_quality(x, coords[:10], labels)
    with pytest.raises(ValueError, match="labels"):
        eq.map_quality(x, coords, labels[:10])
    with pytest.raises(ValueError, match="at least 21 points"):
        eq.map_quality(x[:20], coords[:20], labels[:20])
