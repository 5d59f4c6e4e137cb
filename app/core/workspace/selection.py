"""What the user looks at: the selected row, the visible (filtered) rows, the output (class)
every view explains and the decision threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from psygnal import Signal

if TYPE_CHECKING:
    from app.core.workspace.workspace import Workspace


class Selection:
    """Row, visible rows, output and threshold; each setter emits only when the value changes."""

    row_selected = Signal(int)
    visible_rows_changed = Signal()
    output_changed = Signal(int)
    threshold_changed = Signal(float)

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self.selected_row: int | None = None
        self.visible_rows: np.ndarray = np.empty(0, dtype=np.int64)
        self.output_index: int = 0
        self.threshold: float = 0.5

    def reset(self, n_rows: int, n_outputs: int) -> None:
        """New inputs: no row selected, every row visible, the output kept if it still exists
        (silent: the workspace announces new inputs once everything is consistent)."""
        self.selected_row = None
        if self.output_index >= n_outputs:
            self.output_index = 0
        self.visible_rows = np.arange(n_rows, dtype=np.int64)

    def select_row(self, row: int) -> None:
        data = self._ws.data
        if data is None or not 0 <= row < data.n_rows or row == self.selected_row:
            return
        self.selected_row = int(row)
        self.row_selected.emit(int(row))

    def set_visible_rows(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size > 1 and not np.all(rows[1:] > rows[:-1]):
            rows = np.unique(rows)  # the contract promises sorted, distinct positions
        self.visible_rows = rows
        self.visible_rows_changed.emit()

    def set_output(self, k: int) -> None:
        if k == self.output_index or not 0 <= k < max(len(self._ws.output_names), 1):
            return
        self.output_index = int(k)
        self.output_changed.emit(int(k))

    def set_threshold(self, t: float) -> None:
        t = float(t)
        if not 0.0 <= t <= 1.0:  # NaN too: a threshold is a probability
            self._ws.messages.report_error(
                f"A decision threshold is between 0 and 1, not {t}; kept {self.threshold:g}."
            )
            return
        if t == self.threshold:
            return
        self.threshold = t
        self.threshold_changed.emit(t)
