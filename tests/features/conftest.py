"""Fixtures of the state tests: the program's own session, never started,
which the test drives by answering its jobs (tests/scripted_session.py)."""

from __future__ import annotations

import pytest
from scripted_session import ScriptedSession, Shown


@pytest.fixture
def session(qtbot, tiny, tmp_path, request):
    """The architecture is the test module's ARCH_ID (conv when it names none)."""
    s = ScriptedSession(tiny, tmp_path, arch_id=getattr(request.module, "ARCH_ID", "conv"))
    yield s
    assert s.shutdown(5000)


@pytest.fixture
def shown():
    """Whether the feature's tab is in front (the test says)."""
    return Shown()
