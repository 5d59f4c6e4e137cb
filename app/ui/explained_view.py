"""File > Open Explained Dataset…: a window over a folder written by the Dask engine.

The summary (exact mean |SHAP| over every row, metrics) is read at once, off the GUI thread;
its size does not depend on the number of rows. The rows are shown a page at a time, each page
read from the Parquet parts by a worker (only the row groups holding it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.base.errors import ShapLensError
from app.core.explain.distributed.explained_store import ExplainedStore, open_explained
from app.workers import Workers

PAGE_ROWS = 200
SHOWN_SHAP = 8  # the most important features' SHAP columns in the rows table


def _cell(value: object) -> QTableWidgetItem:
    if isinstance(value, (float, np.floating)):
        item = QTableWidgetItem(f"{value:.4g}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item
    return QTableWidgetItem(str(value))


class ExplainedWindow(QDialog):
    """Summary and paged rows of one explained dataset; `loaded`/`page_shown` for tests."""

    loaded = Signal()
    page_shown = Signal(int)
    failed = Signal(str)

    def __init__(self, path: Path, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.workers = Path(path), workers
        self.store: ExplainedStore | None = None
        self.page_frame: pd.DataFrame | None = None
        self.setWindowTitle(f"Explained dataset — {self.path.name}")
        self.info = QLabel(f"Opening {self.path}…", self)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output_combo = QComboBox(self)
        self.output_combo.setToolTip("The class the importance and SHAP columns show")
        self.output_combo.activated.connect(self._show_output)
        from app.plots.importance import ImportancePlot

        self.importance = ImportancePlot(self)
        self.table = QTableWidget(self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.page = QSpinBox(self, minimum=1, maximum=1)
        self.page.setPrefix("page ")
        self.page.setKeyboardTracking(False)
        self.page.valueChanged.connect(lambda value: self.show_page(value - 1))
        self.pages_label = QLabel(self)
        previous, following = QPushButton("◀", self), QPushButton("▶", self)
        previous.setToolTip("Previous page")
        following.setToolTip("Next page")
        previous.clicked.connect(lambda: self.page.setValue(self.page.value() - 1))
        following.clicked.connect(lambda: self.page.setValue(self.page.value() + 1))
        pager = QHBoxLayout()
        pager.addWidget(QLabel("Rows:", self))
        pager.addStretch(1)
        pager.addWidget(previous)
        pager.addWidget(self.page)
        pager.addWidget(self.pages_label)
        pager.addWidget(following)
        rows = QWidget(self)
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        rows_layout.addLayout(pager)
        rows_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.importance)
        splitter.addWidget(rows)
        splitter.setSizes([520, 640])
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(self.output_combo)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.output_combo.hide()
        self.resize(1200, 720)

    @classmethod
    def open(cls, path: Path, workers: Workers, parent: QWidget | None = None) -> ExplainedWindow:
        window = cls(path, workers, parent)
        window.show()
        window.workers.run(
            cls._key(path), open_explained, path, on_result=window._on_store, on_error=window._fail
        )
        return window

    @staticmethod
    def _key(path: Path) -> str:
        return f"explained:{Path(path).resolve()}"

    def _fail(self, error: object) -> None:
        text = str(error) if isinstance(error, ShapLensError) else f"Could not open: {error!r}"
        self.info.setText(text)
        self.info.setStyleSheet("color:#82071e;")
        self.failed.emit(text)

    def _on_store(self, store: ExplainedStore) -> None:
        self.store = store
        facts = [f"<b>{store.n_rows:,} rows</b>", f"{len(store.feature_names)} features"]
        facts.append(f"SHAP values in {store.unit.value}")
        if store.key_column:
            facts.append(f"key: {store.key_column}")
        metrics = ", ".join(
            f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}"
            for name, value in store.metrics.items()
        )
        if metrics:
            facts.append(metrics)
        self.info.setText(f"{self.path}<br>" + " · ".join(facts))
        self.output_combo.clear()
        self.output_combo.addItems(store.output_names)
        self.output_combo.setVisible(len(store.output_names) > 1)
        pages = max(1, -(-store.n_rows // PAGE_ROWS))
        self.page.setMaximum(pages)
        self.pages_label.setText(f"of {pages:,}")
        self._show_output(0)
        self.loaded.emit()

    def _show_output(self, k: int) -> None:
        if self.store is not None:
            self.importance.set_data(self.store.importance(k))
            self.show_page(self.page.value() - 1)

    def _columns(self) -> list[str]:
        store = self.store
        assert store is not None
        k = max(self.output_combo.currentIndex(), 0)
        order = np.argsort(-store.summary.mean_abs[:, k], kind="stable")[:SHOWN_SHAP]
        per_output = len(store.feature_names)
        shap = [store.shap_columns[k * per_output + int(i)] for i in order]
        keys = [store.key_column] if store.key_column else ["partition", "row"]
        return [*keys, *shap]

    def show_page(self, index: int) -> None:
        """Read rows [index*PAGE_ROWS, +PAGE_ROWS) in a worker and show them."""
        if self.store is None:
            return
        start = index * PAGE_ROWS
        columns = self._columns()
        self.workers.run(
            self._key(self.path) + ":page",
            self.store.read_rows,
            start,
            start + PAGE_ROWS,
            columns,
            on_result=lambda frame: self._show_frame(index, frame),
            on_error=self._fail,
        )

    def _show_frame(self, index: int, frame: pd.DataFrame) -> None:
        self.page_frame = frame
        self.table.setColumnCount(frame.shape[1])
        self.table.setHorizontalHeaderLabels([str(c) for c in frame.columns])
        self.table.setRowCount(len(frame))
        self.table.setVerticalHeaderLabels([f"{i:,}" for i in frame.index])
        for r, row in enumerate(frame.itertuples(index=False)):
            for c, value in enumerate(row):
                self.table.setItem(r, c, _cell(value))
        self.table.resizeColumnsToContents()
        self.page_shown.emit(index)

    def done(self, result: int) -> None:  # closing drops any page still being read
        self.workers.cancel(self._key(self.path))
        self.workers.cancel(self._key(self.path) + ":page")
        super().done(result)
