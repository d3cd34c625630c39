"""LessonPlayer without a window: moving through steps, what a setup and a scene answer."""

from __future__ import annotations

from explorer.core.lesson_file import parse_lesson
from explorer.features.lesson.state import LessonPlayer

LESSON = """
[lesson]
title = "L"

[[step]]
title = "One"
text = "First."
setup = { tab = "Reconstructions" }

[[step]]
title = "Two"
text = "Second."
scene = "two.json"

[[step]]
title = "Three"
text = "Third."
setup = { noise = 0.5 }
"""


def test_the_player_applies_each_steps_setup_and_reports_what_failed(session, tmp_path):
    applied = []
    player = LessonPlayer(session, lambda setup, folder: applied.append((dict(setup), folder))
                          or (["tab: no such tab"] if "tab" in setup else []))
    shown = []
    player.step_changed.connect(shown.append)
    lesson = parse_lesson(LESSON, tmp_path / "l.toml")
    player.open(lesson)
    assert (player.index, player.position_text) == (0, "step 1 of 3")
    assert player.problems == ["tab: no such tab"] and applied[-1] == ({"tab": "Reconstructions"},
                                                                       tmp_path)
    assert not player.can_go_back and player.previous() is False
    assert player.next() and player.index == 1
    assert player.problems == ["scene: this window cannot open scenes yet, so two.json was not "
                               "loaded"]
    assert player.next() and not player.can_go_next and player.next() is False
    player.go(99)  # clamped
    assert player.index == 2 and shown == [0, 1, 2, 2]
    assert player.train_now() == "this step has no run to start"


def test_a_scene_step_loads_the_scene_through_the_window(session, tmp_path):
    loaded = []
    lesson = parse_lesson(LESSON, tmp_path / "l.toml")
    answers = iter([True, False])
    player = LessonPlayer(session, lambda setup, folder: [],
                          load_scene=lambda path: loaded.append(path) or next(answers))
    player.open(lesson, start=1)
    assert player.problems == [f"scene: {tmp_path / 'two.json'} is not there; the rest of the "
                               "step is set up"]
    (tmp_path / "two.json").write_text("{}")
    player.go(1)
    assert loaded == [tmp_path / "two.json"] and player.problems == []
    player.go(1)
    assert player.problems == ["scene: two.json could not be restored; the rest of the step is set up"]
