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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class FeatureTabs(QTabWidget):
    def addTab(self, feature: QWidget, title: str) -> int:  # noqa: N802 - Qt's name
        page = QScrollArea()
        page.setObjectName(f"{feature.objectName() or type(feature).__name__}_page")
        page.setWidgetResizable(True)
        page.setFrameShape(QFrame.Shape.NoFrame)
        page.setWidget(feature)
        page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return super().addTab(page, title)

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
