"""Lesson mode's view: the step's title and text, its code, its figures, and the buttons.

Lays out what `LessonPlayer` (state.py) holds and binds the buttons and the
jump list to it; decides nothing itself. The window puts it in a dock
(objectName `lesson_view`) and gives the player what it needs of the window.
The demo actions are the keys a presenter remote sends (step_keys.py).
"""

from __future__ import annotations

import html
import re

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontDatabase, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer.core.lesson_file import Lesson, LessonError, load_lesson
from explorer.features.lesson.state import FigureRow, LessonPlayer
from explorer.features.lesson.step_keys import NEXT_KEYS, PREVIOUS_KEYS, uses_arrows
from explorer.services.features import DemoAction, FeatureView
from explorer.widgets.theme import relative_font

ARROW_ACTIONS = ("lesson_next_arrow_action", "lesson_previous_arrow_action")
NO_LESSON_TEXT = "Open a lesson with File > Open lesson…, or pick a built-in one below."


def step_html(text: str) -> str:
    """The step's text as rich text: blank lines part paragraphs, *stars* emphasise."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out = []
    for p in paragraphs:
        escaped = html.escape(" ".join(p.split()))
        out.append("<p>" + re.sub(r"\*([^*\n]+)\*", r"<i>\1</i>", escaped) + "</p>")
    return "".join(out)


def figures_html(rows: list[FigureRow]) -> str:
    """The table "figure | tutorial | live on these weights", each row's "why they differ"
    sentence spanning the row under it (a narrow dock has no room for a fourth column);
    one sentence under the table when it is the same for every row."""
    if not rows:
        return ""
    head = ("<tr><th align=left>figure</th><th align=right>tutorial</th>"
            "<th align=right>live on these weights</th></tr>")
    whys = {row.why for row in rows}
    shared = len(rows) > 1 and len(whys) == 1

    def why_row(text: str) -> str:
        return (f"<tr><td colspan=3><small><i>why they differ:</i> {html.escape(text)}"
                "</small></td></tr>") if text else ""

    body = []
    for row in rows:
        note = f" <small>({html.escape(row.figure.note)})</small>" if row.figure.note else ""
        body.append(f"<tr><td>{html.escape(row.figure.what)}</td>"
                    f"<td align=right>{row.tutorial_text}{note}</td>"
                    f"<td align=right><b>{html.escape(row.live_text)}</b></td></tr>")
        if not shared:
            body.append(why_row(row.why))
    if shared:
        body.append(why_row(rows[0].why))
    return f"<table width=100% cellspacing=0 cellpadding=3>{head}{''.join(body)}</table>"


def _stop_following_focus(slot) -> None:
    try:
        QApplication.instance().focusChanged.disconnect(slot)
    except (RuntimeError, TypeError, SystemError):  # disconnected already
        pass


class LessonPanel(QWidget, FeatureView):
    """The lesson dock's content. `player` is the state; `open_lesson(lesson)` shows one."""

    feature_key = "lesson"

    def __init__(self, player: LessonPlayer, builtin: list[tuple[str, object]] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lesson_panel")
        self.player = player
        self._builtin = builtin or []  # (title, path) of the shipped lessons
        self._build()
        self._bind()
        self._show_lesson(None)
        # The application outlives the window (tests make many): the connection
        # goes when the window closes (shutdown), and a call that races a
        # destroyed panel does nothing (one crashed CI).
        QApplication.instance().focusChanged.connect(self._sync_arrow_actions)

    def shutdown(self) -> None:
        _stop_following_focus(self._sync_arrow_actions)

    # ------------------------------------------------------------ public
    def open_lesson(self, lesson: Lesson, start: int = 0) -> None:
        self.player.open(lesson, start)

    def demo_actions(self) -> list[DemoAction]:
        next_key, next_arrow = NEXT_KEYS
        back_key, back_arrow = PREVIOUS_KEYS
        return [
            DemoAction("lesson_next_action", "&Next step", (next_key,), None, "Lesson",
                       trigger=self.player.next, follows=self.next_button),
            DemoAction("lesson_previous_action", "&Previous step", (back_key,), None, "Lesson",
                       trigger=self.player.previous, follows=self.prev_button),
            # The arrows are actions of their own, enabled only while the focus widget
            # has no use for them (_sync_arrow_actions): a slider keeps its Right.
            DemoAction(ARROW_ACTIONS[0], "Next step (arrow)", (next_arrow,), None, "Lesson",
                       trigger=self.player.next),
            DemoAction(ARROW_ACTIONS[1], "Previous step (arrow)", (back_arrow,), None,
                       "Lesson", trigger=self.player.previous),
        ]

    def _sync_arrow_actions(self, *_focus) -> None:
        if not shiboken6.isValid(self):
            return
        window = self.window()
        if window is self:
            return  # not in a window yet
        free = not uses_arrows(QApplication.focusWidget())
        for name, button in zip(ARROW_ACTIONS, (self.next_button, self.prev_button), strict=True):
            action = window.findChild(QAction, name)
            if action is not None:
                action.setEnabled(free and button.isEnabled())

    # ---------------------------------------------------------- building
    def _build(self) -> None:
        self.lesson_label = QLabel()
        self.lesson_label.setObjectName("lesson_title_label")
        self.lesson_label.setWordWrap(True)
        relative_font(self.lesson_label, 0.9)
        self.position_label = QLabel()
        self.position_label.setObjectName("lesson_position_label")
        self.jump_combo = QComboBox()
        self.jump_combo.setObjectName("lesson_jump_combo")
        self.jump_combo.setToolTip("Go to any step of the lesson")
        self.jump_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.jump_combo.setMinimumContentsLength(12)
        self.jump_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setObjectName("lesson_prev_button")
        self.prev_button.setToolTip("The previous step (Page Up, or Left)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("lesson_next_button")
        self.next_button.setToolTip("The next step (Page Down, or Right)")
        for b in (self.prev_button, self.next_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus where it was

        self.title_label = QLabel()
        self.title_label.setObjectName("lesson_step_title")
        self.title_label.setWordWrap(True)
        relative_font(self.title_label, 1.35, bold=True)
        self.text_label = QLabel()
        self.text_label.setObjectName("lesson_text")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.code_view = QPlainTextEdit()
        self.code_view.setObjectName("lesson_code")
        self.code_view.setReadOnly(True)
        self.code_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # Wrapped at the panel's width: a line cut off behind a scroll bar is worse on a
        # projector than a line that continues below.
        self.code_view.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.code_view.setMinimumHeight(90)
        self.code_view.setToolTip("The step's Keras code, as this program builds the model")
        self.figures_label = QLabel()
        self.figures_label.setObjectName("lesson_figures")
        self.figures_label.setWordWrap(True)
        self.figures_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("lesson_problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #a04000;")
        self.train_button = QPushButton("Train it now")
        self.train_button.setObjectName("lesson_train_button")
        self.train_button.setToolTip("A short run of the step's model from fresh weights, "
                                     "with the step's epochs")
        self.train_note = QLabel()
        self.train_note.setObjectName("lesson_train_note")
        self.train_note.setWordWrap(True)
        self.builtin_combo = QComboBox()
        self.builtin_combo.setObjectName("lesson_builtin_combo")
        self.builtin_combo.addItem("Built-in lessons…")
        for title, _path in self._builtin:
            self.builtin_combo.addItem(title)

        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 4, 0)
        # The live figures before the code: they are what changes while one talks.
        for widget in (self.title_label, self.text_label, self.problems_label, self.figures_label):
            body.addWidget(widget)
        train_row = QHBoxLayout()
        train_row.addWidget(self.train_button)
        train_row.addWidget(self.train_note, 1)
        body.addLayout(train_row)
        body.addWidget(self.code_view, 1)
        body.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self.scroll = scroll

        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.position_label, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.next_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.lesson_label)
        outer.addWidget(self.jump_combo)
        outer.addWidget(scroll, 1)
        outer.addLayout(nav)
        outer.addWidget(self.builtin_combo)
        self.setMinimumWidth(300)

    def _bind(self) -> None:
        player = self.player
        self.next_button.clicked.connect(lambda _=False: player.next())
        self.prev_button.clicked.connect(lambda _=False: player.previous())
        self.jump_combo.activated.connect(player.go)
        self.train_button.clicked.connect(lambda _=False: player.train_now())
        self.builtin_combo.activated.connect(self._open_builtin)
        player.lesson_changed.connect(self._show_lesson)
        player.step_changed.connect(self._show_step)
        player.problems_changed.connect(self._show_problems)
        player.figures_changed.connect(lambda rows: self.figures_label.setText(figures_html(rows)))
        player.train_note_changed.connect(self.train_note.setText)

    # ----------------------------------------------------------- showing
    def _show_lesson(self, lesson: Lesson | None) -> None:
        self.jump_combo.clear()
        if lesson is None:
            self.lesson_label.setText("")
            self.title_label.setText("No lesson open")
            self.text_label.setText(f"<p>{html.escape(NO_LESSON_TEXT)}</p>")
            for w in (self.code_view, self.figures_label, self.problems_label, self.train_button,
                      self.train_note):
                w.setVisible(False)
        else:
            self.lesson_label.setText(f"<b>{html.escape(lesson.title)}</b>")
            for n, step in enumerate(lesson.steps, start=1):
                self.jump_combo.addItem(f"{n}. {step.title}")
        self.jump_combo.setEnabled(lesson is not None)
        self._update_buttons()

    def _show_step(self, index: int) -> None:
        step = self.player.step
        self.title_label.setText(step.title)
        self.text_label.setText(step_html(step.text))
        self.code_view.setPlainText(step.code)
        self.code_view.setVisible(bool(step.code))
        lines = step.code.count("\n") + 1
        metrics = self.code_view.fontMetrics()
        # Room for each line wrapped once; the rest scrolls.
        self.code_view.setMaximumHeight(metrics.lineSpacing() * (2 * lines + 1) + 12)
        self.figures_label.setVisible(bool(step.figures))
        self.train_button.setVisible(step.train is not None)
        self.train_note.setVisible(step.train is not None)
        if step.train is not None:
            self.train_button.setText(f"Train it now ({step.train.epochs} "
                                      f"epoch{'s' if step.train.epochs != 1 else ''})")
        self.jump_combo.blockSignals(True)
        self.jump_combo.setCurrentIndex(index)
        self.jump_combo.blockSignals(False)
        self.scroll.verticalScrollBar().setValue(0)
        self._update_buttons()

    def _show_problems(self, problems: list[str]) -> None:
        self.problems_label.setText("\n".join(f"• {p}" for p in problems))
        self.problems_label.setVisible(bool(problems))

    def _open_builtin(self, index: int) -> None:
        self.builtin_combo.setCurrentIndex(0)
        if index <= 0:
            return
        try:
            self.open_lesson(load_lesson(self._builtin[index - 1][1]))
        except LessonError as exc:
            self.player.session.error_raised.emit(str(exc))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._update_buttons()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self._update_buttons()

    def _update_buttons(self) -> None:
        """The buttons, and the keys that follow them, work only while the lesson is in
        view: a hidden lesson must not take Page Down or the arrows from the window."""
        player, shown = self.player, self.isVisible()
        self.position_label.setText(player.position_text)
        self.next_button.setEnabled(shown and player.can_go_next)
        self.prev_button.setEnabled(shown and player.can_go_back)
        self._sync_arrow_actions()
