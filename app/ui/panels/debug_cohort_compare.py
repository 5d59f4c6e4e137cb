"""Global importance of two cohorts side by side: mean |SHAP| per feature, two bars each.

The cohorts are "All rows" and the saved cohorts of the filter bar (DebugContext.cohorts). The
comparison (a filter per cohort and a mean over up to a million rows) runs in a worker through
PanelJob, so it waits while the panel is hidden and never stalls the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from app.core.debugging.cohorts import ALL_ROWS, Cohort, CohortComparison, compare_cohorts
from app.plots.cohort_bars import CohortBarsData, CohortBarsPlot
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Cohort importance"
JOB = "debug-cohort-importance"
DEBOUNCE_MS = 150
MAX_FEATURES = 15  # the features that differ most; more bars would not be readable in a dock


def _compare(
    values: np.ndarray,
    explained: np.ndarray,
    n_rows: int,
    frame: pd.DataFrame,
    extra: Mapping[str, np.ndarray],
    a: Cohort,
    b: Cohort,
    features: list[str],
) -> CohortComparison:
    """Worker: each cohort's rows among the explained ones, then the mean |SHAP| of each."""
    position = np.full(n_rows, -1, dtype=np.int64)
    position[explained] = np.arange(explained.size)

    def positions(cohort: Cohort) -> np.ndarray:
        rows = cohort.rows(frame, extra)
        found = position[rows]
        return found[found >= 0]

    return compare_cohorts(values, positions(a), positions(b), features)


class CohortImportancePanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.result: CohortComparison | None = None
        self.combo_a = QComboBox(self)
        self.combo_b = QComboBox(self)
        self.combo_a.setToolTip("First cohort (blue bars)")
        self.combo_b.setToolTip("Second cohort (orange bars)")
        self.plot = CohortBarsPlot(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Compare", self))
        controls.addWidget(self.combo_a, 1)
        controls.addWidget(QLabel("with", self))
        controls.addWidget(self.combo_b, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)

        self.job = PanelJob(
            self,
            self.context.workers,
            JOB,
            self._prepare,
            lambda error: self._show_note(f"Could not compare the cohorts: {error}"),
            DEBOUNCE_MS,
            on_close=self.state.on_close,
        )
        self._fill_cohorts()
        self.combo_a.currentIndexChanged.connect(lambda _i: self.compute())
        self.combo_b.currentIndexChanged.connect(lambda _i: self.compute())
        # Cohorts are saved from the filter bar, which re-applies the filter: refresh then, and
        # whenever the panel is shown (there is no signal for the cohort list itself).
        self.context.filter_changed.connect(self._fill_cohorts)
        state.explanation_changed.connect(self.compute)
        state.output_changed.connect(lambda _k: self.compute())
        state.data_changed.connect(self.compute)
        self.compute()

    def showEvent(self, event: QShowEvent) -> None:
        self._fill_cohorts()
        super().showEvent(event)

    def _fill_cohorts(self) -> None:
        names = self.context.cohorts.names()
        current = [self.combo_a.itemText(i) for i in range(self.combo_a.count())]
        if names == current:
            return
        chosen = (self.combo_a.currentText(), self.combo_b.currentText())
        for combo, keep, fallback in (
            (self.combo_a, chosen[0], 0),
            (self.combo_b, chosen[1], min(1, len(names) - 1)),
        ):
            with signals_blocked(combo):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentIndex(names.index(keep) if keep in names else fallback)
        self.compute()

    def set_cohorts(self, a: str, b: str) -> None:
        """Choose the two cohorts by name (as the combos do)."""
        self._fill_cohorts()
        self.combo_a.setCurrentText(a)
        self.combo_b.setCurrentText(b)
        self.compute()

    def compute(self) -> None:
        self.job.request()

    def _prepare(self) -> Work | None:
        s = self.state
        explanation = s.explanation
        if s.model is None or s.data is None or explanation is None:
            self._show_note("Load a model and data and explain them to compare cohorts.")
            return None
        cohorts = self.context.cohorts
        names = cohorts.names()
        a_name, b_name = self.combo_a.currentText(), self.combo_b.currentText()
        a = cohorts.get(a_name) if a_name in names else ALL_ROWS
        b = cohorts.get(b_name) if b_name in names else ALL_ROWS
        extra = self.context.extra_columns() if (a.expression or b.expression) else {}
        values = explanation.values[:, :, s.output_index]
        args = (values, explanation.rows, s.data.n_rows, s.data.frame, extra, a, b)
        partial = "" if explanation.complete else " (rows explained so far)"
        self.note.setText("Comparing…")
        return Work(
            _compare,
            (*args, list(s.model.feature_names)),
            lambda result: self._on_result(result, a.name, b.name, partial),
        )

    def _show_note(self, text: str) -> None:
        self.result = None
        self.plot.clear()
        self.note.setText(text)

    def _on_result(self, result: CohortComparison, a: str, b: str, partial: str) -> None:
        self.result = result
        self.result_names = (a, b)
        unit = self.state.model.unit.value if self.state.model is not None else ""
        names = (f"{a} ({result.n_a:,} rows)", f"{b} ({result.n_b:,} rows)")
        self.plot.set_data(
            CohortBarsData(
                list(result.features), np.asarray(result.mean_abs_a),
                np.asarray(result.mean_abs_b), names, unit, MAX_FEATURES,
            )
        )  # fmt: skip
        shown = min(MAX_FEATURES, len(result.features))
        empty = [name for name, n in ((a, result.n_a), (b, result.n_b)) if n == 0]
        note = f"The {shown} features whose importance differs most{partial}."
        if empty:
            note += f" No explained rows in: {', '.join(empty)}."
        self.note.setText(note)


def create(state: AppState) -> QWidget:
    return CohortImportancePanel(state)
