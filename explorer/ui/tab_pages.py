"""The window's tabs: each feature's page scrolls when the window is smaller
than the feature can shrink.

A lecture-hall projector may give the window 1,024 x 640 pixels, or 1,000 x
576 at presentation scale. The features lay themselves out to shrink that
far; where one cannot, its page scrolls instead of pushing the window's
minimum size past the screen (that put the right half of a tab off screen).
`FeatureTabs` hides the scroll areas: its pages are the features themselves
(`widget`, `currentWidget`, `indexOf`, `setCurrentWidget`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


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


class FeatureTabs(QTabWidget):
    def addTab(self, feature: QWidget, title: str) -> int:  # noqa: N802 - Qt's name
        return super().addTab(_Page(feature), title)

    def widget(self, index: int) -> QWidget | None:
        page = super().widget(index)
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
