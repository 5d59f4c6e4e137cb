"""Loading files and computing SHAP values in the background, feeding AppState on the GUI thread.

The window and its tests call `open(...)`; everything slow (reading files, aligning, predicting,
explaining) runs through app.workers. Job keys: "load", "explain" (the bulk run, in chunks) and
"row" (one clicked row, ahead of the bulk run).

Speed (docs/performance.md): the engine is warmed up in a worker at start; chunk
callbacks do O(chunk) work; partial explanations of big runs are built in a "partial" worker;
a clicked row is explained at once by a "row" job beside the bulk run. A complete explanation
is stored in the disk cache by a "cache" job and, on the next open of the same model and data,
read back inside the load job instead of being recomputed (app.ui.cache_jobs).

Before a bulk run the memory guard (app.core.memory) estimates what the values need; when that
does not fit, `ask_sample` offers to explain a random sample of the rows that fit instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, QSettings, Signal

from app.core.align import AlignedData, align
from app.core.cache import ExplanationCache
from app.core.data_io import load_dataset
from app.core.errors import ShapLensError, UntrustedPickleError
from app.core.explain import CHUNK_ROWS, FIRST_CHUNK_ROWS, ExplainProgress, iter_explanation
from app.core.memory import MemoryEstimate, estimate_explain
from app.core.model_io import load_model
from app.core.models.base import ModelAdapter
from app.ui import cache_jobs
from app.ui.state import AppState, partial_snapshot
from app.workers import Workers

log = logging.getLogger(__name__)

AskTrust = Callable[[Path, str], bool]
# (estimate, rows that would fit) -> True to explain that many random rows, False to skip
AskSample = Callable[[MemoryEstimate, int], bool]
SAMPLE_SEED = 0
# A partial explanation of a big run is rebuilt (in a worker) at most this often: each rebuild
# copies the explained rows' values, which is 100 MB half-way through 1M rows x 50 features.
SNAPSHOT_INTERVAL_S = 2.0


@dataclass
class Loaded:
    """What a load job produced (built off the GUI thread)."""

    model: ModelAdapter | None
    model_path: Path | None
    frame: pd.DataFrame | None
    data_path: Path | None
    data: AlignedData | None
    raw: np.ndarray | None
    new_files: list[Path]
    seconds: float
    cache: cache_jobs.Lookup | None = None  # None: the cache was not consulted


def load_job(
    model_path: Path | None,
    data_path: Path | None,
    current: Loaded,
    label: str | None,
    trust_pickle: bool,
    data_options: dict[str, object] | None = None,
    cache: ExplanationCache | None = None,
    cache_min_rows: int = cache_jobs.MIN_ROWS,
) -> Loaded:
    """Read the new file(s), align with what stays loaded, predict every row (worker thread).

    With a `cache`, the explanation of the same model file and data is read back here (it holds
    the raw output too, so the prediction pass is skipped)."""
    started = time.perf_counter()
    model, frame = current.model, current.frame
    new_files: list[Path] = []
    if model_path is not None:
        model = load_model(model_path, trust_pickle=trust_pickle)
        new_files.append(model_path)
    if data_path is not None:
        frame = load_dataset(data_path, **(data_options or {}))
        new_files.append(data_path)
    data = raw = found = None
    if model is not None and frame is not None:
        data = align(model, frame, label=label)  # AlignmentError leaves the old state untouched
        model_file = model_path or current.model_path
        if cache is not None and data.n_rows >= cache_min_rows:
            found = cache_jobs.lookup(cache, model_file, model, data.X)
        if found is not None and found.hit is not None:
            raw = np.asarray(found.hit.explanation.raw_output)
        else:
            raw = model.predict_raw(data.X)
    return Loaded(
        model,
        model_path or current.model_path,
        frame,
        data_path or current.data_path,
        data,
        raw,
        new_files,
        time.perf_counter() - started,
        found,
    )


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


def explain_row_job(model: ModelAdapter, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, base = model.contributions_one(x)
    return np.asarray(values)[0], np.asarray(base)


def warm_up_engine() -> None:
    """Compile (or load from numba's cache) the engine's kernels before any data arrives, so the
    first chunk and the first clicked row do not wait for it (and no compile holds the GIL
    while the user works)."""
    from app.core.engine import warm_up

    warm_up()


class Controller(QObject):
    """Starts loads and SHAP runs and applies their results to the state."""

    file_opened = Signal(Path)  # a file loaded successfully (for recent files)
    loading_changed = Signal(bool)
    progress_changed = Signal(int, int)  # rows explained, rows in total
    computation_running = Signal(bool)

    WARM_UP_ENGINE = True  # compile the engine's kernels in a worker as the window opens

    def __init__(self, state: AppState, workers: Workers, ask_trust: AskTrust | None = None):
        super().__init__(state)
        self.state, self.workers = state, workers
        self.ask_trust: AskTrust = ask_trust or (lambda path, message: False)
        self.ask_sample: AskSample = lambda estimate, fit: False
        self.estimate = estimate_explain  # replaceable in tests
        self._on_loaded_once: Callable[[], None] | None = None
        self.first_chunk = FIRST_CHUNK_ROWS
        # Smaller than the CLI's chunks: progress and partial views update more often, and a
        # clicked row waits less for a model that serialises calls (LightGBM's lock).
        self.chunk_rows = min(CHUNK_ROWS, 5_000)
        # A dataset opened before any model waits here until a model arrives.
        self._pending_frame: pd.DataFrame | None = None
        self._pending_path: Path | None = None
        self._started = 0.0
        self._last_snapshot = 0.0
        # The disk cache of explanations: `cache` is replaceable (tests point it at a folder).
        self.cache: ExplanationCache = cache_jobs.default_cache()
        self.cache_min_rows = cache_jobs.MIN_ROWS
        self._cache_key: str | None = None  # key of the loaded model + data, when cacheable
        self._settings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "shaplens", "shaplens"
        )
        state.row_selected.connect(self._on_row_selected)
        if self.WARM_UP_ENGINE:
            self.workers.run(
                "warm_up",
                warm_up_engine,
                on_result=None,
                on_error=lambda error: log.warning("engine warm-up failed: %r", error),
            )

    # ----------------------------------------------------------------- disk cache
    @property
    def cache_enabled(self) -> bool:
        """The user's setting (default on); SHAPLENS_NO_CACHE=1 turns the cache off regardless."""
        if cache_jobs.disabled_by_env():
            return False
        return bool(self._settings.value(cache_jobs.SETTINGS_KEY, True, type=bool))

    def set_cache_enabled(self, on: bool) -> None:
        """Remember whether explanations are cached on disk (a menu toggle calls this)."""
        self._settings.setValue(cache_jobs.SETTINGS_KEY, bool(on))

    def clear_cache(self) -> None:
        self.cache.clear()

    # ----------------------------------------------------------------- loading
    def current(self) -> Loaded:
        s = self.state
        frame = s.data.frame if s.data is not None else self._pending_frame
        data_path = s.data_path if s.data is not None else self._pending_path
        return Loaded(s.model, s.model_path, frame, data_path, s.data, None, [], 0.0)

    def open(
        self,
        model_path: Path | None = None,
        data_path: Path | None = None,
        label: str | None = None,
        trust_pickle: bool = False,
        data_options: dict[str, object] | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Load a model and/or dataset in the background; what is loaded stays on failure.

        `data_options` go to load_dataset (delimiter, encoding, sheet); `then` runs once on the
        GUI thread after this load succeeded (a session restores its settings there)."""
        if model_path is None and data_path is None:
            return
        self._on_loaded_once = then
        if label is None and data_path is None and self.state.data is not None:
            label = self.state.data.label_column  # a new model keeps the chosen label
        names = ", ".join(p.name for p in (model_path, data_path) if p is not None)
        self.state.report_status(f"Loading {names}…")
        self.loading_changed.emit(True)
        self.workers.run(
            "load",
            load_job,
            model_path,
            data_path,
            self.current(),
            label,
            trust_pickle,
            data_options,
            self.cache if self.cache_enabled else None,
            self.cache_min_rows,
            on_result=self._on_loaded,
            on_error=lambda error: self._on_load_error(
                error, model_path, data_path, label, data_options, then
            ),
        )

    def close_all(self) -> None:
        self.workers.cancel_all()
        self._pending_frame = self._pending_path = None
        self._cache_key = None
        self.state.set_inputs(None, None, None, None)
        self.computation_running.emit(False)
        self.state.report_status("Closed.")

    def _on_loaded(self, loaded: Loaded) -> None:
        self.loading_changed.emit(False)
        self.workers.cancel("explain")
        self.workers.cancel("row")
        if loaded.data is None:
            # Only one half is there: keep it and say what is missing.
            self._pending_frame, self._pending_path = loaded.frame, loaded.data_path
            self.state.set_inputs(loaded.model, loaded.model_path, None, None)
            missing = "a dataset" if loaded.model is not None else "a model"
            self.state.report_status(f"Loaded in {loaded.seconds:.1f} s. Now open {missing}.")
        else:
            self._pending_frame = self._pending_path = None
            self.state.set_inputs(
                loaded.model, loaded.model_path, loaded.data, loaded.data_path, loaded.raw
            )
            self.state.report_status(
                f"Loaded {loaded.data.n_rows:,} rows in {loaded.seconds:.1f} s. "
                + "; ".join(loaded.data.report.lines())
            )
        for path in loaded.new_files:
            self.file_opened.emit(path)
        then, self._on_loaded_once = self._on_loaded_once, None
        found = loaded.cache if loaded.data is not None else None
        self._cache_key = found.key if found is not None else None
        if found is not None and found.note:
            self.state.report_status(found.note)
        if self.state.ready and found is not None and found.hit is not None:
            self._use_cached(found.hit)
        elif self.state.ready:
            self.start_computation()
        else:
            self.computation_running.emit(False)
        if then is not None:
            then()

    def _use_cached(self, hit: cache_jobs.CacheHit) -> None:
        """Show an explanation read back from the disk cache (already verified in the worker)."""
        self.workers.cancel("explain")
        self.state.set_explanation(hit.explanation, hit.mean_abs)
        self.computation_running.emit(False)
        n = hit.explanation.n_rows
        self.progress_changed.emit(n, n)
        log.info("read %d rows of SHAP values from the cache in %.2f s", n, hit.seconds)
        self.state.report_status(
            f"SHAP values for all {n:,} rows read from the cache in {hit.seconds:.1f} s "
            "(same model file and data as before)."
        )

    def _on_load_error(
        self,
        error: object,
        model_path: Path | None,
        data_path: Path | None,
        label: str | None,
        data_options: dict[str, object] | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        self.loading_changed.emit(False)
        self._on_loaded_once = None
        if isinstance(error, UntrustedPickleError) and model_path is not None:
            if self.ask_trust(model_path, str(error)):
                self.open(model_path, data_path, label, True, data_options, then)
                return
            self.state.report_error(f"Did not open {model_path.name}: not trusted.")
            return
        if isinstance(error, ShapLensError):
            kept = " What was loaded before is still loaded." if self.state.ready else ""
            self.state.report_error(f"{error}{kept}")
            return
        log.error("unexpected error while loading", exc_info=error)  # type: ignore[arg-type]
        self.state.report_error(f"Could not open the file: {error!r}. Details are in the log.")

    # ----------------------------------------------------------------- computing
    def start_computation(self) -> None:
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
        job = (
            (iter_explanation, s.model, s.data.X)
            if rows is None
            else (explain_sample, s.model, s.data.X, rows)
        )
        self.workers.run(
            "explain",
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

    def cancel_computation(self) -> None:
        if not self.workers.is_running("explain"):
            return
        self.workers.cancel("explain")
        self.computation_running.emit(False)
        self.state.flush_changes()  # views show every row computed before the cancel
        self._request_snapshot(force=True)
        done = self.state.rows_explained()
        total = self.state.data.n_rows if self.state.data is not None else 0
        self.state.report_status(f"Cancelled: {done:,} of {total:,} rows explained.")

    def _on_chunk(self, progress: ExplainProgress) -> None:
        # GUI thread: O(chunk) bookkeeping only; anything O(rows) goes to a worker.
        self.state.add_chunk(progress)
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
        if not force and now - self._last_snapshot < SNAPSHOT_INTERVAL_S:
            return
        self._last_snapshot = now
        builder, base = s.builder, s.base_values
        assert builder is not None and base is not None
        self.workers.run(
            "partial",
            partial_snapshot,
            builder,
            base,
            on_result=lambda explanation: s.set_partial(builder, explanation),
            on_error=lambda error: log.warning("partial explanation failed: %r", error),
        )

    def _store_in_cache(self) -> None:
        """Keep a complete explanation on disk (a worker writes it; the GUI does not wait)."""
        s, key = self.state, self._cache_key
        explanation = s.explanation
        if key is None or explanation is None or not explanation.complete:
            return
        if not self.cache_enabled:
            return
        self.workers.run(
            "cache",
            cache_jobs.store,
            self.cache,
            key,
            explanation,
            on_result=lambda path: log.info("stored SHAP values in %s", path),
            on_error=lambda error: s.report_status(f"Could not cache the SHAP values: {error}"),
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
            self._store_in_cache()

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
