"""What-if: the edited row's prediction is the model's prediction on that row, encoded by align."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.data.align import align
from app.core.debugging.whatif import InvalidEditError, WhatIf, encode_value
from tests.core import _adult


def test_prediction_equals_model_on_the_edited_row() -> None:
    model, data = _adult.model_and_data()
    row = 7
    what = WhatIf(model, data, row)
    assert what.set_value("age", "61") == []
    what.set_value("occupation", "farming-fishing")  # case-insensitive level
    what.set_value("capital_gain", 15024)
    what.set_value("workclass", "missing")
    result = what.evaluate()
    edited = data.frame.iloc[[row]].copy()
    edited["age"] = 61
    edited["occupation"] = "Farming-fishing"
    edited["capital_gain"] = 15024
    edited["workclass"] = None
    expected_raw = model.predict_raw(align(model, edited, label="income_gt_50k").X)
    assert result.raw == pytest.approx(expected_raw[0], abs=1e-9)
    assert result.prediction == pytest.approx(model.raw_to_prediction(expected_raw)[0])
    assert sorted(result.changed) == ["age", "capital_gain", "occupation", "workclass"]
    # the SHAP values explain the new prediction exactly
    total = result.values[:, 0].sum(dtype=np.float64) + result.base_values[0]
    assert total == pytest.approx(result.raw[0], abs=1e-4)
    original = model.raw_to_prediction(model.predict_raw(data.X[[row]]))[0]
    assert result.original_prediction == pytest.approx(original)
    assert abs(result.prediction[0] - original[0]) > 0.05  # the edits matter for this row


def test_validation_and_reset() -> None:
    model, data = _adult.model_and_data()
    what = WhatIf(model, data, 0)
    with pytest.raises(InvalidEditError, match="needs a number"):
        what.set_value("age", "old")
    with pytest.raises(InvalidEditError, match="Did you mean 'Bachelors'"):
        what.set_value("education", "Bachelor")
    with pytest.raises(InvalidEditError, match="no feature named"):
        what.set_value("salary", 3)
    warnings = what.set_value("age", 150)
    assert warnings and "outside the values in the data (17 … 90)" in warnings[0]
    assert what.evaluate().warnings == ["age is outside the range seen in the data."]
    what.set_value("sex", "Female")
    assert what.display_value("sex") == "Female" and what.display_value("age") == 150
    what.reset("age")
    assert list(what.edits) == ["sex"]
    what.reset()
    assert what.edits == {} and np.array_equal(what.encoded(), data.X[0])
    what.set_value("age", data.X[0, 0])  # setting the original value is no edit
    assert what.edits == {}
    with pytest.raises(InvalidEditError, match="not in the dataset"):
        WhatIf(model, data, data.n_rows)


def test_encode_value_missing_words() -> None:
    model, _ = _adult.model_and_data()
    spec = model.features[1]
    assert np.isnan(encode_value(spec, "")) and np.isnan(encode_value(spec, None))
    assert encode_value(spec, "Private") == spec.categories.index("Private")
    with pytest.raises(InvalidEditError, match="infinite"):
        encode_value(model.features[0], "inf")
