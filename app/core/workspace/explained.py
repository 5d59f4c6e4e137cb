"""The SHAP values of the loaded model and data: a bulk run's partial explanation while it
streams in, the complete one when it is done (or loaded from the cache), and single rows
explained ahead of the bulk run.

Keeping the GUI thread free during a big run: the bulk run's worker files each chunk into the
builder (`app.core.explain.chunked.filed_into`), so a chunk costs O(1) here; `changed` is
emitted at most every EMIT_INTERVAL_MS while chunks stream in, because every panel redraws on
it; and the partial `explanation` is only rebuilt here while it is small (SYNC_PARTIAL_VALUES).
Beyond that the caller builds snapshots in a worker (`partial_snapshot`) and hands them in with
`set_partial`.
"""

from __future__ import annotations

import time

import numpy as np
from psygnal import Signal

from app.core.base.types import Explanation
from app.core.explain.chunked import ExplainProgress, ExplanationBuilder
from app.core.explain.models.base import ModelAdapter
from app.core.explain.snapshot import partial_snapshot

# Redraws triggered by streaming chunks are coalesced to at most one per this many ms. Measured at
# 1M rows with clicks every 120 ms: 250 ms gave the longest GUI stalls 102-178 ms, 500 ms 59-67.
EMIT_INTERVAL_MS = 500
# A partial explanation up to this many values (rows x features x outputs, float32) is cheap
# enough (~8 MB copy, a few ms) to rebuild on the GUI thread when asked for.
SYNC_PARTIAL_VALUES = 2_000_000


