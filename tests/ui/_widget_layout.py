"""Measure a panel's widgets, as tests/ui/_layout.py measures a plot's text: a panel of tables,
labels and buttons reads cleanly when no label is cut (wrapped text taller than its label, a word
wider than it), no button's text is cut, and no two widgets of one layout lie over each other or
leave their parent (what a layout squeezed below its minimum does).
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QWidget

from tests.ui._layout import TOLERANCE_PX, _label_problems


def _name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    return f"{type(widget).__name__}({text[:40]!r})" if text else type(widget).__name__


def _inside_scrolled(widget: QWidget, root: QWidget) -> bool:
    """Below a scroll area's viewport a widget may be larger than what shows: it scrolls."""
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _laid_out_children(widget: QWidget) -> list[QWidget]:
    layout = widget.layout()
    if layout is None:
        return []
    kids = [c for c in widget.findChildren(QWidget) if c.parentWidget() is widget]
    return [c for c in kids if c.isVisible() and not c.isWindow() and _in_layout(layout, c)]


def _in_layout(layout, child: QWidget) -> bool:
    if layout.indexOf(child) >= 0:
        return True
    for i in range(layout.count()):
        inner = layout.itemAt(i).layout()
        if inner is not None and _in_layout(inner, child):
            return True
    return False


def widget_problems(root: QWidget) -> list[str]:
    """Every cut label or button text, and every pair of overlapping laid-out widgets."""
    found = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisible() or _inside_scrolled(w, root):
            continue
        if isinstance(w, QLabel) and w.text().strip():
            found += [f"{p} in {type(root).__name__}" for p in _label_problems(w)]
        button = isinstance(w, QAbstractButton) and w.text().strip()
        if button and w.width() + TOLERANCE_PX < w.minimumSizeHint().width():
            found.append(f"button text cut: {_name(w)} {w.width()} < {w.minimumSizeHint()}")
        kids = _laid_out_children(w)
        room = w.rect()
        for child in kids:
            if not room.adjusted(-1, -1, 1, 1).contains(child.geometry()):
                found.append(f"cut by its parent: {_name(child)} in {_name(w)}")
        shrunk = [QRect(c.geometry()).adjusted(1, 1, -1, -1) for c in kids]
        for i in range(len(kids)):
            for j in range(i + 1, len(kids)):
                if shrunk[i].intersects(shrunk[j]):
                    found.append(f"overlap: {_name(kids[i])} and {_name(kids[j])}")
    return found
