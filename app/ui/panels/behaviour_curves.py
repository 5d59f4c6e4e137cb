"""Performance curves of the rows in the current filter: ROC, precision-recall, calibration and
gain/lift for classifiers (one line per cohort or per group of a column when asked), predicted
vs actual and residuals for regression. The threshold is marked on every curve; pressing on or
dragging along the ROC, PR or gain curve moves the app's threshold. The curves are computed in
a worker; a moved threshold only moves the markers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.core.base.types import Task
from app.core.debugging.behaviour.curve_views import curve_plot, fit_plot, without_threshold
from app.core.debugging.behaviour.curves import GroupCurves, performance_curves, rows_by_group
from app.core.debugging.behaviour.grid import BehaviourError
from app.core.debugging.cohorts import Cohort
from app.core.debugging.fairness import suggest_sensitive
from app.core.debugging.metrics import Evaluation
from app.plots.curves import CurvePlot, FitPlot
from app.ui.panels.behaviour_common import export_button, export_plot, shrinkable
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Performance curves"
JOB = "behaviour-curves"
CLASSIFIER_VIEWS = (
    ("ROC", "roc"), ("Precision-recall", "pr"), ("Calibration", "calibration"),
    ("Gain and lift", "lift"),
)  # fmt: skip
REGRESSION_VIEWS = (("Predicted vs actual", "fit"), ("Residuals", "residuals"))
COHORTS = "__cohorts__"


def group_rows(
    rows: np.ndarray,
    by: str | None,
    frame: pd.DataFrame | None,
    cohorts: list[Cohort],
    extra: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Rows per line: all of them, each cohort's share of them, or each group of a column."""
    if by is None:
        return {"all rows": rows}
    if by == COHORTS:
        return {c.name: np.intersect1d(c.rows(frame, extra), rows) for c in cohorts}
    return rows_by_group(rows, frame[by])


def _groups_job(
    ev: Evaluation,
    k: int,
    binary: bool,
    rows: np.ndarray,
    by: str | None,
    frame: pd.DataFrame | None,
    cohorts: list[Cohort],
    extra: dict[str, np.ndarray],
) -> list[GroupCurves]:
    """Worker: the groups' rows, one-vs-rest labels and scores for class k, every curve."""
    groups = group_rows(rows, by, frame, cohorts, extra)
    has = ev.has_label
    y = np.where(has, (ev.y_true == (1 if binary else k)).astype(float), np.nan)
    score = ev.score if binary else ev.score[:, k]
    return performance_curves(y, score, groups)


def _same(a: tuple | None, b: tuple | None) -> bool:
    """Same inputs: the same arrays (by identity: a new threshold keeps them) and choices."""
    if a is None or b is None:
        return False
    return all(x is y for x, y in zip(a[:3], b[:3], strict=True)) and a[3:] == b[3:]


class CurvesPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.groups: list[GroupCurves] | None = None
        self._key: tuple | None = None
        self.kind = QComboBox(self)
        self.by = QComboBox(self)
        self.by.setToolTip("One line per cohort, or per group of a column, side by side")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.curve_plot, self.fit_plot = CurvePlot(self), FitPlot(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.curve_plot)
        self.stack.addWidget(self.fit_plot)
        shrinkable(self.kind)
        shrinkable(self.by)
        top = QHBoxLayout()
        top.addWidget(self.kind)
        top.addWidget(QLabel("Lines:", self))
        top.addWidget(self.by, 1)
        top.addWidget(export_button(self, self.export))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.stack, 1)
        self.job = PanelJob(
            self, self.context.workers, JOB, self._prepare,
            lambda error: self.note.setText(f"Could not draw: {error}"), 100,
            on_close=state.on_close,
        )  # fmt: skip
        self.kind.activated.connect(lambda _i: self.refresh())
        self.by.activated.connect(lambda _i: self.refresh())
        self.curve_plot.threshold_picked.connect(state.set_threshold)
        self.fit_plot.row_clicked.connect(state.select_row)
        state.model_changed.connect(self._fill)
        state.data_changed.connect(self._fill)
        state.visible_rows_changed.connect(self.refresh)
        state.output_changed.connect(lambda _k: self.refresh())
        state.threshold_changed.connect(lambda _t: self.render())
        state.row_selected.connect(self._on_row_selected)
        self.context.evaluation_changed.connect(self.refresh)
        self._fill()

    def _fill(self) -> None:
        model, data = self.state.model, self.state.data
        regression = model is not None and model.task is Task.REGRESSION
        self.kind.clear()
        for label, key in REGRESSION_VIEWS if regression else CLASSIFIER_VIEWS:
            self.kind.addItem(label, key)
        self.by.clear()
        self.by.addItem("all rows in the filter", None)
        self.by.addItem("each cohort", COHORTS)
        if data is not None:
            columns = [str(c) for c in data.frame.columns]
            for name in [*suggest_sensitive(columns), *columns]:
                if self.by.findData(name) < 0:
                    self.by.addItem(f"by {name}", name)
        self.by.setEnabled(not regression)
        self.refresh()

    def set_view(self, kind: str, by: str | None = None) -> None:
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        self.by.setCurrentIndex(max(self.by.findData(by), 0))
        self.refresh()

    def refresh(self) -> None:
        self.job.request()

    def _prepare(self) -> Work | None:
        ev = self.context.evaluation_if_ready()
        if self.context.evaluating:
            self.note.setText("Evaluating the predictions…")
            return None
        if ev is None:
            self.note.setText(self.context.label_problem or "Load a model and its data.")
            self.groups = None
            self.curve_plot.clear()
            self.fit_plot.clear()
            return None
        if not ev.is_classifier:
            self.note.setText("")
            self._render_fit()
            return None
        s, by = self.state, self.by.currentData()
        k, binary = s.output_index, ev.task is Task.BINARY
        key = (ev.y_true, ev.score, s.visible_rows, k, by)
        if self.groups is not None and _same(key, self._key):
            self.render()  # only the threshold changed: the curves stand
            return None
        self.note.setText("")
        cohorts = list(self.context.cohorts.cohorts)
        extra = self.context.extra_columns() if by == COHORTS else {}
        frame = s.data.frame if s.data is not None else None
        args = (ev, k, binary, s.visible_rows, by, frame, cohorts, extra)
        return Work(_groups_job, args, lambda g: self._on_groups(key, g))

    def _on_groups(self, key: tuple, groups: list[GroupCurves]) -> None:
        self._key, self.groups = key, groups
        self.render()

    def render(self) -> None:
        if self.groups is None or self.kind.currentData() in (None, "fit", "residuals"):
            return
        self.stack.setCurrentWidget(self.curve_plot)
        data = curve_plot(self.groups, self.kind.currentData(), self.state.threshold)
        if self.state.model is not None and self.state.model.task is not Task.BINARY:
            data = without_threshold(data)  # the threshold slider is for binary models
        self.curve_plot.set_data(data)

    def _render_fit(self) -> None:
        s = self.state
        ev = self.context.evaluation_if_ready()
        if ev is None or ev.is_classifier or s.model is None:
            return
        self.stack.setCurrentWidget(self.fit_plot)
        kind = self.kind.currentData() or "fit"
        try:
            data = fit_plot(ev.y_true, ev.predicted, s.visible_rows, kind, s.model.unit.value)
        except BehaviourError as error:
            self.fit_plot.clear()
            self.note.setText(str(error))
            return
        data.selected = s.selected_row
        self.fit_plot.set_data(data)

    def _on_row_selected(self, row: int) -> None:
        data = self.fit_plot.data
        if data is not None:  # only the ring moves: no O(rows) resampling on a click
            self.fit_plot.set_data(replace(data, selected=row))

    def export(self, path: Path | None = None) -> Path | None:
        """Save the plot (asks where unless `path` is given); returns the file written."""
        plot = self.stack.currentWidget()
        return export_plot(self, self.state, plot, self.kind.currentData() or "roc", path)


def create(state: AppState) -> QWidget:
    return CurvesPanel(state)