class Explained:
    """Partial and complete explanations, their base values and mean |SHAP|, one-off rows."""

    changed = Signal()  # a chunk arrived (partial) or the run completed
    finished = Signal()  # every row is explained (emitted once per run)
    row_explained = Signal(int)  # one row's values became available (clicked ahead of the bulk)

    def __init__(self) -> None:
        self.builder: ExplanationBuilder | None = None
        self._base: np.ndarray | None = None
        self._complete: Explanation | None = None
        self._partial: Explanation | None = None  # rebuilt lazily, or a worker's snapshot
        self._mean_abs: np.ndarray | None = None  # for an explanation loaded whole (cache)
        self._one_off: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # Throttle without a timer: the first chunk redraws at once, later ones at most every
        # EMIT_INTERVAL_MS; the run's end (finish, or flush_changes on cancel) emits whatever is
        # pending. No timer means nothing fires after a window closed mid-run.
        self._last_emit = 0.0
        self._emit_pending = False

    def reset(self) -> None:
        """Forget every value (new inputs; silent: the workspace announces the change)."""
        self.builder = None
        self._base = None
        self._complete = None
        self._partial = None
        self._mean_abs = None
        self._cancel_pending_change()
        self._one_off.clear()

    @property
    def explanation(self) -> Explanation | None:
        """The complete explanation, or the rows explained so far; None before the first chunk.

        While a big run streams in, this is the latest snapshot a worker built (see
        `set_partial`), which may trail `rows_explained()` by a few chunks; small partials are
        rebuilt here on demand.
        """
        if self._complete is not None:
            return self._complete
        b = self.builder
        if b is None or b.done == 0 or self._base is None:
            return None
        fresh = self._partial is not None and self._partial.n_rows == b.done
        small = b.done * b.values.shape[1] * b.values.shape[2] <= SYNC_PARTIAL_VALUES
        if not fresh and (small or self._partial is None):
            self._partial = partial_snapshot(b, self._base)
        return self._partial

    def needs_snapshot(self) -> bool:
        """A partial explanation too big to rebuild here is behind the rows explained."""
        b = self.builder
        if b is None or self._complete is not None or self._base is None or b.done == 0:
            return False
        if b.done * b.values.shape[1] * b.values.shape[2] <= SYNC_PARTIAL_VALUES:
            return False
        return self._partial is None or self._partial.n_rows < b.done

    def set_partial(self, builder: ExplanationBuilder, explanation: Explanation) -> None:
        """A worker built a snapshot of `builder`'s rows; keep it if it is still current."""
        if builder is not self.builder or self._complete is not None:
            return  # a newer run or the complete result superseded it
        if self._partial is not None and self._partial.n_rows >= explanation.n_rows:
            return
        self._partial = explanation
        self._changed_soon()

    def set_explanation(self, explanation: Explanation, mean_abs: np.ndarray) -> None:
        """A complete explanation computed earlier (loaded from the disk cache, in a worker).

        `mean_abs` is its mean |SHAP| (n_features, n_outputs), also computed in the worker."""
        self._cancel_pending_change()
        self.builder = None
        self._partial = None
        self._complete = explanation
        self._base = np.asarray(explanation.base_values, dtype=np.float64)
        self._mean_abs = np.asarray(mean_abs, dtype=np.float64)
        self.changed.emit()
        self.finished.emit()

    @property
    def computing(self) -> bool:
        return self.builder is not None and self._complete is None

    @property
    def base_values(self) -> np.ndarray | None:
        return self._base

    def start(self, model: ModelAdapter, n_rows: int) -> None:
        """A bulk run begins: forget old values (the caller starts the worker)."""
        self.builder = ExplanationBuilder(model, n_rows)
        self._complete = None
        self._partial = None
        self._mean_abs = None
        self._base = None
        self._cancel_pending_change()
        self.changed.emit()

    def chunk_filed(self, progress: ExplainProgress) -> None:
        """A chunk the bulk run's worker already wrote into `builder` arrived: O(1) work here."""
        if self.builder is None:
            return
        if self._base is None and progress.rows.size:
            # The base value is what every row's values add up from: raw - sum(values).
            first = progress.values[0].sum(axis=0, dtype=np.float64)
            self._base = progress.raw_output[0] - first
        self._changed_soon()

    def _changed_soon(self) -> None:
        now = time.monotonic()
        if now - self._last_emit < EMIT_INTERVAL_MS / 1000:
            self._emit_pending = True
            return
        self._last_emit, self._emit_pending = now, False
        self.changed.emit()

    def _cancel_pending_change(self) -> None:
        self._last_emit, self._emit_pending = 0.0, False

    def flush_changes(self) -> None:
        """Emit a coalesced `changed` now (a run was cancelled or stopped)."""
        if self._emit_pending:
            self._cancel_pending_change()
            self.changed.emit()

    def finish(self, base_values: np.ndarray) -> None:
        """The bulk run returned: keep the complete explanation."""
        if self.builder is None:
            return
        self._base = np.asarray(base_values, dtype=np.float64)
        self._complete = self.builder.finish(self._base)
        self._partial = None
        self._cancel_pending_change()
        self.changed.emit()
        self.finished.emit()

    def rows_explained(self) -> int:
        if self.builder is None:
            return self._complete.n_rows if self._complete is not None else 0
        return int(self.builder.done)

    def mean_abs(self) -> np.ndarray | None:
        """Mean |SHAP| (n_features, n_outputs) over the rows explained so far."""
        if self.builder is None or self.builder.done == 0:
            return self._mean_abs
        return self.builder.mean_abs()

    def set_row_values(self, row: int, values: np.ndarray, base: np.ndarray) -> None:
        """Values for one row computed ahead of the bulk run (values: (n_features, n_outputs))."""
        self._one_off[int(row)] = (np.asarray(values, np.float32), np.asarray(base, np.float64))
        if self._base is None:
            self._base = np.asarray(base, np.float64)
        self.row_explained.emit(int(row))

    def row_values(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(values (n_features, n_outputs), base values (n_outputs,)) for a row, when known."""
        if self.builder is not None and self._base is not None and self.builder.covered[row]:
            return self.builder.values[row], self._base
        if self.builder is None and self._complete is not None and self._complete.complete:
            return self._complete.values[row], self._base  # loaded whole: rows are positions
        return self._one_off.get(int(row))
