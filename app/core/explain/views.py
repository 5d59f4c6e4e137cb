"""Plot-ready data: everything a view draws, computed from an Explanation without Qt.

Plots receive these objects and only draw them; they never call SHAP or touch the model.
The beeswarm's layout and colouring live in app.core.explain.beeswarm_layout; they are re-exported
here so callers keep one import path for every plot-ready type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.core.base.formatting import feature_value
from app.core.base.types import Task, Unit
from app.core.explain.beeswarm_layout import (
    GROUP_MISSING,
    GROUP_OTHER,
    MAX_CATEGORY_COLOURS,
    BeeswarmData,
    BeeswarmLane,
    CategoryEntry,
    beeswarm,
)
from app.core.explain.models.base import FeatureSpec, ModelAdapter

__all__ = [
    "GROUP_MISSING",
    "GROUP_OTHER",
    "MAX_CATEGORY_COLOURS",
    "BeeswarmData",
    "BeeswarmLane",
    "CategoryEntry",
    "FilteredBeeswarmData",
    "FilteredImportanceData",
    "ImportanceData",
    "WaterfallData",
    "WaterfallStep",
    "beeswarm",
    "contrast_waterfall",
    "display_values",
    "filtered_beeswarm",
    "filtered_importance",
    "fold_steps",
    "importance",
    "prediction_text",
    "rows_in_filter",
    "waterfall",
]


@dataclass
class ImportanceData:
    features: list[str]  # most important first
    mean_abs: np.ndarray  # float64, same order
    unit: Unit
    rows_covered: int
    rows_total: int
    output_name: str = ""

    @property
    def partial(self) -> bool:
        return self.rows_covered < self.rows_total

    @property
    def title(self) -> str:
        base = f"Global importance: mean |SHAP| ({self.unit.value})"
        if self.partial:
            return f"{base} — estimate from {self.rows_covered:,} of {self.rows_total:,} rows"
        return f"{base}, {self.rows_total:,} rows"


@dataclass
class WaterfallStep:
    label: str  # "age = 39" or "3 other features"
    shap: float
    start: float  # running total before this step
    feature: str | None  # None for the folded bar
    count: int = 1  # features in the step: more than one for the folded bar


@dataclass
class WaterfallData:
    row: int
    base_value: float
    output_value: float
    steps: list[WaterfallStep]  # drawn bottom-up from the base value
    unit: Unit
    prediction_text: str  # e.g. "P(positive class) = 0.83" or "prediction = 212,000"
    output_name: str = ""


def importance(
    mean_abs: np.ndarray,
    features: list[str],
    unit: Unit,
    rows_covered: int,
    rows_total: int,
    output: int = 0,
    output_name: str = "",
) -> ImportanceData:
    """Rank features by mean |SHAP| for one output (mean_abs is (n_features, n_outputs))."""
    column = np.asarray(mean_abs)[:, output]
    order = np.argsort(-column, kind="stable")
    return ImportanceData(
        [features[i] for i in order], column[order], unit, rows_covered, rows_total, output_name
    )


def other_features_label(count: int) -> str:
    return f"{count} other feature" + ("s" if count > 1 else "")


def fold_steps(steps: list[WaterfallStep], limit: int) -> list[WaterfallStep]:
    """At most `limit` steps: the smallest (drawn first, beside the base value) merge into one
    "N other features" step, so a short view shows fewer bars and the sum is unchanged."""
    if len(steps) <= limit:
        return steps
    merge = len(steps) - max(limit, 1) + 1
    low = steps[:merge]
    count = sum(step.count for step in low)
    total = float(sum(step.shap for step in low))
    folded = WaterfallStep(other_features_label(count), total, low[0].start, None, count)
    return [folded, *steps[merge:]]


def waterfall(
    row: int,
    shap_row: np.ndarray,
    base_value: float,
    display_values: list[object],
    features: list[str],
    unit: Unit,
    prediction_text: str,
    top: int = 10,
    output_name: str = "",
) -> WaterfallData:
    """Steps from the base value to the output: the `top` features by |SHAP|, the rest folded."""
    shap_row = np.asarray(shap_row, dtype=np.float64)
    order = np.argsort(-np.abs(shap_row), kind="stable")
    shown, folded = order[:top], order[top:]
    steps_desc: list[tuple[str, float, str | None, int]] = [
        (f"{features[i]} = {feature_value(display_values[i])}", float(shap_row[i]), features[i], 1)
        for i in shown
    ]
    if folded.size:
        label = other_features_label(int(folded.size))
        steps_desc.append((label, float(shap_row[folded].sum()), None, int(folded.size)))
    # Draw the folded bar first (next to the base value) and the largest effect last, on top.
    steps: list[WaterfallStep] = []
    running = float(base_value)
    for label, value, feature, count in reversed(steps_desc):
        steps.append(WaterfallStep(label, value, running, feature, count))
        running += value
    return WaterfallData(row, float(base_value), running, steps, unit, prediction_text, output_name)


def display_values(frame: pd.DataFrame, features: list[str], row: int) -> list[object]:
    """The row's values as loaded (labels, not codes) for "name = value" captions."""
    record = frame.iloc[int(row)]
    out: list[object] = []
    for name in features:
        value = record[name] if name in frame.columns else None
        if value is not None and not isinstance(value, str) and pd.isna(value):
            value = None
        out.append(value.item() if isinstance(value, np.generic) else value)
    return out


