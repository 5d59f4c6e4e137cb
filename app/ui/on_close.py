"""What the window stops when it closes, held explicitly instead of found among its children.

A debounce timer that fires after the window has begun to close starts a job whose result lands
on deleted widgets, and a panel's job left running makes the close wait for it. Whoever creates
such a timer or a `Workers` for the window registers it here (`state.on_close.add(...)`); the
window's closeEvent calls `stop_all()`. tests/ui/test_on_close.py checks that every timer and
every Workers inside a window with all its panels is registered.
"""

from __future__ import annotations

from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject, QTimer

from app.workers import Workers

T = TypeVar("T", bound=QObject)


class OnClose:
    """Timers (stopped), debounced/throttled calls (cancelled) and Workers (jobs cancelled)."""

    def __init__(self) -> None:
        self._items: list[QObject] = []

    def add(self, item: T) -> T:
        """Register `item` (once; adding it again is harmless) and return it. superqt's
        qdebounced/qthrottled give a QObject whose `cancel()` drops the pending call."""
        if not isinstance(item, QTimer | Workers) and not callable(getattr(item, "cancel", None)):
            raise TypeError(
                f"OnClose takes a QTimer, a qdebounced/qthrottled call or Workers: {item!r}"
            )
        # Objects Qt has deleted since (a closed dialog, a rebuilt panel) are let go here.
        self._items = [kept for kept in self._items if shiboken6.isValid(kept)]
        if not any(kept is item for kept in self._items):
            self._items.append(item)
        return item

    def __contains__(self, item: object) -> bool:
        return any(kept is item for kept in self._items)

    def stop_all(self) -> None:
        """Stop every pending timer first, then cancel every job (none can be restarted)."""
        alive = [item for item in self._items if shiboken6.isValid(item)]
        for item in alive:
            if isinstance(item, QTimer):
                item.stop()
            elif not isinstance(item, Workers):
                item.cancel()
        for item in alive:
            if isinstance(item, Workers):
                item.cancel_all()
