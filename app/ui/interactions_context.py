"""The interaction summary of what is loaded, computed in the background once SHAP values exist.

One InteractionsContext lives per AppState, as `state.interactions`, so the Interactions view and the row list share one summary and one run. The run starts when
every row has its SHAP values and a view that needs the summary is on screen (a hidden panel
costs no CPU); it reports progress, can be cancelled and started again, and reads and writes
the disk cache of explanations (same switch as SHAP values). Not a panel.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal

from app.core.data.interaction_cache import InteractionCache
from app.core.explain.interaction_jobs import Summary, summary_job
from app.ui import cache_jobs
from app.workers import Workers

if TYPE_CHECKING:  # the state builds this context, so importing it here would be a cycle
    from app.ui.state import AppState

log = logging.getLogger(__name__)

JOB = "interactions"


class InteractionsContext(QObject):
    summary_changed = Signal()  # a summary arrived, or the old one was dropped
    progress_changed = Signal(float)  # fraction of rows done
    running_changed = Signal(bool)

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.state = state
        self.workers = Workers(self)
        self.summary: Summary | None = None
        self.status = ""  # what the views say when there is no summary
        self.wanted = False  # a view that needs the summary has been on screen
        self.fraction = 0.0
        self._running = False  # the job's result arrives before the workers drop its key
        self._stop = threading.Event()  # the running job's: set, it stops within an engine step
        self._job = summary_job  # replaceable in tests
        state.model_changed.connect(self._reset)
        state.data_changed.connect(self._reset)
        state.explanation_finished.connect(self._maybe_start)

    @property
    def running(self) -> bool:
        return self._running

    def want(self) -> None:
        """A view needing the summary is on screen: compute it if nothing holds it back."""
        self.wanted = True
        self._maybe_start()

    def start(self) -> None:
        """(Re)start the run for what is loaded (the Compute button, or `want`)."""
        s = self.state
        explanation = s.explanation
        if s.model is None or s.data is None or explanation is None or not explanation.complete:
            self.status = "Computed once every row has its SHAP values."
            self.summary_changed.emit()
            return
        self.fraction = 0.0
        self.status = "Computing interaction values…"
        model = s.model
        self._stop.set()  # a run already going stops; this one gets its own flag
        self._stop = threading.Event()
        self.workers.run(
            JOB,
            self._job,
            model,
            s.data.X,
            s.model_path,
            self._cache(),
            self._stop,
            on_progress=self._on_progress,
            on_result=lambda summary: self._on_result(model, summary),
            on_error=self._on_error,
        )
        self._set_running(True)
        self.progress_changed.emit(0.0)

    def cancel(self) -> None:
        if not self.running:
            return
        self._stop.set()
        self.workers.cancel(JOB)
        self.status = f"Cancelled at {self.fraction:.0%}."
        self._set_running(False)
        self.summary_changed.emit()

    # ----------------------------------------------------------------- reactions
    def _maybe_start(self) -> None:
        if self.wanted and self.summary is None and not self.running:
            self.start()

    def _reset(self) -> None:
        self._stop.set()
        self.workers.cancel(JOB)
        self.summary = None
        self.fraction = 0.0
        self.status = ""
        self._set_running(False)
        self.summary_changed.emit()

    def _set_running(self, on: bool) -> None:
        if on != self._running:
            self._running = on
            self.running_changed.emit(on)

    def _cache(self) -> InteractionCache | None:
        """The disk cache, unless the user or SHAPLENS_NO_CACHE turned caching off."""
        if cache_jobs.disabled_by_env():
            return None
        settings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "shaplens", "shaplens"
        )
        if not settings.value(cache_jobs.SETTINGS_KEY, True, type=bool):
            return None
        return InteractionCache(cache_jobs.default_cache().root)

    def _on_progress(self, fraction: object) -> None:
        self.fraction = float(fraction)  # type: ignore[arg-type]
        self.progress_changed.emit(self.fraction)

    def _on_result(self, model: object, summary: Summary) -> None:
        if model is not self.state.model:
            return  # a newer model makes it meaningless (its job was cancelled, but be sure)
        self.summary = summary
        self.status = ""
        self._set_running(False)
        self.summary_changed.emit()

    def _on_error(self, error: object) -> None:
        log.warning("interaction values failed: %r", error)
        self.status = f"Computing interaction values failed: {error}"
        self._set_running(False)
        self.summary_changed.emit()
