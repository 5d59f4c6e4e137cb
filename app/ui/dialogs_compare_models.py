"""File ▸ Compare with model…: runs the loaded model (A) and another file (B) on the loaded data:
metrics side by side, per group of a chosen column, the rows whose class flipped (double-click
one to select it in the main window) and the features whose attribution changed most.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSplitter, QVBoxLayout, QWidget

from app.core.compare_models import ModelComparison, compare_models
from app.core.model_io import load_model
from app.core.models.base import ModelAdapter
from app.ui.dialogs_compare_base import CompareDialog, fill_table, make_table
from app.ui.state import AppState
from app.workers import Workers

NO_GROUP = "(none)"
MAX_FLIP_ROWS = 500


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
        self.flips_label = QLabel(self)
        self.flips_table.cellDoubleClicked.connect(self._on_flip_clicked)
        self.flips_table.setToolTip("Double-click a row to select it in the main window")
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.metrics_table)
        left.addWidget(self.groups_table)
        left.addWidget(self.features_table)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.flips_label)
        right_layout.addWidget(self.flips_table, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        self.body.addWidget(split, 1)
        self.result: ModelComparison | None = None

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

    def show_result(self, result: object) -> None:
        assert isinstance(result, ModelComparison)
        self.result = result
        c = result
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


def _compare_job(
    model: ModelAdapter,
    path: Path,
    frame: pd.DataFrame,
    label: str | None,
    sensitive: str | None,
    threshold: float,
    names: tuple[str, str],
) -> ModelComparison:
    other = load_model(path)
    return compare_models(
        model, other, frame, label=label, sensitive=sensitive, threshold=threshold, names=names
    )


def open_compare_models(
    state: AppState, workers: Workers, parent: QWidget | None = None
) -> CompareModelsDialog:
    """File ▸ Compare with model…: show the (non-modal) dialog and return it."""
    dialog = CompareModelsDialog(state, workers, parent)
    dialog.show()
    return dialog
