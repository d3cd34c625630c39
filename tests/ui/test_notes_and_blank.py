"""The tabs' "What am I looking at?" notes, and the blank-screen key B."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

TIMEOUT = 60000


def test_every_tab_has_a_note_that_opens_closes_and_is_remembered(window, qtbot, tiny, tmp_path):
    tabs = window.tabs
    for i in range(tabs.count()):
        note = tabs.note(i)
        assert note is not None and len(note.text()) > 150, tabs.tabText(i)
        assert note.isHidden()  # closed at first: it costs the page no height
    window.show_feature(window.kmeans_panel)
    assert tabs.about_button.isEnabled() and not tabs.about_button.isChecked()
    tabs.about_button.click()
    note = tabs.note()
    assert note.isVisible() and "half steps" in note.text()
    assert window.kmeans_panel.height() > 0
    window.show_feature(window.recon_panel)
    assert not tabs.about_button.isChecked()  # each tab's note is its own
    window.findChild(type(window.blank_screen_action), "about_note_action").trigger()  # F1
    assert tabs.note().isVisible() and tabs.about_button.isChecked()
    tabs.about_button.click()
    assert tabs.note().isHidden()
    window.close()

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    again = MainWindow(dataset=tiny, trained_dir=tmp_path / "no-weights", settings=settings,
                       start=False)
    qtbot.addWidget(again)
    try:
        assert not again.tabs.note(again.tabs.indexOf(again.kmeans_panel)).isHidden()
        assert again.tabs.note(again.tabs.indexOf(again.recon_panel)).isHidden()
        # Presentation mode closes every note, and gives them back afterwards.
        again.tabs.set_presenting(True)
        assert again.tabs.note(again.tabs.indexOf(again.kmeans_panel)).isHidden()
        again.tabs.set_presenting(False)
        assert not again.tabs.note(again.tabs.indexOf(again.kmeans_panel)).isHidden()
    finally:
        again.session.shutdown(5000)


def test_b_blanks_the_window_and_any_key_or_click_brings_it_back(window, qtbot):
    blank = window.blank_screen
    qtbot.waitUntil(lambda: window.kmeans_panel.stepper is not None, timeout=TIMEOUT)
    assert window.blank_screen_action.shortcut() == QKeySequence("B")
    assert window.blank_screen_action in window.view_menu.actions()
    window.activateWindow()
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_B)
    assert blank.is_blank and blank.geometry() == window.rect()
    # The key that brings it back does nothing else: Ctrl+1 would assign in K-means.
    qtbot.keyClick(blank, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert not blank.is_blank
    assert window.kmeans_panel.stepper.history == []
    qtbot.keyClick(window.tabs, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert len(window.kmeans_panel.stepper.history) == 1  # the same key, not blanked, assigns
    window.blank_screen_action.trigger()
    assert blank.is_blank
    qtbot.mouseClick(blank, Qt.MouseButton.LeftButton)
    assert not blank.is_blank


def test_b_typed_in_a_text_field_does_not_blank(window, qtbot):
    window.show_feature(window.kmeans_panel)
    spin = window.kmeans_panel.seed_spin
    spin.setFocus()
    editor = spin.lineEdit()
    qtbot.keyClick(editor, Qt.Key.Key_B)
    assert not window.blank_screen.is_blank


def test_with_every_note_open_every_control_is_still_reachable_at_1024x640(qtbot, tiny, tmp_path):
    from fit import all_problems

    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "open.ini"), QSettings.Format.IniFormat)
    for key in ("training_tab", "reconstructions", "latent_codes", "latent_space", "kmeans",
                "timelapse"):
        settings.setValue(f"notes/{key}", True)
    w = MainWindow(dataset=tiny, trained_dir=tmp_path / "none", settings=settings)
    qtbot.addWidget(w)
    w.resize(1024, 640)
    with qtbot.waitSignal(w.session.backend_ready, timeout=TIMEOUT):
        w.show()
    assert all(not w.tabs.note(i).isHidden() for i in range(w.tabs.count()))
    problems = {tab: p for tab, p in all_problems(w).items() if p}
    assert problems == {}
    w.close()
