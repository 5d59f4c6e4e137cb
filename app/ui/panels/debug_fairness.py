"""Fairness: per group of a sensitive column, rates, gaps and each feature's mean SHAP value."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
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
    QVBoxLayout,
    QWidget,
)

from app.core.fairness import FairnessReport, fairness_report, group_mean_shap, suggest_sensitive
from app.core.types import Task
from app.plots import style
from app.ui.panels.debug_context import context_for
from app.ui.state import AppState

TITLE = "Fairness"
DEBOUNCE_MS = 200
GROUP_COLUMNS = ("Group", "Rows", "Base rate", "Selected", "Accuracy", "TPR", "FPR", "Mean P")
FAIL = QColor("#d62728")


def _pct(x: float) -> str:
    return "n/a" if x is None or np.isnan(x) else f"{100 * x:.1f}%"


def _table(columns: int, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class FairnessPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = context_for(state)
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
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.groups)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

        self.column_combo.activated.connect(lambda _i: self.refresh())
        state.data_changed.connect(self._fill_columns)
        state.explanation_changed.connect(self._refresh_shap)
        state.output_changed.connect(lambda _k: self.refresh())
        self._debounce = QTimer(self)  # the threshold slider fires many times a second
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        self.context.evaluation_changed.connect(self._debounce.start)
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
        s, ev = self.state, self.context.evaluation()
        column = self.column_combo.currentData()
        self.report = None
        if s.data is None or s.model is None or ev is None or column is None:
            self.groups.setRowCount(0)
            self.shap_table.setRowCount(0)
            self.summary.setText(
                self.context.label_problem or "Load a model, its data and a label."
            )
            return
        if not ev.is_classifier:
            self.groups.setRowCount(0)
            self.summary.setText("Group fairness rates need a classifier.")
            return
        k = 1 if s.model.task is Task.BINARY else s.output_index
        score = ev.score if ev.score.ndim == 1 else ev.score[:, k]
        y = np.where(ev.has_label, (ev.y_true == k).astype(float), np.nan)
        self.report = fairness_report(
            s.data.frame[column], y, (ev.predicted == k).astype(int), score
        )
        self._show_groups(self.report)
        self._refresh_shap()

    def _show_groups(self, report: FairnessReport) -> None:
        self.groups.setRowCount(len(report.groups))
        for r, g in enumerate(report.groups):
            cells = [g.group, f"{g.count:,}", _pct(g.base_rate), _pct(g.selection_rate),
                     _pct(g.accuracy), _pct(g.tpr), _pct(g.fpr), f"{g.mean_prediction:.3f}"]  # fmt: skip
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text + ("  ⚠ small" if c == 0 and g.small else ""))
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
        if report.warnings:
            text += "<br>" + "<br>".join(f"⚠ {w}" for w in report.warnings)
        self.summary.setText(text)

    def _refresh_shap(self) -> None:
        s, report = self.state, self.report
        explanation = s.explanation
        if report is None or explanation is None or report.group_codes is None:
            self.shap_table.setRowCount(0)
            self.shap_label.setText("Mean SHAP value per group: waiting for SHAP values.")
            return
        values = explanation.values[:, :, s.output_index]
        codes = report.group_codes[explanation.rows]
        names = [g.group for g in report.groups]
        all_names = report.group_names
        means = group_mean_shap(values, codes, len(all_names))
        keep = [all_names.index(n) for n in names]
        means = means[keep]
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


def create(state: AppState) -> QWidget:
    return FairnessPanel(state)
