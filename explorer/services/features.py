"""What a feature declares to the window, instead of being searched for by name.

The window's shell (explorer.ui) builds File > Export, the demo keys of the
menus, presentation mode and the saved settings from these lists; it never
reaches into a feature's attributes. A feature's view implements
`FeatureView` (every list defaults to empty).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QWidget


@dataclass(frozen=True)
class ExportablePlot:
    """A plot File > Export > Plot as SVG offers while its tab is in front."""

    title: str
    plot: Any  # a pyqtgraph PlotWidget (or anything with getPlotItem())


@dataclass(frozen=True)
class DemoAction:
    """A menu entry with keys for a live demo: it presses one of the feature's
    buttons, or (with `trigger`) does something a button does not, such as
    choosing an architecture or moving the noise slider a step.

    The key lives on the action (a key bound twice is ambiguous and Qt then
    fires neither), and the action is enabled exactly when `button` (or
    `follows`, for a trigger) is.
    """

    name: str  # the QAction's objectName
    text: str  # menu text, with & for the mnemonic
    shortcuts: tuple[str, ...]
    button: QAbstractButton | None
    menu: str  # the menu it belongs in: "Model", "K-means", ...
    show_first: bool = False  # bring the feature's tab to the front before pressing
    trigger: Callable[[], None] | None = None  # instead of clicking a button
    follows: QWidget | None = None  # whose enabled state a trigger's action takes


@dataclass(frozen=True)
class FileExport:
    """A File > Export entry that writes the feature's data to a file."""

    name: str  # the QAction's objectName
    text: str  # menu text
    title: str  # the save dialog's title
    default_name: str
    file_filter: str  # e.g. "CSV files (*.csv)"
    suffix: str  # added when the user typed none
    write: Callable[[str], str]  # path -> a note for the status bar; raises OSError/ValueError
    available: Callable[[], bool] = lambda: True
    unavailable_message: str = "There is nothing to export yet."


@dataclass(frozen=True)
class PersistedSetting:
    """A value remembered between starts (QSettings key under the feature's group)."""

    key: str
    read: Callable[[], Any]  # the value to store now
    apply: Callable[[Any], None]  # put a stored value back; may raise ValueError/TypeError


class FeatureView:
    """Mixin for a feature's top widget (a tab or a dock's content).

    `feature_key` names its settings group; the methods list what it offers.
    `exportable_plots` is asked each time the menu opens (plots may come and go).
    `about` is the tab's "What am I looking at?" note: a few sentences in plain
    words (Qt rich text), shown above the page when the user opens it.
    """

    feature_key = ""
    about = ""

    def exportable_plots(self) -> Sequence[ExportablePlot]:
        return ()

    def demo_actions(self) -> Sequence[DemoAction]:
        return ()

    def file_exports(self) -> Sequence[FileExport]:
        return ()

    def persisted_settings(self) -> Sequence[PersistedSetting]:
        return ()

    def shutdown(self) -> None:
        """The window is closing: stop timers and animations (no job waits here)."""

