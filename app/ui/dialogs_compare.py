"""File ▸ Compare with model… and File ▸ Compare with data…: two non-modal dialogs.

"Compare with model" runs the loaded model (A) and another file (B) on the loaded data:
metrics side by side, per group of a chosen column, the rows whose class flipped (click one to
select it in the main window) and the features whose attribution changed most.
"Compare with data" treats the loaded data as the reference and another file as current: the
drift table sorted by importance-weighted PSI, an overlay of the chosen feature's histograms and
the prediction distribution on both.

The work runs through app.workers; closing a dialog cancels its job (late results are dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.compare_models import ModelComparison, compare_models
from app.core.data_io import load_dataset
from app.core.drift import DriftReport, drift_report
from app.core.model_io import load_model
from app.core.models.base import ModelAdapter
from app.ui.dialogs import DATA_FILTER, MODEL_FILTER
from app.ui.panels.production_plots import HistogramPlot
from app.ui.state import AppState
from app.workers import Workers

NO_GROUP = "(none)"
MAX_FLIP_ROWS = 500


def fill_table(table: QTableWidget, headers: list[str], rows: list[list[object]]) -> None:
    """Replace a table's contents; numbers are right-aligned and sort as numbers."""
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem()
            if isinstance(value, (int, float, np.integer, np.floating)):
                item.setText(_fmt(value))
                item.setData(Qt.ItemDataRole.UserRole, float(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                item.setText(str(value))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _fmt(value: object) -> str:
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    v = float(value)  # type: ignore[arg-type]
    if not np.isfinite(v):
        return "–"
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:,.0f}"


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    return table


class _CompareDialog(QDialog):
    """File picker, Run/Cancel, a busy bar and a status line; subclasses fill in the results."""

    finished_computing = Signal(object)  # the result, once shown (tests wait on it)
    failed = Signal(str)

    job_key = "compare"
    file_filter = MODEL_FILTER

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.workers = state, workers
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("choose a file…")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.run_button = QPushButton("Compare", self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        picker = QHBoxLayout()
        picker.addWidget(self.path_edit, 1)
        picker.addWidget(browse)
        self.form.addRow(self.path_label(), picker)
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy, 1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addLayout(buttons)
        self.body.addWidget(self.status)
        self.resize(900, 640)

    def path_label(self) -> str:
        return "File"

    def set_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))

    def _browse(self) -> None:
        start = str(self.state.data_path.parent) if self.state.data_path else ""
        name, _ = QFileDialog.getOpenFileName(self, self.windowTitle(), start, self.file_filter)
        if name:
            self.set_path(name)

    def run(self) -> None:
        if not self.state.ready:
            self._fail("Open a model and a dataset first.")
            return
        text = self.path_edit.text().strip()
        if not text:
            self._fail("Choose a file to compare with.")
            return
        self._set_running(True)
        self.status.setText("Computing…")
        self.workers.run(
            self.job_key, self.job(Path(text)), on_result=self._on_result, on_error=self._on_error
        )

    def cancel(self) -> None:
        self.workers.cancel(self.job_key)
        self._set_running(False)
        self.status.setText("Cancelled.")

    def job(self, path: Path) -> Callable[[], object]:
        """The work for Workers.run: a callable taking no arguments (runs off the GUI thread)."""
        raise NotImplementedError

    def show_result(self, result: object) -> None:
        raise NotImplementedError

    def _set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_result(self, result: object) -> None:
        self._set_running(False)
        self.show_result(result)
        self.finished_computing.emit(result)

    def _on_error(self, error: object) -> None:
        self._set_running(False)
        self._fail(str(error) or type(error).__name__)

    def _fail(self, message: str) -> None:
        self.status.setText(f"<span style='color:#b00020'>{message}</span>")
        self.failed.emit(message)

    def done(self, result: int) -> None:  # closing (Esc, ✕) cancels any running job
        self.workers.cancel(self.job_key)
        super().done(result)


class CompareModelsDialog(_CompareDialog):
    """The loaded model (A) against another file (B) on the loaded data."""

    job_key = "compare-models"

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(state, workers, parent)
        self.setWindowTitle("Compare with model")
        self.group_combo = QComboBox(self)
        self.form.addRow("Break down by", self.group_combo)
        self._fill_groups()
        self.metrics_table = _table(self)
        self.groups_table = _table(self)
        self.flips_table = _table(self)
        self.features_table = _table(self)
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


