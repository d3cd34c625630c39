"""Lesson files: the shipped ones load, broken ones are refused naming file, step and field."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import lesson_figures, lesson_file, models, variants
from explorer.core.lesson_file import Figure, LessonError, load_lesson, parse_lesson

GOOD = """
[lesson]
title = "T"
description = "D"

[[step]]
title = "First"
text = "One."
setup = { architecture = "simple", tab = "Reconstructions", noise = 0.5 }
figures = [{ what = "test loss", tutorial = 0.11, epochs = 50, optimizer = "adadelta" }]
train = { epochs = 2 }

[[step]]
title = "Second"
text = "Two."
scene = "scenes/a.json"
"""


def test_the_shipped_lessons_load_and_follow_the_homework():
    paths = lesson_file.builtin_lessons()
    assert [p.name for p in paths] == ["homework.toml", "what_the_code_knows.toml"]
    homework = load_lesson(paths[0])
    assert 10 <= len(homework.steps) <= 16
    archs = [s.setup.get("architecture") for s in homework.steps if "architecture" in s.setup]
    # The tutorial's order: simple, sparse, deep, conv, denoise.
    order = [a for i, a in enumerate(archs) if a not in archs[:i]]
    assert order == ["simple", "sparse", "deep", "conv", "denoise"]
    assert homework.steps[0].setup["tab"] == "K-means lab"
    figures = {(s.setup.get("architecture"), f.what): f.tutorial
               for s in homework.steps for f in s.figures}
    assert figures[("simple", "test loss")] == 0.11
    assert figures[("sparse", "mean activation")] == 3.33
    assert figures[("simple", "mean activation")] == 7.30
    assert figures[("deep", "test loss")] == 0.097
    # The jump list numbers the steps: a title that starts with a number of
    # its own read "6. 1. The simple autoencoder" there.
    for lesson in map(load_lesson, paths):
        assert not [s.title for s in lesson.steps if s.title[:1].isdigit()]
    assert figures[("conv", "test loss")] == 0.094
    assert any(s.setup.get("noise") == 0.5 and s.setup.get("architecture") == "denoise"
               for s in homework.steps)
    assert homework.steps[-2].setup["kmeans"]["source"] == "latent"
    assert load_lesson(paths[1]).steps


def test_a_good_lesson_parses_into_steps(tmp_path):
    lesson = parse_lesson(GOOD, tmp_path / "l.toml")
    first, second = lesson.steps
    assert (lesson.title, first.title, first.train.epochs) == ("T", "First", 2)
    assert first.figures == (Figure("test loss", 0.11, 50, "adadelta"),)
    assert second.scene == (tmp_path / "scenes" / "a.json").resolve()


@pytest.mark.parametrize(("change", "expected"), [
    (("noise = 0.5", "noise = 5"), "step 1 ('First'), field setup: noise: 5 is outside 0..1"),
    (("title = \"Second\"", "title = \"Second\"\ncolour = 1"),
     "step 2 ('Second'): unknown field 'colour'; known fields: title, text, code"),
    (("what = \"test loss\"", "what = \"speed\""), "step 1 ('First'), field figures[0], what"),
    (("epochs = 2 }", "epochs = 500 }"), "step 1 ('First'), field train, epochs: 500"),
    (("text = \"Two.\"", "text = \"\""), "step 2 ('Second'), field text"),
    (("architecture = \"simple\"", "architecture = \"vgg\""), "field setup: architecture: 'vgg'"),
    (("tab = \"Reconstructions\"", "kmeans = { k = 3, space = \"3-D\" }"),
     "field setup: kmeans: space must be one of map, full"),
    (("[lesson]", "[lessons]"), "unknown top-level 'lessons'"),
    (("text = \"One.\"", "text = One."), "not valid TOML"),
])
def test_a_broken_lesson_names_the_file_the_step_and_the_field(tmp_path, change, expected):
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace(*change, 1))
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_a_lesson_without_steps_or_a_file_that_is_not_there_is_refused(tmp_path):
    with pytest.raises(LessonError, match="no steps"):
        parse_lesson("[lesson]\ntitle = 'x'\n")
    with pytest.raises(LessonError, match="cannot read the lesson file"):
        load_lesson(tmp_path / "missing.toml")


def test_the_why_sentence_is_made_from_the_weights_metadata():
    figure = Figure("test loss", 0.11, 50, "adadelta")
    measured = lesson_figures.Measured("simple", {"test loss": 0.102}, 2000, 8000, 0.0)
    facts = lesson_figures.WeightsFacts(True, 50, "adam", "embedded MNIST sample: 8,000 train")
    text = lesson_figures.why_they_differ(figure, 0.102, facts, measured)
    assert text == ("Lower here: Adam, not Adadelta; trained on 8,000 digits, not MNIST's 60,000; "
                    "2,000 test digits, not 10,000.")
    assert "2,000 test digits" in text and "50 epochs" not in text
    fresh = lesson_figures.why_they_differ(figure, 0.69, lesson_figures.WeightsFacts(False), measured)
    assert "fresh and untrained" in fresh
    same = lesson_figures.WeightsFacts(True, 50, "adadelta", "MNIST 60,000 train / 10,000 test")
    full = lesson_figures.Measured("simple", {}, 10_000, 60_000, 0.0)
    assert lesson_figures.why_they_differ(figure, 0.112, same, full) == "They agree."
    assert lesson_figures.why_they_differ(figure, 0.2, same, full).startswith("Higher here with")
    assert lesson_figures.estimate_seconds(2, 8000, 2000, 1000.0) == pytest.approx(2 * 8666.67 / 1000, 1e-3)


@pytest.mark.parametrize("path", lesson_file.builtin_lessons(), ids=lambda p: p.name)
def test_each_steps_code_builds_the_model_the_step_shows(path):
    """The snippets are the program's own models, layer for layer (not a paraphrase)."""
    for step in load_lesson(path).steps:
        if not step.code:
            continue
        arch = variants.parse(step.setup["architecture"]).arch_id
        scope: dict = {}
        exec(compile(step.code, f"{path.name}: {step.title}", "exec"), scope)  # noqa: S102 - our own file
        theirs, ours = scope["autoencoder"], models.build(arch).autoencoder
        assert [(type(layer).__name__, tuple(layer.output.shape), layer.count_params())
                for layer in theirs.layers] == \
               [(type(layer).__name__, tuple(layer.output.shape), layer.count_params())
                for layer in ours.layers], step.title
        assert tuple(scope["encoder"].output.shape[1:]) == models.spec(arch).code_shape


