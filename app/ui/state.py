"""AppState: the one object that holds what is loaded, what is selected and what is computed.

Panels, plots and the window read its attributes and listen to its signals; only the shell
(main window and its controller) calls the `set_*`/`*_explanation` methods that change what is
loaded. The contract is in docs/CONTRACTS.md; everything beyond it here is additive.

Keeping the GUI thread free during a big run: the bulk run's worker files each chunk into the
builder (`app.core.explain.chunked.filed_into`), so a chunk costs O(1) here; `explanation_changed` is
emitted at most every EMIT_INTERVAL_MS while chunks stream in, because every panel redraws on
it; and the partial `explanation` is only rebuilt here while it is small (SYNC_PARTIAL_VALUES).
Beyond that the controller builds snapshots in a worker (`partial_snapshot`) and hands them in
with `set_partial`.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.base.types import Explanation
from app.core.data.align import AlignedData
from app.core.explain.chunked import ExplainProgress, ExplanationBuilder
from app.core.explain.models.base import ModelAdapter, display_output_name

# Redraws triggered by streaming chunks are coalesced to at most one per this many ms. Measured at
# 1M rows with clicks every 120 ms: 250 ms gave the longest GUI stalls 102-178 ms, 500 ms 59-67.
EMIT_INTERVAL_MS = 500
# A partial explanation up to this many values (rows x features x outputs, float32) is cheap
# enough (~8 MB copy, a few ms) to rebuild on the GUI thread when asked for.
SYNC_PARTIAL_VALUES = 2_000_000


def partial_snapshot(
    builder: ExplanationBuilder,
    base: np.ndarray,
    block_rows: int | None = None,
    pause_s: float = 0.0,
) -> Explanation:
    """The rows explained so far as an Explanation, without touching the builder (worker-safe).

    The builder keeps filling other rows while this runs: a row is marked covered only after its
    values are written, so every row read here is complete. With `block_rows`, the values are
    copied a block at a time with a pause between blocks: one 180 MB copy at full speed took
    the memory bandwidth the GUI thread needed (its redraws slowed by half while it ran).
    """
    rows = np.flatnonzero(builder.covered)
    model = builder.model
    if block_rows is None:
        values = builder.values[rows]
    else:
        values = np.empty((rows.size, *builder.values.shape[1:]), dtype=builder.values.dtype)
        for start in range(0, rows.size, block_rows):
            stop = min(start + block_rows, rows.size)
            np.take(builder.values, rows[start:stop], axis=0, out=values[start:stop])
            if pause_s and stop < rows.size:
                time.sleep(pause_s)
    return Explanation(
        values=values,
        base_values=np.asarray(base, dtype=np.float64),
        raw_output=builder.raw_output[rows],
        feature_names=model.feature_names,
        output_names=list(model.output_names),
        unit=model.unit,
        exact=model.info.exact,
        rows=rows.astype(np.int64),
        complete=rows.size == builder.covered.size,
        engine=model.info.explainer,
    )


def mean_abs_of(values: np.ndarray, block: int = 100_000) -> np.ndarray:
    """Mean |SHAP| (n_features, n_outputs) of an explanation's values, in blocks (worker use)."""
    total = np.zeros(values.shape[1:], dtype=np.float64)
    for start in range(0, values.shape[0], block):
        total += np.abs(values[start : start + block]).sum(axis=0, dtype=np.float64)
    return total / max(values.shape[0], 1)


