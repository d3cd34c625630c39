"""Small layout helpers for the K-means lab's tab: named controls, columns, splitters."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QLayout, QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget


def named(widget, name: str, tip: str):
    """The widget, with an objectName for tests and tools and a tooltip that is its accessible name."""
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
        widget.setAccessibleName(tip)
    return widget


def spin(name: str, lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    box = named(QSpinBox(), name, tip)
    box.setRange(lo, hi)
    box.setValue(value)
    return box


def combo(name: str, items: Iterable[str], tip: str) -> QComboBox:
    box = named(QComboBox(), name, tip)
    box.addItems(list(items))
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def column(*parts: QWidget | QLayout | tuple[QWidget | QLayout, int]) -> QWidget:
    """A widget stacking layouts and widgets; (widget, stretch) to stretch one."""
    holder = QWidget()
    stack = QVBoxLayout(holder)
    stack.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        item, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(item, QWidget):
            stack.addWidget(item, stretch)
        else:
            stack.addLayout(item, stretch)
    return holder


def splitter(orientation, *parts: tuple[QWidget, int, int]) -> QSplitter:
    """parts: (widget, stretch factor, initial size in pixels)."""
    split = QSplitter(orientation)
    for i, (widget, stretch, _size) in enumerate(parts):
        split.addWidget(widget)
        split.setStretchFactor(i, stretch)
    split.setSizes([size for _w, _s, size in parts])
    split.setChildrenCollapsible(False)
    return split
