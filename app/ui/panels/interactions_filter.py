"""The Interactions heatmap over the current filter or cohort instead of every row: mean
|interaction| of just those rows, computed in a worker when asked (the whole-data summary does
not keep per-row values to filter). A newer filter stops the run in progress within an engine
step. Not a panel.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal
from superqt.utils import qdebounced

from app.core.explain.interaction_jobs import filtered_mean_abs
from app.ui.state import AppState
from app.workers import Workers

JOB = "interaction-filter"
DEBOUNCE_MS = 300  # a filter typed or a cohort picked settles before a run starts


class FilteredMeans(QObject):
    """Mean |interaction| of the visible rows; `ready` when they are in, `progressed` meanwhile."""

    ready = Signal()
    progressed = Signal(float)
    failed = Signal(str)

    def __init__(self, state: AppState, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.workers = state, workers
        self.mean_abs: np.ndarray | None = None
        self.rows: np.ndarray | None = None  # the rows `mean_abs` is over
        self.running = False
        self._stop = threading.Event()
        self._start_soon = state.on_close.add(qdebounced(self._start, DEBOUNCE_MS, parent=self))

    def current(self) -> bool:
        """`mean_abs` is for the rows shown now."""
        rows = self.state.visible_rows
        return self.rows is not None and np.array_equal(self.rows, rows)

    def request(self) -> None:
        """The visible rows changed (or the filtered view was turned on): recompute soon."""
        self.stop()
        self._start_soon()

    def stop(self) -> None:
        self._start_soon.cancel()
        self._stop.set()
        self.workers.cancel(JOB)
        self.running = False

    def forget(self) -> None:
        self.stop()
        self.mean_abs = self.rows = None

    def _start(self) -> None:
        s = self.state
        if s.model is None or s.data is None or self.current():
            return
        rows = s.visible_rows.copy()
        self._stop = threading.Event()
        self.running = True
        model = s.model

        def on_result(mean_abs: np.ndarray) -> None:
            self.running = False
            if s.model is model:
                self.mean_abs, self.rows = mean_abs, rows
                self.ready.emit()

        def on_error(error: object) -> None:
            self.running = False
            self.failed.emit(f"Computing the filtered interactions failed: {error}")

        self.workers.run(
            JOB,
            filtered_mean_abs,
            model,
            s.data.X,
            rows,
            self._stop,
            on_progress=self.progressed.emit,
            on_result=on_result,
            on_error=on_error,
        )
