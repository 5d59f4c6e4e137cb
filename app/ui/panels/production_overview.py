"""Model overview panel: what the loaded model is and what it costs.

Framework, task, trees/leaves/depth, features used and unused, file size and the stored training
parameters, beside a per-feature table of split count, gain and mean |SHAP| (filled in from the
explanation once it is complete). The inspection runs through app.workers; memory once loaded is
measured only by `shaplens inspect` (see _on_model_changed).
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.production.inspect import ModelOverview, inspect_model, overview_lines
from app.plots.base import hidden_in_shown_window
from app.ui.dialogs_compare import fill_table
from app.ui.state import AppState
from app.workers import Workers, workers_for

TITLE = "Model overview"
JOB_KEY = "production-overview"


class OverviewPanel(QWidget):
    def __init__(
        self, state: AppState, workers: Workers | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self._given_workers = workers
        self.overview: ModelOverview | None = None
        self._stale = False  # an overview not shown yet (it came while the panel was hidden)
        self.message = QLabel("Open a model to see its overview.", self)
        self.message.setWordWrap(True)
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        facts_box = QWidget(self)
        facts_box.setLayout(self.facts)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(facts_box)
        scroll.setMinimumWidth(380)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.table = QTableWidget(self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(False)
        row = QHBoxLayout()
        row.addWidget(scroll, 2)
        row.addWidget(self.table, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(row, 1)
        state.model_changed.connect(self._on_model_changed)
        state.explanation_finished.connect(self._on_explanation_finished)
        if state.model is not None:  # after docking, so the job runs on the window's Workers
            QTimer.singleShot(0, self._on_model_changed)

    @property
    def workers(self) -> Workers:
        # Its own Workers when not docked: the window cancels their jobs too when it closes.
        return self.state.on_close.add(workers_for(self, self._given_workers))

    def _on_model_changed(self) -> None:
        self.overview = None
        self._stale = False
        self._clear_facts()
        self.table.setRowCount(0)
        model = self.state.model
        if model is None:
            self.workers.cancel(JOB_KEY)
            self.message.setText("Open a model to see its overview.")
            return
        self.message.setText("Inspecting the model…")
        # No load-memory measurement here: it toggles tracemalloc, which is process-wide and
        # crashed the app when stopped from a worker thread while others allocate. The CLI's
        # `shaplens inspect` (single-threaded) still measures it.
        self.workers.run(
            JOB_KEY,
            functools.partial(inspect_model, measure_memory=False),
            model,
            on_result=self._on_result,
            on_error=self._on_error,
        )

    def _on_result(self, overview: ModelOverview) -> None:
        if self.state.model is None:
            return
        self.overview = overview
        self._fill_shap_from_state()
        self._show_when_seen()

    def _on_error(self, error: object) -> None:
        self.message.setText(f"Could not inspect the model: {error}")

    def _on_explanation_finished(self) -> None:
        if self.overview is not None and self._fill_shap_from_state():
            self._show_when_seen()

    def _show_when_seen(self) -> None:
        # Rebuilding the facts and the table took ~20 ms of the GUI thread as a run ended,
        # mostly for a dock nobody had open (issue 14): a hidden panel catches up when shown.
        self._stale = hidden_in_shown_window(self)
        if not self._stale:
            self._show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._show()

    def _fill_shap_from_state(self) -> bool:
        """Mean |SHAP| per feature from the finished explanation (cheap: n_features numbers)."""
        mean_abs = self.state.mean_abs()
        explanation = self.state.explanation
        if self.overview is None or mean_abs is None or not getattr(explanation, "complete", 0):
            return False
        per_feature = np.asarray(mean_abs, dtype=np.float64).sum(axis=1)
        if per_feature.size != len(self.overview.features):
            return False
        for feature, value in zip(self.overview.features, per_feature, strict=True):
            feature.mean_abs_shap = float(value)
        self.overview.shap_rows = explanation.n_rows
        return True

    def _clear_facts(self) -> None:
        while self.facts.rowCount():
            self.facts.removeRow(0)

    def _show(self) -> None:
        o = self.overview
        if o is None:
            return
        self._clear_facts()
        params_started = False
        for label, value in overview_lines(o):
            if label.startswith("  ") and not params_started:  # the stored training parameters
                params_started = True
                self.facts.addRow(QLabel("<b>Training parameters</b>", self))
            text = QLabel(value, self)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addRow(f"{label.strip()}:", text)
        shap_known = any(f.mean_abs_shap is not None for f in o.features)
        order = sorted(
            o.features, key=lambda f: -(f.mean_abs_shap if shap_known else (f.gain or 0.0))
        )
        rows = [
            [
                f.name,
                f"categorical ({f.n_categories})" if f.categorical else "numeric",
                "–" if f.split_count is None else f.split_count,
                "–" if f.gain is None else f.gain,
                "–" if f.mean_abs_shap is None else f.mean_abs_shap,
                "" if f.used is not False else "unused",
            ]
            for f in order
        ]
        headers = ["feature", "type", "splits", "gain", "mean |SHAP|", ""]
        fill_table(self.table, headers, rows)
        where = f"mean |SHAP| over {o.shap_rows:,} rows" if shap_known else "SHAP once computed"
        self.message.setText(f"{o.framework} {o.task} model; features by importance ({where}).")


def create(state: AppState) -> QWidget:
    return OverviewPanel(state)
