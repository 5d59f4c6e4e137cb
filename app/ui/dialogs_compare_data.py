"""File ▸ Compare with data…: the loaded data as the reference and another file as current: the
drift table sorted by importance-weighted PSI, an overlay of the chosen feature's histograms and
the prediction distribution on both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from app.core.data.data_io import load_dataset
from app.core.explain.models.base import ModelAdapter
from app.core.production.drift import DriftReport, drift_report
from app.ui.dialogs import DATA_FILTER
from app.ui.dialogs_compare_base import CompareDialog, fill_table, make_table
from app.ui.panels.production_plots import HistogramPlot
from app.ui.state import AppState
from app.workers import Workers


def _drift_job(model: ModelAdapter, reference: pd.DataFrame, path: Path) -> DriftReport:
    return drift_report(model, reference, load_dataset(path))


class CompareDataDialog(CompareDialog):
    """The loaded data as reference against another file as current."""

    job_key = "compare-data"
    file_filter = DATA_FILTER

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(state, workers, parent)
        self.setWindowTitle("Compare with data (drift)")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = make_table(self)
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
        review = self.state.review  # the report carries it while this dialog is open
        review.drift, review.drift_name = r, Path(self.path_edit.text().strip()).name
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

    def done(self, result: int) -> None:
        review = self.state.review
        if self.result is not None and review.drift is self.result:
            review.drift, review.drift_name = None, ""
        super().done(result)

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


def open_compare_data(
    state: AppState, workers: Workers, parent: QWidget | None = None
) -> CompareDataDialog:
    """File ▸ Compare with data…: show the (non-modal) dialog and return it."""
    dialog = CompareDataDialog(state, workers, parent)
    dialog.show()
    return dialog