class AppState(QObject):
    """What is loaded (model, data), computed (SHAP values) and selected (row, output, filter)."""

    model_changed = Signal()
    data_changed = Signal()
    explanation_changed = Signal()  # a chunk arrived (partial) or the run completed
    explanation_finished = Signal()  # every row is explained (emitted once per run)
    row_selected = Signal(int)
    row_explained = Signal(int)  # one row's values became available (clicked ahead of the bulk)
    visible_rows_changed = Signal()
    output_changed = Signal(int)
    threshold_changed = Signal(float)
    label_changed = Signal()
    status_changed = Signal(str)
    error_raised = Signal(str)
    notice_raised = Signal(str)  # worth telling, but nothing went wrong (a declined file)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model: ModelAdapter | None = None
        self.model_path: Path | None = None
        self.data: AlignedData | None = None
        self.data_path: Path | None = None
        self.builder: ExplanationBuilder | None = None
        self.output_index: int = 0
        self.selected_row: int | None = None
        self.visible_rows: np.ndarray = np.empty(0, dtype=np.int64)
        self.threshold: float = 0.5
        self._raw: np.ndarray | None = None  # raw model output for every row
        self._predictions: np.ndarray | None = None
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

    # ----------------------------------------------------------------- loaded inputs
    def set_inputs(
        self,
        model: ModelAdapter | None,
        model_path: Path | None,
        data: AlignedData | None,
        data_path: Path | None,
        raw_output: np.ndarray | None = None,
    ) -> None:
        """Replace model and/or data (already aligned, off the GUI thread) and reset results."""
        model_new = model is not self.model
        data_new = data is not self.data
        self.model, self.model_path = model, model_path
        self.data, self.data_path = data, data_path
        self._raw = raw_output
        self._predictions = None
        self.builder = None
        self._base = None
        self._complete = None
        self._partial = None
        self._mean_abs = None
        self._cancel_pending_change()
        self._one_off.clear()
        self.selected_row = None
        n_outputs = model.n_outputs if model is not None else 1
        if self.output_index >= n_outputs:
            self.output_index = 0
        n_rows = data.n_rows if data is not None else 0
        self.visible_rows = np.arange(n_rows, dtype=np.int64)
        if model_new:
            self.model_changed.emit()
        if data_new or model_new:
            self.data_changed.emit()
        self.visible_rows_changed.emit()
        self.explanation_changed.emit()

    def set_label_column(self, column: str | None) -> None:
        """Choose which column is the label (None: no label); the model input is unchanged."""
        if self.data is None or column == self.data.label_column:
            return
        if column is not None and column not in self.data.frame.columns:
            self.error_raised.emit(f"Column '{column}' is not in the dataset.")
            return
        self.data.label_column = column
        self.label_changed.emit()

    @property
    def ready(self) -> bool:
        """A model and data that fit it are both loaded."""
        return self.model is not None and self.data is not None

    @property
    def output_names(self) -> list[str]:
        """Display names of the outputs ("class 2" for a bare class code)."""
        if self.model is None:
            return []
        return [display_output_name(n) for n in self.model.output_names]

    def raw_output(self) -> np.ndarray | None:
        """The model's raw output (n_rows, n_outputs) in its unit (log-odds, margin, value)."""
        return self._raw

    def predictions(self) -> np.ndarray | None:
        """Probabilities (n_rows, n_outputs) for classifiers, predicted values otherwise."""
        if self._raw is None or self.model is None:
            return None
        if self._predictions is None:
            self._predictions = self.model.raw_to_prediction(self._raw)
        return self._predictions

    # ----------------------------------------------------------------- explanation
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
        self.explanation_changed.emit()
        self.explanation_finished.emit()

    @property
    def computing(self) -> bool:
        return self.builder is not None and self._complete is None

    @property
    def base_values(self) -> np.ndarray | None:
        return self._base

    def start_explanation(self) -> None:
        """A bulk run begins: forget old values (the controller starts the worker)."""
        if self.model is None or self.data is None:
            return
        self.builder = ExplanationBuilder(self.model, self.data.n_rows)
        self._complete = None
        self._partial = None
        self._mean_abs = None
        self._base = None
        self._cancel_pending_change()
        self.explanation_changed.emit()

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
        self.explanation_changed.emit()

    def _cancel_pending_change(self) -> None:
        self._last_emit, self._emit_pending = 0.0, False

    def flush_changes(self) -> None:
        """Emit a coalesced `explanation_changed` now (a run was cancelled or stopped)."""
        if self._emit_pending:
            self._cancel_pending_change()
            self.explanation_changed.emit()

    def finish_explanation(self, base_values: np.ndarray) -> None:
        """The bulk run returned: keep the complete explanation."""
        if self.builder is None:
            return
        self._base = np.asarray(base_values, dtype=np.float64)
        self._complete = self.builder.finish(self._base)
        self._partial = None
        self._cancel_pending_change()
        self.explanation_changed.emit()
        self.explanation_finished.emit()

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

    # ----------------------------------------------------------------- selection & filters
    def select_row(self, row: int) -> None:
        if self.data is None or not 0 <= row < self.data.n_rows or row == self.selected_row:
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
        if k == self.output_index or not 0 <= k < max(len(self.output_names), 1):
            return
        self.output_index = int(k)
        self.output_changed.emit(int(k))

    def set_threshold(self, t: float) -> None:
        t = float(t)
        if not 0.0 <= t <= 1.0:  # NaN too: a threshold is a probability
            self.report_error(
                f"A decision threshold is between 0 and 1, not {t}; kept {self.threshold:g}."
            )
            return
        if t == self.threshold:
            return
        self.threshold = t
        self.threshold_changed.emit(t)

    # ----------------------------------------------------------------- messages
    def report_status(self, message: str) -> None:
        self.status_changed.emit(message)

    def report_error(self, message: str) -> None:
        self.error_raised.emit(message)

    def report_notice(self, message: str) -> None:
        self.notice_raised.emit(message)
