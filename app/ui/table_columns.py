"""The rows table's columns: what each column shows, how its cells read, colour and sort.

A Column holds one value per dataset row (numbers as numpy, text as a pandas Series) and a
float sort key computed once; build_columns assembles the table's columns from the state
(row number, prediction, class, label, correct/error, the bookmark ★ column, then the data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtGui import QColor

from app.core.base.formatting import feature_value
from app.core.base.types import Task
from app.core.explain.models.base import display_output_name
from app.ui.state import AppState

GOOD, BAD = QColor("#1a7f37"), QColor("#cf222e")


@dataclass
class Column:
    header: str
    tooltip: str
    values: np.ndarray | pd.Series  # one per dataset row; text columns stay a pandas Series
    text: Callable[[object], str]
    numeric: bool
    colour: Callable[[object], QColor | None] | None = None
    cell_tooltip: Callable[[int], str | None] | None = None  # by dataset row
    _key: np.ndarray | None = None

    def value(self, row: int) -> object:
        if isinstance(self.values, pd.Series):
            return self.values.iat[row]  # only visible cells are asked for: no bulk conversion
        return self.values[row]

    def key(self) -> np.ndarray:
        """The sort key, computed once per column."""
        if self._key is None:
            self._key = _sort_key(self.values)
        return self._key


def _sort_key(values: np.ndarray | pd.Series) -> np.ndarray:
    """A float key per row (NaN for missing) that sorts like the values do."""
    if values.dtype.kind in "biuf":
        return np.asarray(values, dtype=np.float64)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("string")
    if not isinstance(values, pd.Series):
        values = pd.Series(values, dtype=object).astype("string")
    codes, _ = pd.factorize(values, sort=True)
    key = codes.astype(np.float64)
    key[codes < 0] = np.nan
    return key


def _correct_text(v: object) -> str:
    return {1.0: "✓", 0.0: "✗"}.get(float(v), "")  # type: ignore[arg-type]


def _correct_colour(v: object) -> QColor | None:
    return {1.0: GOOD, 0.0: BAD}.get(float(v))  # type: ignore[arg-type]


BOOKMARK_HEADER = "★"


def bookmark_values(state: AppState, n: int) -> np.ndarray:
    """1.0 for bookmarked rows, NaN for the others: missing values sort last in either
    direction, so one click on the column lists the bookmarked rows first."""
    values = np.full(n, np.nan)
    rows = state.review.bookmarks.rows()
    values[rows[(rows >= 0) & (rows < n)]] = 1.0
    return values


def _bookmark_column(state: AppState, n: int) -> Column:
    def tag_of(row: int) -> str | None:
        bookmark = state.review.bookmarks.get(row)
        if bookmark is None:
            return None
        note = f"\n{bookmark.note}" if bookmark.note else ""
        return (f"Bookmarked: {bookmark.tag}" if bookmark.tag else "Bookmarked (no tag)") + note

    return Column(
        BOOKMARK_HEADER,
        "Bookmarked rows (the tag shows on hover)",
        bookmark_values(state, n),
        lambda v: "★" if v == 1.0 else "",
        False,
        cell_tooltip=tag_of,
    )


def build_columns(state: AppState) -> list[Column]:
    """Row number, prediction (probability and class for classifiers), label, correct, ★, data.

    The ★ column follows the model's columns so their positions stay fixed."""
    data, model = state.data, state.model
    if data is None or model is None:
        return []
    n = data.n_rows
    columns = [Column("#", "Row number in the dataset (from 0)", np.arange(n), str, True)]
    predictions = state.predictions()
    k = state.output_index
    classifier = model.task in (Task.BINARY, Task.MULTICLASS)
    predicted = None
    if predictions is not None and classifier:
        name = (
            display_output_name(model.output_names[k])
            if model.task is Task.MULTICLASS
            else "positive"
        )
        columns.append(
            Column(
                f"P({name})",
                f"Predicted probability of {name} (model unit: {model.unit.value})",
                predictions[:, k],
                lambda v: f"{v:.3f}",
                True,
            )
        )
        if model.task is Task.BINARY:
            predicted = (predictions[:, 0] >= state.threshold).astype(np.int64)
            tip = f"Predicted class at threshold {state.threshold:g}"
        else:
            predicted = predictions.argmax(axis=1)
            tip = "Predicted class (largest probability)"
        columns.append(Column("Class", tip, predicted, str, True))
    elif predictions is not None:
        columns.append(
            Column(
                "Prediction",
                f"Model output ({model.unit.value})",
                predictions[:, 0],
                lambda v: f"{v:.4g}",
                True,
            )
        )
    label = data.label()
    if label is not None:
        columns.append(
            Column(
                str(data.label_column),
                "The label (true value)",
                label,
                feature_value,
                label.dtype.kind in "biuf",
            )
        )
        if predicted is not None and label.dtype.kind in "biuf":
            correct = np.where(np.isnan(label.astype(float)), np.nan, predicted == label)
            columns.append(
                Column(
                    "Correct",
                    "Predicted class equals the label",
                    correct,
                    _correct_text,
                    True,
                    _correct_colour,
                )
            )
        elif predictions is not None and not classifier and label.dtype.kind in "biuf":
            error = predictions[:, 0] - label.astype(np.float64)
            columns.append(
                Column("Error", "Prediction minus label", error, lambda v: f"{v:+.4g}", True)
            )
    columns.append(_bookmark_column(state, n))
    features = set(model.feature_names)
    for name in data.frame.columns:
        if name == data.label_column:
            continue
        series = data.frame[name]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        role = "model feature" if name in features else "extra column (not used by the model)"
        # Numbers as numpy; text stays a Series (converting 1M strings costs seconds).
        values = series.to_numpy() if numeric else series.reset_index(drop=True)
        columns.append(Column(str(name), f"{name}: {role}", values, feature_value, numeric))
    return columns
