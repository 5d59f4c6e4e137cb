"""Background recomputation for the docked panels: debounced, deferred while the panel is hidden,
and never more than one thread per panel.

At a million rows every statistic a panel shows (confusion matrix, slices, group rates, ranges
of a column) is O(n) work that would stall the GUI thread. A panel describes that work once as
a `prepare()` callback that reads the state on the GUI thread (cheap: references, no copies of
big arrays) and returns the function to run in a worker with its arguments. `PanelJob` decides
when: after `debounce_ms` of quiet, only while the panel is on screen (a panel in a background
tab catches up when it is shown), and one job at a time: a job cannot be interrupted in the
middle of a numpy call, so a request arriving while one runs cancels its result and starts the
fresh job once the old thread has ended, instead of piling up threads on two cores.

Not a panel (it is not listed in PANEL_MODULES).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from superqt.utils import qdebounced

from app.ui.on_close import OnClose
from app.workers import Workers


@dataclass
class Work:
    """What `prepare()` asks for: `fn(*args)` in a worker, then `on_result(value)` on the GUI
    thread (only if no newer request came in meanwhile)."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    on_result: Callable[[Any], None] = field(default=lambda _value: None)


def cancel_on_destroy(widget: QWidget, workers: Workers, *keys: str) -> None:
    """Drop what `keys`' jobs still deliver once `widget` is gone (the workers outlive panels:
    they belong to the state's DebugContext)."""

    def cancel(*_: object) -> None:
        if shiboken6.isValid(workers):
            for key in keys:
                workers.cancel(key)

    widget.destroyed.connect(cancel)


def on_screen(widget: QWidget) -> bool:
    """The widget is shown (a dock in a background tab or a closed dock is not)."""
    return widget.isVisible()


class PanelJob(QObject):
    """One panel's background recomputation under one worker key."""

    def __init__(
        self,
        panel: QWidget,
        workers: Workers,
        key: str,
        prepare: Callable[[], Work | None],
        on_error: Callable[[object], None],
        debounce_ms: int = 0,
        *,
        on_close: OnClose,
    ) -> None:
        super().__init__(panel)
        self.panel, self.workers, self.key = panel, workers, key
        self.prepare, self.on_error = prepare, on_error
        self.stale = False  # a request is waiting (for quiet, for the panel to show, or a thread)
        self.runs = 0  # jobs started, for tests
        self._threads = 0  # threads of this key still working (cancelled ones included)
        # The window's closeEvent drops a pending request (on_close), as the panel's cancel does.
        self._fire_soon = on_close.add(qdebounced(self._fire, timeout=debounce_ms, parent=self))
        workers.job_finished.connect(self._on_job_finished)
        panel.installEventFilter(self)
        cancel_on_destroy(panel, workers, key)

    def request(self) -> None:
        """The inputs changed: recompute when the panel is on screen and things are quiet."""
        self.stale = True
        self.workers.cancel(self.key)  # whatever it still delivers describes old inputs
        if on_screen(self.panel):
            self._fire_soon()

    def cancel(self) -> None:
        """Nothing to compute any more (e.g. the data was closed)."""
        self.stale = False
        self._fire_soon.cancel()
        self.workers.cancel(self.key)

    @property
    def pending(self) -> bool:
        """A request has not been answered yet (tests wait for this to clear)."""
        return self.stale or self._threads > 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.panel and event.type() == QEvent.Type.Show and self.stale:
            self._fire_soon()  # shown again: catch up with what changed while hidden
        return False

    def _fire(self) -> None:
        if not self.stale or not on_screen(self.panel):
            return
        if self._threads:
            return  # the cancelled job is still running: start when its thread ends
        self.stale = False
        work = self.prepare()
        if work is None:
            return
        self._threads += 1
        self.runs += 1
        self.workers.run(
            self.key, work.fn, *work.args, on_result=work.on_result, on_error=self.on_error
        )

    def _on_job_finished(self, key: str) -> None:
        if key != self.key:
            return
        self._threads = max(self._threads - 1, 0)
        if self.stale and not self._threads:
            self._fire_soon()