def test_measured_figures_are_the_direct_computations(embedded):
    model = models.build("sparse")
    data = embedded.subset(300, 100)
    measured = lesson_figures.measure(model, data, ["test loss", "mean activation", "train loss"])
    codes = models.encode(model, data.x_test)
    assert measured.values["mean activation"] == pytest.approx(float(codes.mean()), rel=1e-5)
    recon = models.reconstruct(model, data.x_test)
    assert measured.values["test loss"] == pytest.approx(
        float(models.per_image_loss(data.x_test, recon).mean()), rel=1e-5)
    train_codes, train_recon = models.encode_and_reconstruct(model, data.x_train)
    penalty = 10e-5 * np.abs(train_codes).sum(axis=1).mean()
    assert measured.values["train loss"] == pytest.approx(
        float(models.per_image_loss(data.x_train, train_recon).mean()) + penalty, rel=1e-5)
    assert (measured.n_test, measured.n_train) == (100, 300)


def test_the_training_speed_is_timed_on_a_copy_leaving_the_model_alone(embedded):
    model = models.build("simple")
    before = [w.copy() for w in model.autoencoder.get_weights()]
    speed = lesson_figures.time_training_speed(model, embedded.subset(300, 50), batch_size=64, n=256)
    assert speed > 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.autoencoder.get_weights(),
                                                     strict=True))
