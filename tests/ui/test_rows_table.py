"""The rows table model: columns, numpy sorting (missing values last), filtering, lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.ui.rows_table import RowsModel, RowsTable, _sort_key
from app.ui.state import AppState


@pytest.fixture
def state(small_model_path, small_data_path) -> AppState:
    model = load_model(small_model_path)
    frame = load_dataset(small_data_path)
    frame.loc[3, "workclass"] = None  # a missing text value must sort last
    data = align(model, frame)
    s = AppState()
    s.set_inputs(model, small_model_path, data, small_data_path, model.predict_raw(data.X))
    return s


def test_columns_prediction_class_label_correct_then_data(qtbot, state) -> None:
    model = RowsModel(state)
    model.rebuild()
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers[:5] == ["#", "P(positive)", "Class", "income_gt_50k", "Correct"]
    assert "age" in headers and "fnlwgt" in headers and headers.count("income_gt_50k") == 1
    p = state.predictions()[:, 0]
    label = state.data.frame["income_gt_50k"].to_numpy()
    row = int(np.flatnonzero((p >= 0.5) != label)[0])  # a misclassified row
    assert model.data(model.index(row, 4)) == "✗"
    assert model.data(model.index(row, 1)) == f"{p[row]:.3f}"
    assert model.rowCount() == state.data.n_rows


def test_sort_text_column_like_pandas_with_missing_last(qtbot, state) -> None:
    model = RowsModel(state)
    model.rebuild()
    headers = [c.header for c in model.columns]
    column = headers.index("workclass")
    model.sort(column, Qt.SortOrder.AscendingOrder)
    texts = state.data.frame["workclass"].to_numpy()[model.order]
    expected = state.data.frame["workclass"].sort_values(kind="stable", na_position="last")
    assert list(model.order) == list(expected.index)
    assert pd.isna(texts[-1]) and not pd.isna(texts[0])
    model.sort(column, Qt.SortOrder.DescendingOrder)
    texts = state.data.frame["workclass"].to_numpy()[model.order]
    assert pd.isna(texts[-1]) and texts[0] >= texts[1]


def test_filter_through_visible_rows_and_row_lookups(qtbot, state) -> None:
    model = RowsModel(state)
    model.rebuild()
    model.sort(1, Qt.SortOrder.DescendingOrder)
    rows = np.arange(0, state.data.n_rows, 7)
    state.set_visible_rows(rows)
    assert model.rowCount() == rows.size
    assert set(model.order.tolist()) == set(rows.tolist())
    p = state.predictions()[model.order, 0]
    assert np.all(np.diff(p) <= 0)  # the sort survives the filter
    assert model.table_row(int(model.order[5])) == 5
    assert model.table_row(1) is None  # filtered out


def test_table_selection_follows_state_and_back(qtbot, state) -> None:
    table = RowsTable(state)
    qtbot.addWidget(table)
    table.rows_model.rebuild()
    state.select_row(42)
    assert table.rows_model.dataset_row(table.currentIndex().row()) == 42
    table.selectRow(10)
    assert state.selected_row == table.rows_model.dataset_row(10)


def test_sort_key_of_a_million_rows_is_numpy_fast() -> None:
    rng = np.random.default_rng(0)
    text = rng.choice(np.array(["b", "a", "c", None], dtype=object), 1_000_000)
    key = _sort_key(text)
    order = np.argsort(np.where(np.isnan(key), np.inf, key), kind="stable")
    sorted_text = text[order]
    assert sorted_text[0] == "a" and sorted_text[-1] is None
    assert np.isnan(key).sum() == sum(v is None for v in text)
