"""Loading files in the background and feeding AppState on the GUI thread.

The window and its tests call `open(...)`; everything slow (reading files, aligning, predicting)
runs through app.workers under the job key "load". The SHAP runs themselves (bulk run, partial
snapshots, clicked rows, engine warm-up, memory guard) belong to app.ui.explain_runner, which the
Controller owns and whose signals it forwards.

Speed (docs/performance.md): a complete explanation is stored in the disk cache by a "cache" job
and, on the next open of the same model and data, read back inside the load job instead of being
recomputed (app.ui.cache_jobs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from app.core.base import file_digests
from app.core.base.errors import ShapLensError, UntrustedPickleError
from app.core.base.memory import MemoryEstimate
from app.core.data.align import AlignedData
from app.core.data.cache import ExplanationCache
from app.core.data.model_io import load_model
from app.core.explain.models.base import ModelAdapter
from app.core.explain.pipeline import Inputs, open_inputs
from app.ui import cache_jobs
from app.ui.dialogs import ALWAYS_TRUST
from app.ui.explain_runner import AskSample, ExplainRunner
from app.ui.state import AppState
from app.workers import Workers

log = logging.getLogger(__name__)

# The answer to "load this pickle?": falsy (no), truthy (load once) or ALWAYS_TRUST.
AskTrust = Callable[[Path, str], "bool | str"]


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
    # The commands' path too (app.core.explain.pipeline); a failure leaves the old state untouched.
    inputs = open_inputs(
        model_path,
        data_path,
        label=label,
        trust_pickle=trust_pickle,
        data_options=data_options,
        current=Inputs(current.model, current.model_path, current.frame, current.data_path),
        model_loader=load_model,  # this module's name, looked up per call: tests replace it
    )
    model, data = inputs.model, inputs.data
    raw = found = None
    if model is not None and data is not None:
        if cache is not None and data.n_rows >= cache_min_rows:
            found = cache_jobs.lookup(cache, inputs.model_path, model, data.X)
        if found is not None and found.hit is not None:
            raw = np.asarray(found.hit.explanation.raw_output)
        else:
            raw = model.predict_raw(data.X)
    return Loaded(
        model,
        inputs.model_path,
        inputs.frame,
        inputs.data_path,
        data,
        raw,
        inputs.new_files,
        time.perf_counter() - started,
        found,
    )


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
        self._on_loaded_once: Callable[[], None] | None = None
        # The disk cache of explanations: `cache` is replaceable (tests point it at a folder).
        self.cache: ExplanationCache = cache_jobs.default_cache()
        self.cache_min_rows = cache_jobs.MIN_ROWS
        self._cache_key: str | None = None  # key of the loaded model + data, when cacheable
        self._settings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "shaplens", "shaplens"
        )
        self.runner = ExplainRunner(state, workers, self)
        self.runner.progress_changed.connect(self.progress_changed)
        self.runner.computation_running.connect(self.computation_running)
        self.runner.on_complete = self._store_in_cache
        if self.WARM_UP_ENGINE:
            # From the event loop, so once the window is up: importing numba takes seconds of
            # CPU (and the GIL), which the window's start-up should not share.
            # The window's closeEvent stops it if closed before that.
            self._warm_up_timer = state.on_close.add(QTimer(self, singleShot=True, interval=0))
            self._warm_up_timer.timeout.connect(self.runner.warm_up)
            self._warm_up_timer.start()

    # ----------------------------------------------------------------- the runner's knobs
    # Kept on the Controller: the window sets `ask_sample`, tests set the others.
    @property
    def ask_sample(self) -> AskSample:
        return self.runner.ask_sample

    @ask_sample.setter
    def ask_sample(self, ask: AskSample) -> None:
        self.runner.ask_sample = ask

    @property
    def estimate(self) -> Callable[[int, int, int], MemoryEstimate]:
        return self.runner.estimate

    @estimate.setter
    def estimate(self, estimate: Callable[[int, int, int], MemoryEstimate]) -> None:
        self.runner.estimate = estimate

    @property
    def first_chunk(self) -> int:
        return self.runner.first_chunk

    @first_chunk.setter
    def first_chunk(self, rows: int) -> None:
        self.runner.first_chunk = rows

    @property
    def chunk_rows(self) -> int:
        return self.runner.chunk_rows

    @chunk_rows.setter
    def chunk_rows(self, rows: int) -> None:
        self.runner.chunk_rows = rows

    def start_computation(self) -> None:
        """(Re)start the bulk SHAP run for everything loaded; any older run is dropped."""
        self.runner.start()

    def cancel_computation(self) -> None:
        self.runner.cancel()

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

    # ----------------------------------------------------------------- loading
    def current(self) -> Loaded:
        s = self.state
        frame, data_path = s.workspace.unaligned or (None, None)  # opened before its model
        if s.data is not None:
            frame, data_path = s.data.frame, s.data_path
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
            waiting = (loaded.frame, loaded.data_path) if loaded.frame is not None else None
            self.state.set_inputs(loaded.model, loaded.model_path, None, None, unaligned=waiting)
            missing = "a dataset" if loaded.model is not None else "a model"
            self.state.report_status(f"Loaded in {loaded.seconds:.1f} s. Now open {missing}.")
        else:
            self.state.set_inputs(
                loaded.model, loaded.model_path, loaded.data, loaded.data_path, loaded.raw
            )
            self.state.report_status(
                f"Loaded {loaded.data.n_rows:,} rows in {loaded.seconds:.1f} s. "
                + "; ".join(loaded.data.report.lines(label=loaded.data.label_column))
            )
        for path in loaded.new_files:
            self.file_opened.emit(path)
        if loaded.new_files:  # export captions name the files by hash; never hash on this thread
            self.workers.run(
                "file-digests",
                file_digests.warm,
                list(loaded.new_files),
                on_result=None,
                on_error=None,
                background=True,
            )
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

    def _remember_trust(self, model_path: Path) -> None:
        """Record the file's hash on a worker: it reads the whole model and the trust store, which
        may be large, or a FIFO that must not be waited on by the window."""
        from app.core.explain.models.trust import remember_trust

        def failed(error: object) -> None:  # the file still opens this once
            self.state.report_error(
                f"Could not remember that {model_path.name} is trusted: {error}"
            )

        self.workers.run("remember-trust", remember_trust, model_path, on_result=None,
                         on_error=failed)  # fmt: skip

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
            choice = self.ask_trust(model_path, str(error))
            if choice == ALWAYS_TRUST:
                self._remember_trust(model_path)
            if choice:
                self.open(model_path, data_path, label, True, data_options, then)
                return
            # The user's own choice, not a failure: said plainly, not in the error style.
            self.state.report_notice(
                f"Did not open {model_path.name}: you chose not to trust it. Open it again to "
                "choose Load once or Always trust this file."
            )
            return
        if isinstance(error, ShapLensError):
            kept = " What was loaded before is still loaded." if self.state.ready else ""
            self.state.report_error(f"{error}{kept}")
            return
        log.error("unexpected error while loading", exc_info=error)  # type: ignore[arg-type]
        self.state.report_error(f"Could not open the file: {error!r}. Details are in the log.")
