"""Lesson mode's state: the open lesson, the step shown, its live figures and its short run.

`LessonPlayer` holds no widget and imports no other feature: the window
gives it `apply_setup(setup, folder) -> problems` (window_state.apply),
`load_scene(path)` (None when the window has no scenes) and
`start_training(plan) -> problem or None` (the model dock's Train). Going to
a step applies its setup at once (nothing waits for the model thread) and
asks for its figures, which come back by `figures_changed` once measured on
the weights the window then holds; every new set of weights asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import lesson_figures, models
from explorer.core.lesson_figures import Measured, WeightsFacts
from explorer.core.lesson_file import Figure, Lesson, Step, TrainPlan
from explorer.services.session import Session

FIGURES_KEY = "lesson-figures"
SPEED_KEY = "lesson-speed"
# The tiny timing run (a second or two of the model thread, not interruptible) waits until
# a step has been shown this long: walking quickly through steps never waits behind it.
SPEED_DELAY_MS = 3000
WAITING = "measuring…"

ApplySetup = Callable[[Mapping[str, Any], Path], list[str]]


@dataclass(frozen=True)
class FigureRow:
    """One line of the step's table: the tutorial's value beside the live one."""

    figure: Figure
    live: float | None  # None: not measured yet (or not measurable now)
    why: str

    @property
    def live_text(self) -> str:
        return WAITING if self.live is None else _format(self.figure, self.live)

    @property
    def tutorial_text(self) -> str:
        return _format(self.figure, self.figure.tutorial)


def _format(figure: Figure, value: float) -> str:
    return f"{value:.2f}" if figure.what == "mean activation" else f"{value:.3f}"


class LessonPlayer(QObject):
    lesson_changed = Signal(object)  # the Lesson opened (None: closed)
    step_changed = Signal(int)  # index of the step now shown
    problems_changed = Signal(list)  # what the step's setup could not do, as sentences
    figures_changed = Signal(list)  # [FigureRow] of the step shown
    train_note_changed = Signal(str)  # how long "Train it now" takes here ("" : no run)

    def __init__(self, session: Session, apply_setup: ApplySetup,
                 load_scene: Callable[[Path], bool | None] | None = None,
                 start_training: Callable[[TrainPlan], str | None] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._apply_setup = apply_setup
        self._load_scene = load_scene
        self._start_training = start_training
        self.lesson: Lesson | None = None
        self.index = 0
        self.problems: list[str] = []
        self.rows: list[FigureRow] = []
        self.measured: Measured | None = None
        self.train_note = ""
        self._speeds: dict[str, float] = {}  # variant name -> training samples/s measured here
        self._speed_is_timed: dict[str, bool] = {}  # True: from the tiny timing run only
        self._speed_timer = QTimer(self)
        self._speed_timer.setSingleShot(True)
        self._speed_timer.setInterval(SPEED_DELAY_MS)
        self._speed_timer.timeout.connect(self._time_speed)
        session.weights_changed.connect(self._on_weights_changed)
        session.dataset_changed.connect(self._on_weights_changed)
        # The test loss is measured at the noise shown: moving the slider measures again
        # (a newer request replaces one still waiting).
        session.selection.changed.connect(self._on_selection_changed)
        session.epoch_finished.connect(self._on_epoch)

    # ------------------------------------------------------------ reading
    @property
    def steps(self) -> tuple[Step, ...]:
        return self.lesson.steps if self.lesson is not None else ()

    @property
    def step(self) -> Step | None:
        return self.steps[self.index] if self.steps else None

    @property
    def position_text(self) -> str:
        """"step 3 of 12"."""
        return f"step {self.index + 1} of {len(self.steps)}" if self.steps else "no lesson open"

    @property
    def can_go_next(self) -> bool:
        return self.index + 1 < len(self.steps)

    @property
    def can_go_back(self) -> bool:
        return bool(self.steps) and self.index > 0

    # ------------------------------------------------------------- moving
    def open(self, lesson: Lesson, start: int = 0) -> None:
        self.lesson = lesson
        self.lesson_changed.emit(lesson)
        self.go(start)

    def go(self, index: int) -> None:
        """Show step `index` (clamped to the lesson) and set the window up for it."""
        if not self.steps:
            return
        self.index = max(0, min(int(index), len(self.steps) - 1))
        self._speed_timer.stop()
        # The last step's work: a timing not yet begun, figures stopped at their next batch.
        self.session.worker.cancel(SPEED_KEY)
        self.session.worker.cancel(FIGURES_KEY)
        step = self.steps[self.index]
        folder = self.lesson.folder
        problems = list(self._apply_setup(step.setup, folder))
        if step.scene is not None:
            problems += self._restore_scene(step.scene)
        self.problems = problems
        self.rows = [FigureRow(f, None, "") for f in step.figures]
        self.measured = None
        self.step_changed.emit(self.index)
        self.problems_changed.emit(problems)
        self.figures_changed.emit(self.rows)
        self.request_figures()  # before the run's timing: the figures are what is talked over
        self._update_train_note()

    def next(self) -> bool:
        if not self.can_go_next:
            return False
        self.go(self.index + 1)
        return True

    def previous(self) -> bool:
        if not self.can_go_back:
            return False
        self.go(self.index - 1)
        return True

    def _restore_scene(self, path: Path) -> list[str]:
        if self._load_scene is None:
            return [f"scene: this window cannot open scenes yet, so {path.name} was not loaded"]
        if not path.is_file():
            return [f"scene: {path} is not there; the rest of the step is set up"]
        try:
            restored = self._load_scene(path)
        except (OSError, ValueError) as exc:
            return [f"scene: {exc}"]
        if restored is False:  # the window said why, in its own message
            return [f"scene: {path.name} could not be restored; the rest of the step is set up"]
        return []

    # ------------------------------------------------------------ figures
    def request_figures(self) -> None:
        """Measure the step's figures on the weights the window holds (model thread)."""
        step, s = self.step, self.session
        if step is None or not step.figures or not s.is_ready or s.is_busy:
            return  # weights_changed asks again once the model is built or trained
        kinds = [f.what for f in step.figures]
        noise, seed = s.selection.noise, s.selection.noise_seed
        index = self.index

        def job(state, model, dataset):
            return lesson_figures.measure(model, dataset, kinds, noise, seed, state)

        s.submit(FIGURES_KEY, job, lambda m: self._on_measured(index, m), self._on_failed,
                 during_training=False, progress_title="Measuring the lesson's figures")

    def _on_measured(self, index: int, measured: Measured) -> None:
        step = self.step
        if index != self.index or step is None or measured.model_name != self.session.variant.name:
            return  # for another step, or for a model since replaced
        facts = WeightsFacts.from_metadata(self.session.metadata)
        self.measured = measured
        self.rows = [FigureRow(f, measured.values[f.what],
                               lesson_figures.why_they_differ(f, measured.values[f.what], facts,
                                                              measured))
                     for f in step.figures]
        self.figures_changed.emit(self.rows)

    def _on_failed(self, message: str) -> None:
        if self.step is not None:
            self.rows = [FigureRow(f, None, f"could not measure: {message}")
                         for f in self.step.figures]
            self.figures_changed.emit(self.rows)

    def _on_selection_changed(self) -> None:
        step, measured = self.step, self.measured
        if (step is not None and measured is not None
                and measured.noise != self.session.selection.noise
                and any(f.what == "test loss" for f in step.figures)):
            self.request_figures()

    def _on_weights_changed(self) -> None:
        if self.step is not None:
            self.request_figures()
            self._update_train_note()

    # ------------------------------------------------------------ training
    def train_now(self) -> str | None:
        """Start the step's short run; returns the problem when it cannot start."""
        step = self.step
        if step is None or step.train is None:
            return "this step has no run to start"
        if self._start_training is None:
            return "this window cannot start a run from a lesson"
        problem = self._start_training(step.train)
        if problem:
            self.problems = [*self.problems, f"train: {problem}"]
            self.problems_changed.emit(self.problems)
        return problem

    def _on_epoch(self, result) -> None:
        if result.samples_per_s > 0:
            name = self.session.variant.name
            self._speeds[name] = float(result.samples_per_s)
            self._speed_is_timed[name] = False

    def _update_train_note(self) -> None:
        step, s = self.step, self.session
        if step is None or step.train is None:
            self._set_train_note("")
            return
        name = s.variant.name
        speed = self._speeds.get(name)
        if speed is None:
            self._set_train_note(f"{_epochs(step.train.epochs)}; timing the model on this "
                                 "machine…")
            if not self._speed_timer.isActive():
                self._speed_timer.start()
            return
        seconds = lesson_figures.estimate_seconds(step.train.epochs, len(s.dataset.x_train),
                                                  len(s.dataset.x_test), speed)
        how = ("timed on a few digits here; a run will tell"
               if self._speed_is_timed.get(name) else "at the speed measured in this session")
        self._set_train_note(f"{_epochs(step.train.epochs)} on {len(s.dataset.x_train):,} digits: "
                             f"about {_duration(seconds)} on this machine ({how})")

    def _time_speed(self) -> None:
        step = self.step
        if not self.session.is_ready or self.session.is_busy or step is None or step.train is None:
            return
        batch_size = step.train.batch_size or models.spec(self.session.arch_id).batch_size

        def job(state, model, dataset):
            return model.variant.name, lesson_figures.time_training_speed(model, dataset,
                                                                          batch_size)

        def done(answer) -> None:
            timed_name, speed = answer
            if timed_name not in self._speeds:
                self._speeds[timed_name] = speed
                self._speed_is_timed[timed_name] = True
            self._update_train_note()

        self.session.submit(SPEED_KEY, job, done, lambda _m: None, during_training=False)

    def _set_train_note(self, text: str) -> None:
        if text != self.train_note:
            self.train_note = text
            self.train_note_changed.emit(text)


def _epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{seconds / 60:.0f} min"
