"""File ▸ Compare with model…: runs the loaded model (A) and another file (B) on the loaded data:
metrics side by side, per group of a chosen column, single-row latency percentiles of both, the
rows whose class flipped (selecting one shows both models' waterfalls for it side by side, in the
same feature order; double-clicking selects it in the main window) and the features whose
attribution changed most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from app.core.base.errors import ShapLensError
from app.core.data.model_io import load_model
from app.core.debugging.compare_rows import aligned_waterfalls
from app.core.explain.models.base import ModelAdapter
from app.core.production.compare_models import ModelComparison, compare_models
from app.plots.waterfall import WaterfallPlot
from app.ui.dialogs_compare_base import CompareDialog, fill_table, make_table
from app.ui.state import AppState
from app.workers import Workers

NO_GROUP = "(none)"
MAX_FLIP_ROWS = 500
WATERFALL_TOP = 10


@dataclass
class ComparisonRun:
    """What the worker hands back: the comparison, and model B for explaining a selected row."""

    comparison: ModelComparison
    model_b: ModelAdapter


class CompareModelsDialog(CompareDialog):
    """The loaded model (A) against another file (B) on the loaded data."""

    job_key = "compare-models"

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(state, workers, parent)
        self.setWindowTitle("Compare with model")
        self.group_combo = QComboBox(self)
        self.form.addRow("Break down by", self.group_combo)
        self._fill_groups()
        self.metrics_table = make_table(self)
        self.groups_table = make_table(self)
        self.flips_table = make_table(self)
        self.features_table = make_table(self)
        self.latency_table = make_table(self)
        self.latency_table.setToolTip("Single-row prediction latency, milliseconds")
        self.flips_label = QLabel(self)
        self.flips_table.cellDoubleClicked.connect(self._on_flip_clicked)
        self.flips_table.itemSelectionChanged.connect(self._on_flip_selected)
        self.flips_table.setToolTip(
            "Select a row to compare both explanations; double-click to select it in the main "
            "window"
        )
        self.waterfall_a = WaterfallPlot(self)
        self.waterfall_b = WaterfallPlot(self)
        self.waterfall_a_label, self.waterfall_b_label = QLabel(self), QLabel(self)
        self.rows_label = QLabel("Select a row to see both explanations.", self)
        left = QSplitter(Qt.Orientation.Vertical, self)
        for widget in (self.metrics_table, self.latency_table, self.groups_table):
            left.addWidget(widget)
        left.addWidget(self.features_table)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.flips_label)
        top_layout.addWidget(self.flips_table, 1)
        pair = QWidget(self)
        pair_layout = QHBoxLayout(pair)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        for label, plot in (
            (self.waterfall_a_label, self.waterfall_a),
            (self.waterfall_b_label, self.waterfall_b),
        ):
            column = QVBoxLayout()
            column.addWidget(label)
            column.addWidget(plot, 1)
            pair_layout.addLayout(column, 1)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.rows_label)
        bottom_layout.addWidget(pair, 1)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(top)
        right.addWidget(bottom)
        right.setSizes([300, 400])
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([400, 700])
        self.body.addWidget(split, 1)
        self.result: ModelComparison | None = None
        self.model_b: ModelAdapter | None = None

    def path_label(self) -> str:
        return "Model B"

    def _fill_groups(self) -> None:
        self.group_combo.clear()
        self.group_combo.addItem(NO_GROUP)
        if self.state.data is None:
            return
        frame = self.state.data.frame
        # Columns with few distinct values make sensible groups (sex, race, region …).
        for column in frame.columns:
            if column != self.state.data.label_column and frame[column].nunique() <= 50:
                self.group_combo.addItem(str(column))

    def job(self, path: Path) -> Callable[[], object]:
        model, data = self.state.model, self.state.data
        group = self.group_combo.currentText()
        sensitive = None if group == NO_GROUP else group
        names = (self.state.model_path.name if self.state.model_path else "A", path.name)
        return partial(
            _compare_job, model, path, data.frame, data.label_column, sensitive,
            self.state.threshold, names,
        )  # fmt: skip

    def done(self, result: int) -> None:
        review = self.state.review
        if self.result is not None and review.comparison is self.result:
            review.comparison = None
        super().done(result)

    def show_result(self, result: object) -> None:
        assert isinstance(result, ComparisonRun)
        self.result, self.model_b = result.comparison, result.model_b
        c = result.comparison
        self.state.review.comparison = c  # the report carries it while this dialog is open
        self.waterfall_a.clear()
        self.waterfall_b.clear()
        for label, name in ((self.waterfall_a_label, c.name_a), (self.waterfall_b_label, c.name_b)):
            label.setText(f"<b>{name}</b>")
        latency = c.latency_table()
        fill_table(
            self.latency_table,
            ["latency (ms)", c.name_a, c.name_b, "B − A"],
            [[k, a, b, b - a] for k, a, b in latency],
        )
        self.latency_table.setVisible(bool(latency))
        fill_table(
            self.metrics_table,
            ["metric", c.name_a, c.name_b, "B − A", ""],
            [[m.name, m.a, m.b, m.delta, "better" if m.b_better else "worse" if m.delta else ""]
             for m in c.metrics],
        )  # fmt: skip
        group_rows = []
        for g in c.groups:
            first = g.metrics[:2]
            group_rows.append(
                [g.group, g.n, g.flips]
                + [f"{m.name} {m.a:.3f} → {m.b:.3f}" for m in first]
                + [""] * (2 - len(first))
            )
        fill_table(self.groups_table, ["group", "rows", "flips", "metric", "metric"], group_rows)
        self.groups_table.setVisible(bool(c.groups))
        fill_table(
            self.features_table,
            ["feature", "mean |SHAP| A", "mean |SHAP| B", "per-row |Δφ|"],
            [[f.name, f.importance_a, f.importance_b, f.mean_abs_change] for f in c.features],
        )
        rows = c.flipped_rows if c.class_a is not None else c.largest_changes(MAX_FLIP_ROWS)
        change = np.abs(c.prediction_b[rows] - c.prediction_a[rows])
        rows = rows[np.argsort(-change, kind="stable")][:MAX_FLIP_ROWS]
        fill_table(
            self.flips_table,
            ["row", "prediction A", "prediction B", "change"],
            [[int(r), c.prediction_a[r], c.prediction_b[r], c.prediction_b[r] - c.prediction_a[r]]
             for r in rows],
        )  # fmt: skip
        what = "flipped class" if c.class_a is not None else "changed most"
        total = c.flipped_rows.size if c.class_a is not None else len(rows)
        self.flips_label.setText(f"{total:,} of {c.n_rows:,} rows {what} (largest change first)")
        label = f"label '{c.label_column}'" if c.label_column else "no label: metrics skipped"
        self.status.setText(f"{c.n_rows:,} rows, {label}; SHAP from {c.shap_rows:,} rows.")

    def _on_flip_clicked(self, row: int, _column: int) -> None:
        item = self.flips_table.item(row, 0)
        if item is not None:
            self.state.select_row(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_flip_selected(self) -> None:
        """Both models' waterfalls for the selected row: one row, a few ms, on the GUI thread."""
        items = self.flips_table.selectedItems()
        model_a, data = self.state.model, self.state.data
        if not items or self.model_b is None or model_a is None or data is None:
            return
        item = self.flips_table.item(items[0].row(), 0)
        row = int(item.data(Qt.ItemDataRole.UserRole))
        try:
            wf_a, wf_b = aligned_waterfalls(
                model_a, self.model_b, data.frame, row, top=WATERFALL_TOP
            )
        except ShapLensError as error:
            self.rows_label.setText(str(error))
            return
        self.waterfall_a.set_data(wf_a)
        self.waterfall_b.set_data(wf_b)
        self.rows_label.setText(
            f"Row {row}: both explanations in {self.result.name_a}'s feature order "
            "(largest effect on top)."
        )


def _compare_job(
    model: ModelAdapter,
    path: Path,
    frame: pd.DataFrame,
    label: str | None,
    sensitive: str | None,
    threshold: float,
    names: tuple[str, str],
) -> ComparisonRun:
    other = load_model(path)
    comparison = compare_models(
        model, other, frame, label=label, sensitive=sensitive, threshold=threshold, names=names
    )
    return ComparisonRun(comparison, other)


def open_compare_models(
    state: AppState, workers: Workers, parent: QWidget | None = None
) -> CompareModelsDialog:
    """File ▸ Compare with model…: show the (non-modal) dialog and return it."""
    dialog = CompareModelsDialog(state, workers, parent)
    dialog.show()
    return dialog
