"""Running SHAP explanations in the background for what the controller loaded.

The controller (app.ui.controller) owns one ExplainRunner. Job keys: "explain" (the bulk run, in
chunks), "partial" (a big run's partial explanation, rebuilt in a worker), "row" (one clicked
row, explained at once beside the bulk run) and "warm_up" (the engine's kernels, compiled as the
window opens).

Before a bulk run the memory guard (app.core.base.memory) estimates what the values need; when that
does not fit, `ask_sample` offers to explain a random sample of the rows that fit instead.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable, Generator
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.base.errors import ShapLensError
from app.core.base.memory import MemoryEstimate, estimate_explain
from app.core.explain.chunked import (
    CHUNK_ROWS,
    FIRST_CHUNK_ROWS,
    ExplainProgress,
    ExplanationBuilder,
    filed_into,
    iter_explanation,
)
from app.core.explain.models.base import ModelAdapter
from app.core.explain.snapshot import partial_snapshot
from app.ui.heap import settle_heap_once
from app.ui.state import AppState
from app.workers import BACKGROUND_NICENESS, Workers

log = logging.getLogger(__name__)

# (estimate, rows that would fit) -> True to explain that many random rows, False to skip
AskSample = Callable[[MemoryEstimate, int], bool]
SAMPLE_SEED = 0
# A partial explanation of a big run is rebuilt (in a worker) at most this often: each rebuild
# copies the explained rows' values, which is 100 MB half-way through 1M rows x 50 features.
# The interval grows by a second per SNAPSHOT_ROWS_PER_S rows already explained, and the copy
# goes in blocks of SNAPSHOT_BLOCK_ROWS with a pause between: copies at full speed took the
# memory bandwidth of the GUI thread, and every long GUI stall left coincided with one.
SNAPSHOT_INTERVAL_S = 2.0
SNAPSHOT_ROWS_PER_S = 100_000
SNAPSHOT_BLOCK_ROWS = 50_000
SNAPSHOT_PAUSE_S = 0.005


def explain_sample(
    model: ModelAdapter, X: np.ndarray, rows: np.ndarray, first_chunk: int, chunk_rows: int
) -> Generator[ExplainProgress, None, np.ndarray]:
    """Explain only `rows` (sorted dataset positions), reporting progress in dataset positions."""
    chunks = iter_explanation(model, X[rows], first_chunk, chunk_rows)
    while True:
        try:
            progress = next(chunks)
        except StopIteration as stop:
            return stop.value
        yield replace(progress, rows=rows[progress.rows])


def explain_filed(
    builder: ExplanationBuilder,
    explain: Callable[..., Generator[ExplainProgress, None, np.ndarray]],
    *args: object,
) -> Generator[ExplainProgress, None, np.ndarray]:
    """The bulk job: `explain(*args)`'s chunks, written into the run's builder in the worker."""
    return (yield from filed_into(builder, explain(*args)))


def explain_row_job(model: ModelAdapter, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, base = model.contributions_one(x)
    return np.asarray(values)[0], np.asarray(base)


# What the model loaders import, in the order of their cost (lightgbm brings scikit-learn and
# scipy.stats with it).
FRAMEWORK_MODULES = ("lightgbm", "skops.io", "sklearn.ensemble", "xgboost", "catboost")
# ShapLens's own adapters, which the loaders import on first use.
LOADER_MODULES = tuple(
    f"app.core.explain.models.{name}"
    for name in (
        "lightgbm_model",
        "xgboost_model",
        "catboost_model",
        "sklearn_model",
        "sklearn_hist",
        "serialized",
        "tree_engine",
    )
)


def warm_up_engine() -> None:
    """Compile (or load from numba's cache) the engine's kernels before any data arrives, so the
    first chunk and the first clicked row do not wait for it (and no compile holds the GIL
    while the user works). Bulk runs' threads are set to yield the cores to the GUI's."""
    from app.core.explain.engine import set_bulk_niceness, warm_up

    # The same level as the app's other background work: with both cores busy explaining, the
    # GUI thread and a clicked row's job (normal priority) still get a core when they wake up.
    set_bulk_niceness(BACKGROUND_NICENESS)
    warm_up()
    # A LightGBM model is explained without the lightgbm package; the model overview imports
    # it for the booster's importances and parameters. That import (lightgbm -> scikit-learn
    # -> scipy.stats) held the GIL ~240 ms in one go beside the bulk run (issue 14): done here,
    # before any model is open, it costs the idle window instead.
    # The other frameworks' loaders import theirs (and skops its scikit-learn types) the same
    # way: ~50,000 functions, tuples and dicts for the garbage collector to walk in the first
    # collections of a run (gen-0 and gen-1 passes of 100-260 ms on the GUI thread, measured
    # with a RandomForest). Imported here, they are frozen with the start-up objects once the
    # warm-up ends (app/ui/heap.py).
    for module in FRAMEWORK_MODULES:
        if importlib.util.find_spec(module.partition(".")[0]) is not None:
            importlib.import_module(module)
    for module in LOADER_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # its framework is not installed: that loader says so when used
            log.debug("warm-up skipped %s", module)


class ExplainRunner(QObject):
    """Starts the bulk SHAP run, partial snapshots and clicked-row jobs; applies their results."""

    progress_changed = Signal(int, int)  # rows explained, rows in total
    computation_running = Signal(bool)

    def __init__(self, state: AppState, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.state, self.workers = state, workers
        self.ask_sample: AskSample = lambda estimate, fit: False
        self.estimate = estimate_explain  # replaceable in tests
        self.first_chunk = FIRST_CHUNK_ROWS
        # Smaller than the CLI's chunks: progress and partial views update more often, and a
        # clicked row waits less for a model that serialises calls (LightGBM's lock).
        self.chunk_rows = min(CHUNK_ROWS, 5_000)
        # Called once every row is explained (the controller stores the values in its cache).
        self.on_complete: Callable[[], None] | None = None
        self._started = 0.0
        self._last_snapshot = 0.0
        state.row_selected.connect(self._on_row_selected)

    def warm_up(self) -> None:
        self.workers.run(
            "warm_up",
            warm_up_engine,
            on_result=lambda _: settle_heap_once(),
            on_error=lambda error: log.warning("engine warm-up failed: %r", error),
        )

    # ----------------------------------------------------------------- the bulk run
    def start(self) -> None:
        """(Re)start the bulk SHAP run for everything loaded; any older run is dropped."""
        s = self.state
        if s.model is None or s.data is None:
            return
        n = s.data.n_rows
        rows = self._rows_that_fit(n)
        if rows is not None and rows.size == 0:
            self.workers.cancel("explain")
            self.computation_running.emit(False)
            return
        s.start_explanation()
        self._started = time.perf_counter()
        self.computation_running.emit(True)
        self.progress_changed.emit(0, n)
        assert s.builder is not None
        job = (
            (iter_explanation, s.model, s.data.X)
            if rows is None
            else (explain_sample, s.model, s.data.X, rows)
        )
        self.workers.run(
            "explain",
            explain_filed,
            s.builder,
            *job,
            self.first_chunk,
            self.chunk_rows,
            on_progress=self._on_chunk,
            on_result=self._on_explained,
            on_error=self._on_explain_error,
        )

    def _rows_that_fit(self, n: int) -> np.ndarray | None:
        """None: explain every row. Otherwise the random rows (sorted) the user agreed to, or
        an empty array when nothing is to be explained."""
        model = self.state.model
        assert model is not None
        estimate = self.estimate(n, len(model.feature_names), model.n_outputs)
        if estimate.fits:
            return None
        fit = estimate.rows_that_fit(n)
        if fit <= 0:
            self.state.report_error(estimate.message())
            return np.empty(0, dtype=np.int64)
        if not self.ask_sample(estimate, fit):
            self.state.report_status(f"Not explained: {estimate.message()}")
            return np.empty(0, dtype=np.int64)
        rng = np.random.default_rng(SAMPLE_SEED)
        return np.sort(rng.choice(n, fit, replace=False)).astype(np.int64)

    def cancel(self) -> None:
        if not self.workers.is_running("explain"):
            return
        self.workers.cancel("explain")
        if self.state.builder is not None:
            self.state.builder.close()  # the chunk the worker has in hand is not filed
        self.computation_running.emit(False)
        self.state.flush_changes()  # views show every row computed before the cancel
        self._request_snapshot(force=True)
        done = self.state.rows_explained()
        total = self.state.data.n_rows if self.state.data is not None else 0
        self.state.report_status(f"Cancelled: {done:,} of {total:,} rows explained.")

    def _on_chunk(self, progress: ExplainProgress) -> None:
        # GUI thread: O(1) bookkeeping only (the worker filed the chunk); O(rows) goes to a worker.
        self.state.chunk_filed(progress)
        self._request_snapshot()
        self.progress_changed.emit(progress.done, progress.total)
        rate = progress.done / max(time.perf_counter() - self._started, 1e-9)
        self.state.report_status(
            f"Explaining… {progress.done:,} of {progress.total:,} rows ({rate:,.0f} rows/s)"
        )

    def _request_snapshot(self, force: bool = False) -> None:
        """Rebuild a big partial explanation in a worker (at most every SNAPSHOT_INTERVAL_S)."""
        s = self.state
        now = time.monotonic()
        if not s.needs_snapshot() or self.workers.is_running("partial"):
            return
        builder, base = s.builder, s.base_values
        assert builder is not None and base is not None
        interval = max(SNAPSHOT_INTERVAL_S, builder.done / SNAPSHOT_ROWS_PER_S)
        if not force and now - self._last_snapshot < interval:
            return
        self._last_snapshot = now
        self.workers.run(
            "partial",
            partial_snapshot,
            builder,
            base,
            SNAPSHOT_BLOCK_ROWS,
            SNAPSHOT_PAUSE_S,
            on_result=lambda explanation: s.set_partial(builder, explanation),
            on_error=lambda error: log.warning("partial explanation failed: %r", error),
            background=True,  # a 100-200 MB copy at 1M rows: not worth a core of the GUI's
        )

    def _on_explained(self, base: object) -> None:
        s = self.state
        if base is None:
            base = s.base_values if s.base_values is not None else np.zeros(len(s.output_names))
        s.finish_explanation(np.asarray(base))
        self.computation_running.emit(False)
        seconds = time.perf_counter() - self._started
        n = s.data.n_rows if s.data is not None else 0
        done = s.rows_explained()
        log.info("explained %d of %d rows in %.2f s", done, n, seconds)
        if done < n:  # the memory guard chose a sample
            s.report_status(
                f"Explained a random sample of {done:,} of {n:,} rows in {seconds:.1f} s."
            )
        else:
            s.report_status(f"Explained all {n:,} rows in {seconds:.1f} s.")
            if self.on_complete is not None:
                self.on_complete()

    def _on_explain_error(self, error: object) -> None:
        self.computation_running.emit(False)
        if not isinstance(error, ShapLensError):
            log.error("unexpected error while explaining", exc_info=error)  # type: ignore[arg-type]
        self.state.report_error(f"Computing SHAP values failed: {error}")

    # ----------------------------------------------------------------- one clicked row
    def _on_row_selected(self, row: int) -> None:
        s = self.state
        if s.model is None or s.data is None or s.row_values(row) is not None:
            return
        model = s.model

        def on_result(result: tuple[np.ndarray, np.ndarray]) -> None:
            if s.model is model:  # a newer model makes this row's values meaningless
                s.set_row_values(row, *result)

        self.workers.run(
            "row",
            explain_row_job,
            model,
            s.data.X[row],
            on_result=on_result,
            on_error=lambda error: s.report_error(f"Explaining row {row} failed: {error}"),
        )
