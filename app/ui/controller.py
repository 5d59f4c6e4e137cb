"""Loading files and computing SHAP values in the background, feeding AppState on the GUI thread.

The window and its tests call `open(...)`; everything slow (reading files, aligning, predicting,
explaining) runs through app.workers. Job keys: "load", "explain" (the bulk run, in chunks) and
"row" (one clicked row, ahead of the bulk run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, Signal

from app.core.align import AlignedData, align
from app.core.data_io import load_dataset
from app.core.errors import ShapLensError, UntrustedPickleError
from app.core.explain import CHUNK_ROWS, FIRST_CHUNK_ROWS, ExplainProgress, iter_explanation
from app.core.model_io import load_model
from app.core.models.base import ModelAdapter
from app.ui.state import AppState
from app.workers import Workers

log = logging.getLogger(__name__)

AskTrust = Callable[[Path, str], bool]


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


def load_job(
    model_path: Path | None,
    data_path: Path | None,
    current: Loaded,
    label: str | None,
    trust_pickle: bool,
) -> Loaded:
    """Read the new file(s), align with what stays loaded, predict every row (worker thread)."""
    started = time.perf_counter()
    model, frame = current.model, current.frame
    new_files: list[Path] = []
    if model_path is not None:
        model = load_model(model_path, trust_pickle=trust_pickle)
        new_files.append(model_path)
    if data_path is not None:
        frame = load_dataset(data_path)
        new_files.append(data_path)
    data = raw = None
    if model is not None and frame is not None:
        data = align(model, frame, label=label)  # AlignmentError leaves the old state untouched
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
    )


def explain_row_job(model: ModelAdapter, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, base = model.contributions_one(x)
    return np.asarray(values)[0], np.asarray(base)


class Controller(QObject):
    """Starts loads and SHAP runs and applies their results to the state."""

    file_opened = Signal(Path)  # a file loaded successfully (for recent files)
    loading_changed = Signal(bool)
    progress_changed = Signal(int, int)  # rows explained, rows in total
    computation_running = Signal(bool)

    def __init__(self, state: AppState, workers: Workers, ask_trust: AskTrust | None = None):
        super().__init__(state)
        self.state, self.workers = state, workers
        self.ask_trust: AskTrust = ask_trust or (lambda path, message: False)
        self.first_chunk = FIRST_CHUNK_ROWS
        # Smaller than the CLI's chunks: progress and partial views update more often, and a
        # clicked row waits less for a model that serialises calls (LightGBM's lock).
        self.chunk_rows = min(CHUNK_ROWS, 5_000)
        # A dataset opened before any model waits here until a model arrives.
        self._pending_frame: pd.DataFrame | None = None
        self._pending_path: Path | None = None
        self._started = 0.0
        state.row_selected.connect(self._on_row_selected)

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
    ) -> None:
        """Load a model and/or dataset in the background; what is loaded stays on failure."""
        if model_path is None and data_path is None:
            return
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
            on_result=self._on_loaded,
            on_error=lambda error: self._on_load_error(error, model_path, data_path, label),
        )

    def close_all(self) -> None:
        self.workers.cancel_all()
        self._pending_frame = self._pending_path = None
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
        if self.state.ready:
            self.start_computation()
        else:
            self.computation_running.emit(False)

    def _on_load_error(
        self, error: object, model_path: Path | None, data_path: Path | None, label: str | None
    ) -> None:
        self.loading_changed.emit(False)
        if isinstance(error, UntrustedPickleError) and model_path is not None:
            if self.ask_trust(model_path, str(error)):
                self.open(model_path, data_path, label, trust_pickle=True)
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
        s.start_explanation()
        self._started = time.perf_counter()
        self.computation_running.emit(True)
        self.progress_changed.emit(0, s.data.n_rows)
        self.workers.run(
            "explain",
            iter_explanation,
            s.model,
            s.data.X,
            self.first_chunk,
            self.chunk_rows,
            on_progress=self._on_chunk,
            on_result=self._on_explained,
            on_error=self._on_explain_error,
        )

    def cancel_computation(self) -> None:
        if not self.workers.is_running("explain"):
            return
        self.workers.cancel("explain")
        self.computation_running.emit(False)
        done = self.state.rows_explained()
        total = self.state.data.n_rows if self.state.data is not None else 0
        self.state.report_status(f"Cancelled: {done:,} of {total:,} rows explained.")

    def _on_chunk(self, progress: ExplainProgress) -> None:
        self.state.add_chunk(progress)
        self.progress_changed.emit(progress.done, progress.total)
        rate = progress.done / max(time.perf_counter() - self._started, 1e-9)
        self.state.report_status(
            f"Explaining… {progress.done:,} of {progress.total:,} rows ({rate:,.0f} rows/s)"
        )

    def _on_explained(self, base: object) -> None:
        s = self.state
        if base is None:
            base = s.base_values if s.base_values is not None else np.zeros(len(s.output_names))
        s.finish_explanation(np.asarray(base))
        self.computation_running.emit(False)
        seconds = time.perf_counter() - self._started
        n = s.data.n_rows if s.data is not None else 0
        log.info("explained %d rows in %.2f s", n, seconds)
        s.report_status(f"Explained all {n:,} rows in {seconds:.1f} s.")

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