def prediction_text(model: ModelAdapter, raw_row: np.ndarray, output: int = 0) -> str:
    """What the model predicts for one row, as a person reads it: a probability or a value."""
    raw = np.asarray(raw_row, dtype=np.float64).reshape(1, -1)
    prediction = float(model.raw_to_prediction(raw)[0, output])
    names = list(model.output_names)
    if model.task is Task.REGRESSION or model.unit is not Unit.LOG_ODDS:
        shown = f"{prediction:,.0f}" if abs(prediction) >= 1000 else f"{prediction:.4g}"
        return f"prediction = {shown}"
    # Two decimals in the middle; near 0 or 1, enough digits not to print "0.00" or "1.00".
    shown = f"{prediction:.2f}" if 0.01 <= prediction <= 0.99 else f"{prediction:.3g}"
    if model.task is Task.BINARY:
        return f"P(positive class) = {shown}"
    name = names[output] if output < len(names) else f"class {output}"
    return f"P({name}) = {shown}"


def _class_label(name: str) -> str:
    """ "class 3" stays as is; a bare label ("red") reads "class red"."""
    return name if name.lower().startswith("class") else f"class {name}"


def contrast_waterfall(
    row: int,
    shap_row_a: np.ndarray,
    shap_row_b: np.ndarray,
    base_a: float,
    base_b: float,
    display_values: list[object],
    features: list[str],
    unit: Unit,
    label_a: str,
    label_b: str,
    top: int = 10,
) -> WaterfallData:
    """ "Why class A rather than B": a waterfall of the difference of two classes' contributions.

    Multiclass SHAP values are additive per class logit, so the per-feature differences add up
    from base_a - base_b to raw_a - raw_b, the log of P(A) / P(B) under softmax.
    """
    diff = np.asarray(shap_row_a, dtype=np.float64) - np.asarray(shap_row_b, dtype=np.float64)
    base = float(base_a) - float(base_b)
    output = base + float(diff.sum())
    text = f"log-odds({label_a}) − log-odds({label_b}) = {output:.2f}"
    name = f"{_class_label(label_a)} rather than {_class_label(label_b)}"
    return waterfall(row, diff, base, display_values, features, unit, text, top, name)


@dataclass
class FilteredImportanceData(ImportanceData):
    """Importance over the rows of the current filter (rows_total: rows the filter selects)."""

    @property
    def title(self) -> str:
        base = f"Global importance: mean |SHAP| ({self.unit.value})"
        if self.partial:
            return (
                f"{base} — estimate from {self.rows_covered:,} of {self.rows_total:,} rows"
                " (filtered)"
            )
        return f"{base}, {self.rows_total:,} rows (filtered)"


@dataclass
class FilteredBeeswarmData(BeeswarmData):
    """A beeswarm over the rows of the current filter (rows_total: rows the filter selects)."""

    @property
    def title(self) -> str:
        n = self.n_points
        if n < self.rows_total:
            return f"SHAP values per row — {n:,} of {self.rows_total:,} rows (filtered)"
        return f"SHAP values per row, {n:,} rows (filtered)"


def rows_in_filter(explained_rows: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Mask over an explanation's rows: which of them the current filter shows."""
    return np.isin(np.asarray(explained_rows, np.int64), np.asarray(visible, np.int64))


def filtered_importance(
    values: np.ndarray,
    explained_rows: np.ndarray,
    visible: np.ndarray,
    features: list[str],
    unit: Unit,
    output: int = 0,
    output_name: str = "",
) -> FilteredImportanceData:
    """Mean |SHAP| over the explained rows that the filter shows (values: (rows, F, K))."""
    mask = rows_in_filter(explained_rows, visible)
    covered = int(np.count_nonzero(mask))
    if covered:
        mean_abs = np.abs(values[mask]).mean(axis=0, dtype=np.float64)
    else:
        mean_abs = np.zeros(values.shape[1:], dtype=np.float64)
    ranked = importance(mean_abs, features, unit, covered, int(np.size(visible)), output)
    return FilteredImportanceData(
        ranked.features, ranked.mean_abs, unit, covered, int(np.size(visible)), output_name
    )


def filtered_beeswarm(
    values: np.ndarray,
    explained_rows: np.ndarray,
    visible: np.ndarray,
    X: np.ndarray,
    features: list[FeatureSpec],
    frame: pd.DataFrame | None,
    unit: Unit,
    output: int = 0,
    output_name: str = "",
) -> FilteredBeeswarmData:
    """A beeswarm over the explained rows the filter shows, lanes in their own importance order.

    `X` and `frame` are the whole dataset (rows are picked here, meant for a worker)."""
    mask = rows_in_filter(explained_rows, visible)
    rows = np.asarray(explained_rows, np.int64)[mask]
    sub = values[mask]
    names = [spec.name for spec in features]
    order = filtered_importance(sub, rows, rows, names, unit, output).features
    sub_frame = frame.iloc[rows] if frame is not None else None
    data = beeswarm(
        sub, X[rows], features, sub_frame, unit, order, output=output, output_name=output_name
    )
    return FilteredBeeswarmData(data.lanes, unit, int(np.size(visible)), output_name, rows)
