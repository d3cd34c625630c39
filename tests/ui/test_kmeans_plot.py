"""The K-means plot's faster drawing path draws what pyqtgraph's own path draws."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor

from explorer.features.kmeans import plot_items
from explorer.features.kmeans.plot import KMeansPlot
from explorer.features.kmeans.plot_items import color


def spots(item: pg.ScatterPlotItem) -> dict:
    """An item's record array, field by field, object fields by identity of their value."""
    data = item.data
    return {name: (list(data[name]) if data.dtype[name].hasobject else data[name].copy())
            for name in data.dtype.names}


@pytest.mark.parametrize("n", [0, 1, 500])
def test_fast_records_are_pyqtgraphs_own(qtbot, n):
    pos = np.random.default_rng(n).normal(size=(n, 2))
    # the same pen and brush objects: the symbol atlas keys on them
    style = dict(size=5, pen=pg.mkPen(None), brush=pg.mkBrush(10, 20, 30, 200), symbol="o", pxMode=True,
                 useCache=True, antialias=False)
    fast = plot_items.OneStyleScatter(**style)
    plain = pg.ScatterPlotItem(**style)
    plain.fragmentAtlas = fast.fragmentAtlas  # one atlas, so the source rectangles compare
    fast.setData(pos=pos)
    plain.setData(pos=pos)
    a, b = spots(fast), spots(plain)
    assert a.keys() == b.keys()
    for name in a:
        if isinstance(a[name], list):
            assert a[name] == b[name], name
        else:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    x, y = fast.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), pos.reshape(n, 2))


def test_other_calls_take_pyqtgraphs_path(qtbot):
    item = plot_items.OneStyleScatter(size=5, pen=None, brush=pg.mkBrush("r"), pxMode=True)
    item.setData(x=[0.0, 1.0], y=[2.0, 3.0])
    np.testing.assert_array_equal(item.getData()[1], [2.0, 3.0])
    item.setData(pos=[(0.0, 1.0)])  # a list, not an array
    assert len(item.data) == 1


def test_empty_items_are_hidden_and_the_clusters_are_drawn_in_their_colours(qtbot):
    plot = KMeansPlot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    rng = np.random.default_rng(0)
    coords = np.concatenate([rng.normal(size=(200, 2)) * 0.2 + c for c in ((-2, 0), (2, 0))])
    labels = np.repeat([0, 1], 200)
    groups = [np.flatnonzero(labels == j) for j in range(3)]  # K = 3, cluster 2 empty
    plot.set_points(coords, labels, 3, groups)
    plot.set_view((-3.0, 3.0, -1.5, 1.5))
    assert plot.cluster_items[0].isVisible() and plot.cluster_items[1].isVisible()
    assert not plot.cluster_items[2].isVisible() and not plot.unassigned_item.isVisible()
    assert not any(item.isVisible() for item in plot.cluster_items[3:])
    image = plot.grab().toImage()
    seen = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 2)
            for y in range(0, image.height(), 2)}

    def drawn(j: int) -> bool:  # the brush is the colour at alpha 200 over white
        r, g, b = color(j)
        blend = QColor(*(round(c * 200 / 255 + 255 * 55 / 255) for c in (r, g, b)))
        return any(abs(QColor(s).red() - blend.red()) <= 2 and abs(QColor(s).green()
                   - blend.green()) <= 2 and abs(QColor(s).blue() - blend.blue()) <= 2
                   for s in seen)

    assert drawn(0) and drawn(1) and not drawn(2)
    plot.set_points(coords, None, 0)  # back to all grey
    assert plot.unassigned_item.isVisible() and not plot.cluster_items[0].isVisible()
    assert len(plot.unassigned_item.data) == 400


def test_trails_and_the_hover_ring_show_only_with_something_to_show(qtbot):
    plot = KMeansPlot()
    qtbot.addWidget(plot)
    trail = np.array([[0.0, 0.0], [1.0, 1.0]])
    plot.set_centroids(np.array([[1.0, 1.0]]), [trail])
    assert plot.trail_items[0].isVisible() and plot.trail_dots.isVisible()
    plot.set_centroids(np.array([[1.0, 1.0]]), [trail[:1]])
    assert not plot.trail_items[0].isVisible() and not plot.trail_dots.isVisible()
    plot.set_hover_data(trail, np.zeros((2, 28, 28), np.float32), np.array([3, 4]))
    plot.show_hover(1)
    assert plot.hover_ring.isVisible()
    plot.hide_hover()
    assert not plot.hover_ring.isVisible()


def as_argb(image) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :4 * image.width()].reshape(image.height(), image.width(), 4).astype(int)


def test_regions_render_the_colours_pyqtgraph_would(qtbot):
    grid = np.random.default_rng(5).integers(0, 30, size=(30, 40)).astype(np.uint8)  # 20+: none
    lut = plot_items.region_lut()
    fast = plot_items.RegionsImage(lut)
    plain = pg.ImageItem(axisOrder="row-major")
    plain.setLookupTable(lut)
    for item in (fast, plain):
        item.setImage(grid, autoLevels=False, levels=(0, 255))
        item.render()
    ours, theirs = as_argb(fast.qimage), as_argb(plain.qimage)
    assert ours.shape == (30, 40, 4)
    assert np.max(np.abs(ours - theirs)) <= 1  # premultiplication rounds either way
    assert np.all(ours[grid >= len(plot_items.PALETTE)] == 0)  # past the palette: clear
    np.testing.assert_array_equal(fast.image, grid)  # the index grid is kept as it was
