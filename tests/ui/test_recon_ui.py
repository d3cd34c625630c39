"""The Reconstructions and Latent-codes tabs, driven through their widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from explorer.core import models, views
from explorer.core.data import add_noise
from explorer.features.latent_codes.panel import LatentPanel
from explorer.features.reconstructions.panel import ReconstructionPanel
from explorer.services.session import Session

WAIT = 60000  # the machine is shared: generous, never a sleep


def _panels(qtbot, session):
    recon = ReconstructionPanel(session)
    latent = LatentPanel(session)
    for w in (recon, latent):
        qtbot.addWidget(w)
        w.resize(1000, 620)
        w.show()
    return recon, latent


@pytest.fixture
def setup(qtbot, tiny, tmp_path):
    session = Session(dataset=tiny, trained_dir=tmp_path, arch_id="conv")
    recon, latent = _panels(qtbot, session)
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT):
        session.start()
    yield session, recon, latent
    assert session.shutdown(5000)


def _run(qtbot, session, fn):
    """fn(model, dataset) on the model thread, the way the panels do it."""
    out = []
    session.submit("test-probe", lambda state, m, d: fn(m, d), out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT)
    return out[0]


def _move_slider(qtbot, recon, step):
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT,
                          check_params_cb=lambda v: v.noise == views.noise_from_step(step)):
        recon.noise_slider.setValue(step)
    return recon.current_view


def test_before_tensorflow_the_originals_show_with_a_loading_note(qtbot, tiny, tmp_path):
    session = Session(dataset=tiny, trained_dir=tmp_path, arch_id="conv")
    recon, latent = _panels(qtbot, session)
    rows = recon.recon_view.rows
    np.testing.assert_array_equal(rows[0].images, tiny.x_test[:10])
    assert rows[-1].images is None and "loading TensorFlow" in rows[-1].message
    assert "loading TensorFlow" in recon.mean_loss_label.text()
    assert "loading TensorFlow" in latent.sparsity_label.text()
    recon.noise_slider.setValue(6)  # the noisy row needs no model either
    assert len(recon.recon_view.rows) == 3 and recon.recon_view.rows[1].images is not None
    assert recon.current_view is None and not recon.export_recon_button.isEnabled()
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT):
        session.start()
    assert recon.recon_view.rows[-1].images is recon.current_view.reconstructions
    assert latent.current_codes is not None
    assert session.shutdown(5000)


def test_noise_slider_redraws_noisy_inputs_and_reconstructions(qtbot, setup):
    session, recon, latent = setup
    assert recon.current_view.noisy is None and len(recon.recon_view.rows) == 2
    a = _move_slider(qtbot, recon, 4)
    b = _move_slider(qtbot, recon, 12)
    assert recon.noise_factor == 0.6 and "0.60" in recon.noise_label.text()
    assert b.noisy is not None and not np.array_equal(a.noisy, b.noisy)
    for v in (a, b):
        assert v.noisy.min() >= 0 and v.noisy.max() <= 1
    # What is drawn is the view: originals, noisy, reconstructions.
    rows = recon.recon_view.rows
    assert [r.images for r in rows] == [b.originals, b.noisy, b.reconstructions]
    assert rows[2].below == [f"{x:.3f}" for x in b.per_digit_loss]
    want = _run(qtbot, session, lambda m, d: models.reconstruct(m, b.noisy))
    np.testing.assert_allclose(b.reconstructions, want, atol=1e-6)
    # Back to the same value: the very same noisy picture.
    again = _move_slider(qtbot, recon, 4)
    np.testing.assert_array_equal(again.noisy, a.noisy)
    # Resample: new noise at the same factor.
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT):
        recon.resample_button.click()
    assert recon.current_view.noise == 0.2
    assert not np.array_equal(recon.current_view.noisy, a.noisy)
    # Back to 0: the noisy row goes.
    _move_slider(qtbot, recon, 0)
    assert recon.current_view.noisy is None and len(recon.recon_view.rows) == 2


def test_mean_loss_label_shows_the_test_split_loss_at_the_current_noise(qtbot, setup):
    session, recon, latent = setup
    _move_slider(qtbot, recon, 6)
    qtbot.waitUntil(lambda: recon.mean_loss is not None, timeout=WAIT)
    seed = recon.noise_seed
    want = _run(qtbot, session, lambda m, d: models.per_image_loss(
        d.x_test, models.reconstruct(m, add_noise(d.x_test, 0.3, seed=seed))).mean())
    assert recon.mean_loss == pytest.approx(float(want), rel=1e-5)
    assert f"{recon.mean_loss:.4f}" in recon.mean_loss_label.text()
    assert "0.30" in recon.mean_loss_label.text()


def test_latent_picture_of_conv_is_the_encoders_output(qtbot, setup):
    session, recon, latent = setup
    view = recon.current_view
    codes = _run(qtbot, session, lambda m, d: models.encode(m, d.x_test[view.indices]))
    assert len(latent.code_images) == 10
    for i, picture in enumerate(latent.code_images):
        assert picture.shape == (32, 4)
        np.testing.assert_allclose(picture, codes[i].reshape(4, 32).T, atol=1e-6)
    np.testing.assert_allclose(latent.current_codes, codes, atol=1e-6)
    assert latent.levels == (0.0, pytest.approx(float(codes.max())))
    assert latent.colour_bar.levels() == latent.levels


def test_mean_activation_is_the_encoders_mean_over_the_test_split(qtbot, setup):
    session, recon, latent = setup
    qtbot.waitUntil(lambda: latent.latest_stats is not None, timeout=WAIT)
    want = _run(qtbot, session, lambda m, d: float(models.encode(m, d.x_test).mean()))
    assert latent.latest_stats.mean_activation == pytest.approx(want, rel=1e-5)
    assert f"{want:.3f}" in latent.sparsity_label.text()
    assert latent.latest_stats.n_codes == session.dataset.n_test
    assert "conv" in latent.sparsity_records
    assert latent.sparsity_table.isHidden()  # no simple/sparse pair yet


def test_sparsity_table_compares_simple_and_sparse(qtbot, setup):
    session, recon, latent = setup
    qtbot.waitUntil(lambda: "conv" in latent.sparsity_records, timeout=WAIT)
    for arch in ("simple", "sparse"):
        with qtbot.waitSignal(latent.stats_updated, timeout=WAIT):
            session.select_architecture(arch)
        assert latent.current_view.arch_id == arch
        assert latent.code_images[0].shape == (4, 8)
    assert not latent.sparsity_table.isHidden()
    table = latent.sparsity_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert {"simple", "sparse", "conv"} <= set(rows)
    assert table.item(rows["sparse"], 3).text() == "3.33"
    assert table.item(rows["simple"], 3).text() == "7.30"
    measured = latent.sparsity_records["sparse"].stats.mean_activation
    assert table.item(rows["sparse"], 1).text() == f"{measured:.3f}"
    assert "fresh" in latent.sparsity_records["sparse"].weights_note


def test_one_of_each_digit_shows_0_to_9(qtbot, setup):
    session, recon, latent = setup
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT):
        recon.one_per_class_button.click()
    assert recon.current_view.labels.tolist() == list(range(10))
    assert list(recon.recon_view.rows[0].above) == [str(d) for d in range(10)]
    assert recon.mode == "classes" and recon.one_per_class_button.isChecked()
    with qtbot.waitSignal(recon.view_updated, timeout=WAIT):
        recon.shuffle_button.click()
    assert recon.mode == "random"
    assert not np.array_equal(recon.current_view.indices, np.arange(10))


def test_export_writes_pngs_of_the_expected_size(qtbot, setup, tmp_path, monkeypatch):
    session, recon, latent = setup
    target = tmp_path / "grid.png"
    monkeypatch.setattr(recon, "_ask_png_path", lambda *a: str(target))
    recon.export_recon_button.click()
    image = QImage(str(target))
    # The seed's 2 x 10 layout: 28-pixel digits, 4-pixel gaps, enlarged 4 times.
    assert (image.width(), image.height()) == (4 * (10 * 28 + 9 * 4), 4 * (2 * 28 + 4))
    _move_slider(qtbot, recon, 10)
    recon.export_recon_button.click()
    assert QImage(str(target)).height() == 4 * (3 * 28 + 2 * 4)

    codes = tmp_path / "codes"  # no suffix: .png is added
    monkeypatch.setattr(latent, "_ask_png_path", lambda *a: str(codes))
    latent.export_latent_button.click()
    image = QImage(str(codes) + ".png")
    # digits over the 32x4 conv codes, enlarged twice, then 4 times for the file
    assert (image.width(), image.height()) == (4 * (10 * 28 + 9 * 4), 4 * (28 + 4 + 64))
    assert not image.isGrayscale()  # the codes are in colour (viridis)


def test_clicking_a_code_shows_its_values_as_bars(qtbot, setup):
    session, recon, latent = setup
    assert latent.bar_values.size == 0
    qtbot.waitUntil(lambda: latent.latent_view.isVisible(), timeout=WAIT)
    item = latent.latent_view.code_items[3]
    centre = item.mapRectToScene(item.boundingRect()).center()
    pos = latent.latent_view.mapFromScene(centre)
    with qtbot.waitSignal(latent.code_selected, timeout=WAIT) as blocker:
        qtbot.mouseClick(latent.latent_view.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(pos.x(), pos.y()))
    assert blocker.args == [3]
    np.testing.assert_array_equal(latent.bar_values, latent.current_codes[3].ravel())
    assert latent.bar_values.size == 128
    # A new view (another noise) keeps the chosen digit and refreshes its bars.
    _move_slider(qtbot, recon, 8)
    assert latent.selected_code == 3
    np.testing.assert_array_equal(latent.bar_values, recon.current_view.codes[3].ravel())


def test_a_dataset_without_every_digit_falls_back_to_the_first_ten(qtbot, tiny, tmp_path):
    from explorer.core.data import Dataset

    no_zeros = np.flatnonzero(tiny.y_test != 0)[:30]
    small = Dataset(tiny.x_train, tiny.y_train, tiny.x_test[no_zeros], tiny.y_test[no_zeros],
                    "no zeros")
    session = Session(dataset=small, trained_dir=tmp_path, arch_id="conv")
    try:
        recon = ReconstructionPanel(session)
        qtbot.addWidget(recon)
        messages = []
        session.status_message.connect(messages.append)
        recon.one_per_class_button.click()
        assert recon.mode == "first" and recon.selected_indices.tolist() == list(range(10))
        assert any("digit 0" in m for m in messages)
        assert recon.first_ten_button.isChecked() and not recon.one_per_class_button.isChecked()
    finally:
        assert session.shutdown(5000)


def test_codes_of_a_diverged_model_still_draw(qtbot, setup):
    """Infinite codes (learning rate far too large) used to crash the colour bar."""
    import dataclasses

    session, recon, latent = setup
    codes = recon.current_view.codes.copy()
    codes[0].flat[0] = np.inf
    codes[1].flat[1] = np.nan
    # The codes come to the tab as the shared selection's view (emitting the
    # Reconstructions panel's own signal, as this test once did, reached nobody).
    session.selection.view_updated.emit(dataclasses.replace(recon.current_view, codes=codes))
    assert np.isinf(latent.current_codes).any()  # the tab has the diverged codes
    finite = codes[np.isfinite(codes)]
    assert latent.levels == (0.0, float(finite.max()))
    latent.select_code(0)
    assert latent.selected_code == 0
