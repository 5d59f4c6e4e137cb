"""The alignment report: dtype fixes, unseen categories, NaN/inf counted and handled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.data.align import FINITE_MAX, align
from app.core.data.model_io import load_model
from tests.core import model_fixtures as F


def test_unseen_categories_reported_not_silently_mapped() -> None:
    model = load_model(F.xgboost_file("binary"))
    X, _ = F.task_data("binary")
    frame = X.iloc[:20].copy()
    frame["workclass"] = frame["workclass"].astype("string")
    frame.loc[[1, 4], "workclass"] = "Astronaut"
    data = align(model, frame)
    assert data.report.unseen_categories["workclass"] == ["Astronaut"]
    assert data.report.unseen_counts["workclass"] == 2
    j = model.feature_names.index("workclass")
    assert np.isnan(data.X[[1, 4], j]).all()
    assert any("Astronaut" in line for line in data.report.lines())


def test_dtype_fixes_and_reordering_are_reported() -> None:
    model = load_model(F.sklearn_file("DecisionTree", "regression"))
    X, _ = F.numeric_data("regression")
    frame = X.iloc[:30].fillna(0)[list(reversed(X.columns))].copy()
    frame["bmi"] = frame["bmi"].astype(str)  # numbers stored as text
    frame["shown_only"] = "note"
    data = align(model, frame)
    assert "converted to numbers" in data.report.dtype_mismatches["bmi"]
    assert data.report.reordered and data.report.extra == ["shown_only"]
    j = model.feature_names.index("bmi")
    np.testing.assert_allclose(data.X[:, j], X["bmi"].iloc[:30].to_numpy())


def test_inf_clipped_for_models_that_refuse_it_and_counted() -> None:
    model = load_model(F.sklearn_file("HistGradientBoosting", "regression"))
    X, _ = F.numeric_data("regression")
    frame = X.iloc[:30].copy()
    frame.loc[0, "s5"] = np.inf
    frame.loc[1, "s5"] = -np.inf
    data = align(model, frame)
    assert data.report.inf_counts == {"s5": 2} and data.report.inf_clipped
    j = model.feature_names.index("s5")
    assert data.X[0, j] == FINITE_MAX and data.X[1, j] == -FINITE_MAX
    assert data.report.nan_counts.get("bp", 0) == int(X["bp"].iloc[:30].isna().sum())
    # HGB treats +inf as larger than every threshold: the clipped value predicts the same.
    raw = model.predict_raw(data.X)
    assert np.isfinite(raw).all()


def test_lightgbm_keeps_inf(sample_model_path, sample_data_path) -> None:
    model = load_model(sample_model_path)
    frame = pd.read_parquet(sample_data_path).iloc[:10].copy()
    frame["age"] = frame["age"].astype(float)
    frame.loc[0, "age"] = np.inf
    data = align(model, frame)
    assert data.report.inf_counts == {"age": 1} and not data.report.inf_clipped


@pytest.mark.parametrize("numeric", [True, False])
def test_open_categories_collect_labels_from_data(numeric: bool) -> None:
    model = load_model(F.catboost_file("regression"))
    X, _ = F.task_data("regression")
    frame = X.iloc[:40].copy()
    data = align(model, frame)
    spec = next(f for f in model.features if f.name == "clinic")
    assert set(frame["clinic"].dropna().astype(str)) <= set(spec.categories or [])
    assert "clinic" in data.report.labels_from_data or not numeric


def test_display_values_give_one_rows_labels_in_the_requested_order(
    sample_model_path, sample_data_path
) -> None:
    model = load_model(sample_model_path)
    frame = pd.read_parquet(sample_data_path).iloc[:500]
    data = align(model, frame)
    names = list(reversed(model.feature_names))
    shown = data.display_values(321, names)
    assert shown == [frame.iloc[321][name] for name in names]  # labels, not category codes
    assert any(isinstance(value, str) for value in shown)
    with pytest.raises(KeyError, match="no_such_column"):
        data.display_values(0, ["age", "no_such_column"])
