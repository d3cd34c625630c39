"""The digit grid scales its digits to the room it has, and its captions never overlap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from explorer.widgets.digit_grid import DigitGrid, GridRow


def grid(qtbot, w, h, captions=("0.1234",) * 10):
    g = DigitGrid()
    qtbot.addWidget(g)
    rng = np.random.default_rng(0)
    digits = rng.random((10, 28, 28)).astype(np.float32)
    g.set_rows([GridRow("original", digits, above=[str(i) for i in range(10)]),
                GridRow("noisy input (0.50)", digits),
                GridRow("reconstruction", digits, below=list(captions))])
    g.resize(w, h)
    g.show()
    qtbot.waitExposed(g)
    return g


@pytest.mark.parametrize("size", [(240, 120), (600, 300), (1000, 420), (1500, 700), (3800, 1900)])
def test_captions_never_overlap_at_any_size(qtbot, size):
    g = grid(qtbot, *size, captions=["0.123456"] * 10)
    rects = g.caption_rects()
    assert len(rects) == 20
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b), (size, a, b)


def test_digits_grow_continuously_with_the_room(qtbot):
    sizes = []
    for width in (700, 760, 820, 880):
        g = grid(qtbot, width, 2000)  # width decides
        sizes.append(g.cell_size())
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert any(s / 28 != int(s / 28) for s in sizes)  # not whole multiples only


def test_captions_grow_with_the_digits(qtbot):
    small, large = grid(qtbot, 500, 260), grid(qtbot, 2400, 1200)
    h = [min(r.height() for r in g.caption_rects()) for g in (small, large)]
    assert large.cell_size() > 3 * small.cell_size()
    assert h[1] > 1.5 * h[0]
