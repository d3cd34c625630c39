"""The K-means lab's prototype digits never ask a decoder to decode another model's codes.

Found by the soak (tests/benchmarks/soak.py): after an architecture switch the
lab still held the previous model's 32-number codes while the session named
conv, and the decoder was asked to reshape them into 4x4x8.
"""

from __future__ import annotations

import numpy as np
import pytest
from scripted_session import ScriptedSession

from explorer.core import latent_points, models
from explorer.core.latent_points import make_point_set
from explorer.features.kmeans.lab import KMeansLab
from explorer.features.kmeans.prototypes import PROTOTYPES_KEY, PrototypeJob, Prototypes


@pytest.fixture
def session(qtbot, tiny, tmp_path):
    s = ScriptedSession(tiny, tmp_path, arch_id="simple")
    s.become_ready()
    yield s
    assert s.shutdown(5000)


def simple_points(tiny) -> latent_points.PointSet:
    codes = np.random.default_rng(0).random((tiny.n_test, 32)).astype(np.float32)
    return make_point_set(codes, tiny.y_test, tiny.x_test, "latent codes of the simple model")


def test_stale_codes_after_a_switch_are_not_sent_to_the_new_decoder(qtbot, session, tiny):
    lab = KMeansLab(max_k=20)
    prototypes = Prototypes(session, lab)
    qtbot.addWidget(prototypes)
    lab.set_points(simple_points(tiny))
    lab.step()
    assert PROTOTYPES_KEY in session.requests  # simple's own codes: decoded
    assert session.requests.pop(PROTOTYPES_KEY).fn.codes.shape[1] == 32
    session.switch_to("conv")  # the lab's points are still simple's
    lab.step()
    assert PROTOTYPES_KEY not in session.requests
    assert "new model's codes" in prototypes.title.text()


def test_the_job_refuses_codes_of_another_width_with_a_message():
    model = models.build("conv")
    job = PrototypeJob(np.zeros((3, 32), np.float32), "conv")
    with pytest.raises(ValueError, match="the centroids are codes of another model than the conv one"):
        job(None, model, None)
