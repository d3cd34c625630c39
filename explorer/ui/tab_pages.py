"""The window's tabs: each feature's page scrolls when the window is smaller
than the feature can shrink.

A lecture-hall projector may give the window 1,024 x 640 pixels, or 1,000 x
576 at presentation scale. The features lay themselves out to shrink that
far; where one cannot, its page scrolls instead of pushing the window's
minimum size past the screen (that put the right half of a tab off screen).
`FeatureTabs` hides the scroll areas: its pages are the features themselves
(`widget`, `currentWidget`, `indexOf`, `setCurrentWidget`).

Each feature may declare an `about` text (FeatureView.about): the tab then
has a "What am I looking at?" note, a strip above the page that the button in
the tab bar's corner (and F1) opens and closes. Closed, it costs no height at
all, which is what a 1,024 x 640 projector needs; whether it is open is
remembered per tab. Presentation mode starts with every note closed (the
lecturer is the note), and the remembered state returns afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QTabWidget, QToolButton, QVBoxLayout, QWidget

ABOUT_TITLE = "What am I looking at?"


class _Page(QScrollArea):
    """The feature fills the page exactly, and is never made smaller than its
    minimum: only then does the page scroll.

    QScrollArea's own widgetResizable sizes a widget whose height depends on
    its width (wrapped labels) by its preferred height, which pyqtgraph's
    views make large: pages scrolled that had all the room they needed.
    """

    def __init__(self, feature: QWidget):
        super().__init__()
        self.setObjectName(f"{feature.objectName() or type(feature).__name__}_page")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(feature)
        feature.installEventFilter(self)

    def _fit(self) -> None:
        feature = self.widget()
        if feature is None:
            return
        room = self.maximumViewportSize()
        least = feature.minimumSizeHint().expandedTo(feature.minimumSize())
        width = max(room.width(), least.width())
        if width > room.width():  # a horizontal scroll bar takes height
            room.setHeight(room.height() - self.horizontalScrollBar().sizeHint().height())
        height = max(room.height(), least.height())
        if height > room.height() and width <= room.width():
            width = max(room.width() - self.verticalScrollBar().sizeHint().width(),
                        least.width())
        if feature.size() != QSize(width, height):
            feature.resize(width, height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # its minimum may have changed (a font, new content)
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        feature = self.widget()
        return feature.sizeHint() if feature is not None else super().sizeHint()


class AboutNote(QLabel):
    """A feature's note in plain words, shown above its page while open."""

    def __init__(self, key: str, text: str):
        super().__init__(text)
        self.key = key
        self.setObjectName(f"about_note_{key}" if key else "about_note")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMargin(6)
        # The palette's own colours, so presentation mode's high contrast applies.
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.hide()


class _Tab(QWidget):
    """A page with a note above it."""

    def __init__(self, page: _Page, note: AboutNote):
        super().__init__()
        self.page, self.note = page, note
        self.setObjectName(f"{page.objectName()}_with_note")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(note)
        layout.addWidget(page, 1)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.page.sizeHint()


class FeatureTabs(QTabWidget):
    """The tabs; `note_toggled(key, open)` follows the user opening or closing a note."""

    note_toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._presenting = False
        self._remembered: Callable[[str], bool] = lambda _key: False
        self.about_button = QToolButton()
        self.about_button.setObjectName("about_button")
        self.about_button.setText(ABOUT_TITLE)
        # An arrow, not a symbol character: the fonts of some machines lack "ⓘ".
        self.about_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.about_button.setArrowType(Qt.ArrowType.RightArrow)
        self.about_button.setToolTip("A few plain words on what this tab shows (F1)")
        self.about_button.setCheckable(True)
        self.about_button.setAutoRaise(True)
        self.about_button.toggled.connect(self._on_button)
        self.setCornerWidget(self.about_button, Qt.Corner.TopRightCorner)
        self.currentChanged.connect(lambda _i: self._show_button_state())

    def addTab(self, feature: QWidget, title: str) -> int:  # noqa: N802 - Qt's name
        page = _Page(feature)
        about = getattr(feature, "about", "")
        if not about:
            index = super().addTab(page, title)
        else:
            note = AboutNote(getattr(feature, "feature_key", ""), about)
            note.setVisible(not self._presenting and self._remembered(note.key))
            index = super().addTab(_Tab(page, note), title)
        self._show_button_state()
        return index

    # ------------------------------------------------------------- notes
    def note(self, index: int | None = None) -> AboutNote | None:
        """The note of tab `index` (None: the current tab), or None if it has none."""
        tab = super().widget(self.currentIndex() if index is None else index)
        return tab.note if isinstance(tab, _Tab) else None

    def remember_notes(self, read: Callable[[str], bool]) -> None:
        """Where the open or closed state of each note comes from (by feature key)."""
        self._remembered = read
        self._restore_notes()

    def toggle_note(self) -> None:
        if self.about_button.isEnabled():
            self.about_button.toggle()

    def set_presenting(self, on: bool) -> None:
        """Presentation mode: every note closed; afterwards, as they were."""
        self._presenting = bool(on)
        if on:
            for i in range(self.count()):
                note = self.note(i)
                if note is not None:
                    note.hide()
            self._show_button_state()
        else:
            self._restore_notes()

    def _restore_notes(self) -> None:
        for i in range(self.count()):
            note = self.note(i)
            if note is not None:
                note.setVisible(not self._presenting and self._remembered(note.key))
        self._show_button_state()

    def _on_button(self, checked: bool) -> None:
        note = self.note()
        if note is None or (not note.isHidden()) == checked:
            return
        note.setVisible(checked)
        self._show_arrow()
        if not self._presenting:  # a note opened for a moment in a lecture is not remembered
            self.note_toggled.emit(note.key, checked)

    def _show_button_state(self) -> None:
        note = self.note()
        self.about_button.setEnabled(note is not None)
        self.about_button.blockSignals(True)
        self.about_button.setChecked(note is not None and not note.isHidden())
        self.about_button.blockSignals(False)
        self._show_arrow()

    def _show_arrow(self) -> None:
        """Down while the note is open (it hangs below), right while it is closed."""
        self.about_button.setArrowType(Qt.ArrowType.DownArrow if self.about_button.isChecked()
                                       else Qt.ArrowType.RightArrow)

    # ------------------------------------------- the features as the pages
    def widget(self, index: int) -> QWidget | None:
        page = super().widget(index)
        if isinstance(page, _Tab):
            page = page.page
        return page.widget() if isinstance(page, QScrollArea) else page

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - Qt's name
        return self.widget(self.currentIndex())

    def indexOf(self, feature: QWidget) -> int:  # noqa: N802 - Qt's name
        for i in range(self.count()):
            if self.widget(i) is feature or super().widget(i) is feature:
                return i
        return -1

    def setCurrentWidget(self, feature: QWidget) -> None:  # noqa: N802 - Qt's name
        index = self.indexOf(feature)
        if index >= 0:
            self.setCurrentIndex(index)
