"""Fairness: per group of a sensitive column, rates, gaps and each feature's mean SHAP value."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.base.formatting import percent
from app.core.base.types import Task
from app.core.debugging.fairness import RULE, FairnessReport, fairness_report, suggest_sensitive
from app.core.debugging.metrics import Evaluation
from app.plots import style
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.panels.table_style import compact_rows
from app.ui.state import AppState

TITLE = "Fairness"
JOB, SHAP_JOB = "debug-fairness", "debug-fairness-shap"
DEBOUNCE_MS = 200
GROUP_COLUMNS = ("Group", "Rows", "Base rate", "Selected", "Accuracy", "TPR", "FPR", "Mean P")
FAIL = QColor("#d62728")


def _pct(x: float | None) -> str:
    return percent(x, "n/a")


def _table(columns: int, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    compact_rows(table)
    return table


class FairnessPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.report: FairnessReport | None = None
        self.column_combo = QComboBox(self)
        self.column_combo.setMinimumContentsLength(16)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.groups = _table(len(GROUP_COLUMNS), self)
        self.groups.setHorizontalHeaderLabels(list(GROUP_COLUMNS))
        self.shap_table = _table(1, self)
        self.shap_label = QLabel("Mean SHAP value per group (what pushes each group's output):")
        self.shap_label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Sensitive column:", self))
        top.addWidget(self.column_combo)
        top.addStretch(1)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.shap_label)
        lower_layout.addWidget(self.shap_table, 1)
        # The verdict beside the tables and the two tables as tabs: stacked, the summary and
        # the SHAP table left a docked panel room for two groups.
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.groups, "Groups")
        self.tabs.addTab(lower, "Mean SHAP per group")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setMinimumWidth(200)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.summary)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        # Group rates are O(rows) and the threshold slider fires many times a second: computed
        # in a worker once things rest, and only while the panel is on screen.
        workers = self.context.workers
        close, error = state.on_close, self._on_error
        self.job = PanelJob(self, workers, JOB, self._prepare, error, DEBOUNCE_MS, on_close=close)
        self.shap_job = PanelJob(self, workers, SHAP_JOB, self._prepare_shap, error, on_close=close)
        self.column_combo.activated.connect(lambda _i: self.refresh())
        state.data_changed.connect(self._fill_columns)
        state.explanation_changed.connect(self._refresh_shap)
        state.output_changed.connect(lambda _k: self.refresh())
        self.context.evaluation_changed.connect(self.refresh)
        self._fill_columns()

    def _fill_columns(self) -> None:
        self.column_combo.clear()
        data = self.state.data
        if data is None:
            self.refresh()
            return
        columns = [str(c) for c in data.frame.columns if c != data.label_column]
        suggested = suggest_sensitive(columns)
        for name in suggested:
            self.column_combo.addItem(f"{name}  (suggested)", name)
        for name in columns:
            if name not in suggested:
                self.column_combo.addItem(name, name)
        self.refresh()

    def set_column(self, name: str) -> None:
        index = self.column_combo.findData(name)
        if index >= 0:
            self.column_combo.setCurrentIndex(index)
            self.refresh()

    def refresh(self) -> None:
        """Recompute the group table (in a worker); the SHAP table follows it."""
        self.job.request()

    def _prepare(self) -> Work | None:
        s, ev = self.state, self.context.evaluation_if_ready()
        column = self.column_combo.currentData()
        if self.context.evaluating:
            self.summary.setText("Evaluating the predictions…")
            return None
        self.report = None
        if s.data is None or s.model is None or ev is None or column is None:
            self.groups.setRowCount(0)
            self.shap_table.setRowCount(0)
            self.summary.setText(
                self.context.label_problem or "Load a model, its data and a label."
            )
            return None
        if not ev.is_classifier:
            self.groups.setRowCount(0)
            self.summary.setText("Group fairness rates need a classifier.")
            return None
        k = 1 if s.model.task is Task.BINARY else s.output_index
        return Work(_report, (s.data.frame[column], ev, k), self._on_report)

    def _on_report(self, report: FairnessReport) -> None:
        self.report = report
        # The report carries the group table the user has looked at (File > Export Report).
        self.state.review.sensitive = self.column_combo.currentData()
        self._show_groups(report)
        self._refresh_shap()

    def _on_error(self, error: object) -> None:
        self.summary.setText(f"Could not compute the group rates: {error}")

    def _show_groups(self, report: FairnessReport) -> None:
        self.groups.setRowCount(len(report.groups))
        for r, g in enumerate(report.groups):
            cells = [g.group, f"{g.count:,}", _pct(g.base_rate), _pct(g.selection_rate),
                     _pct(g.accuracy), _pct(g.tpr), _pct(g.fpr), f"{g.mean_prediction:.3f}"]  # fmt: skip
            why = next((w for w in report.warnings if w.startswith(f"Group '{g.group}' ")), "")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text + ("  ⚠ small" if c == 0 and g.small else ""))
                if c == 0 and why:
                    item.setToolTip(why)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.groups.setItem(r, c, item)
        ratio = report.four_fifths_ratio
        verdict = (
            "passes" if report.passes_four_fifths else f"<b style='color:{FAIL.name()}'>fails</b>"
        )
        text = (
            f"Demographic parity difference <b>{_pct(report.demographic_parity_difference)}</b> · "
            f"equalized odds difference <b>{_pct(report.equalized_odds_difference)}</b> · "
            f"four-fifths ratio <b>{'n/a' if np.isnan(ratio) else f'{ratio:.2f}'}</b> "
            f"({verdict} the four-fifths rule)"
        )
        # One line for the small groups (each one's reason is its row's tooltip); the rest whole.
        small = [g.group for g in report.groups if g.small]
        if small:
            text += (
                f"<br>⚠ {len(small)} small group{'s' if len(small) > 1 else ''} "
                f"({', '.join(small)}): too uncertain to compare, left out"
            )
        others = [w for w in report.warnings if not w.startswith(("Group '", "Small groups"))]
        if others:
            text += "<br>" + "<br>".join(f"⚠ {w}" for w in others)
        text += f"<br><span style='color:gray'>{RULE}</span>"  # the one rule, stated
        self.summary.setText(text)

    def _refresh_shap(self) -> None:
        self.shap_job.request()

    def _prepare_shap(self) -> Work | None:
        s, report = self.state, self.report
        explanation = None if s.computing else s.explanation
        if (
            report is None
            or report.group_codes is None
            or (explanation is None and not s.computing)
        ):
            self.shap_table.setRowCount(0)
            self.shap_label.setText("Mean SHAP value per group: waiting for SHAP values.")
            return None
        if explanation is None or not explanation.complete:
            # Means over the rows explained so far would be redone for every chunk at O(rows).
            self.shap_table.setRowCount(0)
            self.shap_label.setText(
                "Mean SHAP value per group: shown when every row is explained "
                f"({s.rows_explained():,} of {s.data.n_rows if s.data else 0:,} so far)."
            )
            return None
        names = [g.group for g in report.groups]
        keep = [report.group_names.index(n) for n in names]
        args = (explanation.values, explanation.rows, report.group_codes, keep, s.output_index)
        return Work(_group_means, args, lambda means: self._show_shap(explanation, names, means))

    def _show_shap(self, explanation, names: list[str], means: np.ndarray) -> None:
        features = explanation.feature_names
        order = np.argsort(-np.nanmax(np.abs(means), axis=0))
        self.shap_table.setColumnCount(len(names) + 1)
        self.shap_table.setHorizontalHeaderLabels(["Feature", *names])
        self.shap_table.setRowCount(len(features))
        pal = style.palette()
        for r, j in enumerate(order):
            self.shap_table.setItem(r, 0, QTableWidgetItem(features[j]))
            for c, value in enumerate(means[:, j]):
                item = QTableWidgetItem(f"{value:+.3f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setForeground(QBrush(QColor(pal.positive if value > 0 else pal.negative)))
                self.shap_table.setItem(r, c + 1, item)
        partial = "" if explanation.complete else f" (from {explanation.n_rows:,} rows so far)"
        self.shap_label.setText(
            f"Mean SHAP value per group ({explanation.unit.value}){partial}: red pushes the "
            "output up, blue down."
        )


def _report(sensitive, ev: Evaluation, k: int) -> FairnessReport:
    """Per-group rates for class `k` (worker: O(rows))."""
    score = ev.score if ev.score.ndim == 1 else ev.score[:, k]
    y = np.where(ev.has_label, (ev.y_true == k).astype(float), np.nan)
    return fairness_report(sensitive, y, (ev.predicted == k).astype(int), score)


def _group_means(
    values: np.ndarray, rows: np.ndarray, codes: np.ndarray, groups: list[int], output: int
) -> np.ndarray:
    """Mean SHAP value of each feature for each of `groups` (worker): one masked pass per group,
    accumulated in float64 (what app.core.debugging.fairness.group_mean_shap gives, without np.add.at's
    element-wise scatter, which takes seconds at a million rows)."""
    c = codes[rows]
    means = np.full((len(groups), values.shape[1]), np.nan)
    for i, g in enumerate(groups):
        mask = c == g
        count = int(mask.sum())
        if count:
            means[i] = values[mask, :, output].sum(axis=0, dtype=np.float64) / count
    return means


def create(state: AppState) -> QWidget:
    return FairnessPanel(state)
