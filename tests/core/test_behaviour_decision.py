"""Decision-plot arrays: every line ends at the row's raw output, features by importance."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.debugging.behaviour.decision import BehaviourError, decision, decision_rows
from tests.core._adult import SHAP_ROWS, evaluation, model_and_data, predictions, shap_values


def _base_and_raw() -> tuple[float, np.ndarray]:
    model, data = model_and_data()
    _, base = model.contributions(data.X[:1])
    return float(base[0]), model.predict_raw(data.X[:SHAP_ROWS])[:, 0]


def test_lines_run_from_base_value_to_the_output() -> None:
    model, _ = model_and_data()
    values = shap_values()[:, :, None]
    base, raw = _base_and_raw()
    explained = np.arange(SHAP_ROWS)
    d = decision(values, explained, explained[::3], base, model.feature_names, model.unit,
                 predictions()[:, 0], max_features=8)  # fmt: skip
    assert np.all(d.cumulative[:, 0] == base)
    np.testing.assert_allclose(d.output(), raw[d.rows], atol=1e-4)  # float32 SHAP values
    assert d.levels[0] == "5 other features" and len(d.levels) == 9
    importance = np.abs(values[d.rows, :, 0]).mean(axis=0)
    top = [model.feature_names[j] for j in np.argsort(importance)[-8:]]
    assert d.levels[1:] == top  # least important at the bottom, most important on top
    np.testing.assert_array_equal(d.colour, predictions()[d.rows, 0])
    assert d.correct is None and not d.sampled


def test_sample_keeps_the_selected_row_and_colours_by_correct() -> None:
    model, _ = model_and_data()
    values = shap_values()[:, :, None]
    base, _ = _base_and_raw()
    explained = np.arange(SHAP_ROWS)
    correct = evaluation().correct
    d = decision(values, explained, explained, base, model.feature_names, model.unit,
                 predictions()[:, 0], correct, selected=777, max_rows=100)  # fmt: skip
    assert d.rows.size == 100 and 777 in d.rows and d.selected == 777
    assert d.sampled and "100 of 1,000" in d.title
    np.testing.assert_array_equal(d.correct, correct[d.rows])
    rows = decision_rows(np.arange(50), 100)
    np.testing.assert_array_equal(rows, np.arange(50))


def test_rows_without_values_are_left_out() -> None:
    model, _ = model_and_data()
    values = shap_values()[:10, :, None]
    explained = np.arange(10) * 2  # rows 0, 2, 4 ... explained
    d = decision(values, explained, np.arange(6), 0.0, model.feature_names, model.unit,
                 predictions()[:, 0])  # fmt: skip
    np.testing.assert_array_equal(d.rows, [0, 2, 4])
    np.testing.assert_allclose(d.output(), values[[0, 1, 2], :, 0].sum(axis=1), atol=1e-5)
    with pytest.raises(BehaviourError, match="SHAP values"):
        decision(values, explained, np.array([1, 3]), 0.0, model.feature_names, model.unit,
                 predictions()[:, 0])  # fmt: skip