def _drift_job(model: ModelAdapter, reference: pd.DataFrame, path: Path) -> DriftReport:
    return drift_report(model, reference, load_dataset(path))


class CompareDataDialog(_CompareDialog):
    """The loaded data as reference against another file as current."""

    job_key = "compare-data"
    file_filter = DATA_FILTER

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(state, workers, parent)
        self.setWindowTitle("Compare with data (drift)")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = _table(self)
        self.table.currentCellChanged.connect(self._on_feature_chosen)
        self.overlay = HistogramPlot(self)
        self.predictions = HistogramPlot(self)
        plots = QSplitter(Qt.Orientation.Vertical, self)
        plots.addWidget(self.overlay)
        plots.addWidget(self.predictions)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(plots)
        split.setSizes([560, 340])
        self.body.addWidget(self.summary)
        self.body.addWidget(split, 1)
        self.result: DriftReport | None = None

    def path_label(self) -> str:
        return "Current data"

    def job(self, path: Path) -> Callable[[], object]:
        return partial(_drift_job, self.state.model, self.state.data.frame, path)

    def show_result(self, result: object) -> None:
        assert isinstance(result, DriftReport)
        self.result = r = result
        rows = []
        for f in r.features:
            changes = [f"new: {', '.join(f.new_categories[:3])}"] if f.new_categories else []
            if f.vanished_categories:
                changes.append(f"gone: {', '.join(f.vanished_categories[:3])}")
            rows.append([
                f.name, f.psi, f.level, f.test, f.p_value,
                f"{f.missing_reference:.1%} → {f.missing_current:.1%}",
                f"{f.shap_share_reference:.1%} → {f.shap_share_current:.1%}",
                "; ".join(changes),
            ])  # fmt: skip
        fill_table(
            self.table,
            ["feature", "PSI", "level", "test", "p-value", "missing", "SHAP share", "categories"],
            rows,
        )
        self.summary.setText(
            f"Reference {r.n_reference:,} rows (loaded data), current {r.n_current:,} rows. "
            f"Sorted by PSI × the feature's share of attribution: the first row matters most. "
            f"Prediction ({r.prediction_name}) mean {r.mean_prediction_reference:.3f} → "
            f"{r.mean_prediction_current:.3f}, PSI {r.prediction_psi:.3f}."
        )
        self.predictions.set_data(
            np.array(r.prediction_edges),
            [("reference", np.array(r.prediction_reference)),
             ("current", np.array(r.prediction_current))],
            title="Prediction distribution", x_label=r.prediction_name, y_label="share of rows",
        )  # fmt: skip
        self.status.setText("Done.")
        if r.features:
            self.table.setCurrentCell(0, 0)
            self._show_feature(0)

    def _on_feature_chosen(self, row: int, *_: int) -> None:
        if row >= 0:
            self._show_feature(row)

    def _show_feature(self, index: int) -> None:
        if self.result is None or index >= len(self.result.features):
            return
        f = self.result.features[index]
        title = f"{f.name}: PSI {f.psi:.3f} ({f.level}), {f.test} p = {f.p_value:.3g}"
        if f.kind == "numeric":
            series = [("reference", np.array(f.overlay_reference)),
                      ("current", np.array(f.overlay_current))]  # fmt: skip
            self.overlay.set_data(np.array(f.overlay_edges), series, title, f.name, "share")
        else:
            series = [("reference", np.array(f.reference_share)),
                      ("current", np.array(f.current_share))]  # fmt: skip
            self.overlay.set_categories(f.bin_labels, series, title)


def open_compare_models(
    state: AppState, workers: Workers, parent: QWidget | None = None
) -> CompareModelsDialog:
    """File ▸ Compare with model…: show the (non-modal) dialog and return it."""
    dialog = CompareModelsDialog(state, workers, parent)
    dialog.show()
    return dialog


def open_compare_data(
    state: AppState, workers: Workers, parent: QWidget | None = None
) -> CompareDataDialog:
    """File ▸ Compare with data…: show the (non-modal) dialog and return it."""
    dialog = CompareDataDialog(state, workers, parent)
    dialog.show()
    return dialog
