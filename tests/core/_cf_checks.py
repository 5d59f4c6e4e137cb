"""What every counterfactual answer must satisfy, checked against the model itself."""

from __future__ import annotations

import numpy as np

from app.core.base.types import Task
from app.core.data.align import AlignedData
from app.core.debugging.counterfactuals import CounterfactualResult
from app.core.explain.models.base import ModelAdapter


def predicted(model: ModelAdapter, x: np.ndarray, threshold: float = 0.5) -> object:
    p = model.raw_to_prediction(model.predict_raw(x.reshape(1, -1)))[0]
    if model.task is Task.BINARY:
        return int(p[0] >= threshold)
    if model.task is Task.MULTICLASS:
        return int(np.argmax(p))
    return float(p[0])


def assert_valid(
    model: ModelAdapter, data: AlignedData, result: CounterfactualResult, locked: list[str]
) -> None:
    """Each answer flips the model's own prediction, keeps locked features and every other
    unchanged feature, and uses plausible values only."""
    x0 = data.X[result.row]
    names = model.feature_names
    before = predicted(model, x0)
    for answer in result.answers:
        assert answer.changes, "an answer must change something"
        changed = {c.feature for c in answer.changes}
        assert not changed & set(locked), f"changed a locked feature: {changed & set(locked)}"
        for j, name in enumerate(names):
            if name not in changed:
                assert answer.x[j] == x0[j] or (np.isnan(answer.x[j]) and np.isnan(x0[j]))
        after = predicted(model, answer.x)
        if model.task is Task.REGRESSION:
            assert after != before
        else:
            assert after != before, f"{answer.changes} does not flip the prediction"
            assert after == answer.predicted_class
        for change in answer.changes:
            j = names.index(change.feature)
            column = data.X[:, j]
            finite = column[np.isfinite(column)]
            value = answer.x[j]
            assert value == change.after_code
            if model.features[j].is_categorical:
                assert value in set(finite.tolist()), f"{change.feature}={value} not in the data"
            else:
                assert finite.min() <= value <= finite.max(), (
                    f"{change.feature}={value} out of range"
                )
                if np.all(finite == np.round(finite)):
                    assert value == round(value), f"{change.feature} must stay an integer"


def single_change_exists(
    model: ModelAdapter, data: AlignedData, row: int, locked: list[str]
) -> bool:
    """Brute force over the observed values: does changing one feature flip the prediction?"""
    x0 = data.X[row]
    before = predicted(model, x0)
    rows = []
    for j, name in enumerate(model.feature_names):
        if name in locked:
            continue
        for value in np.unique(data.X[:, j][np.isfinite(data.X[:, j])]):
            x = x0.copy()
            x[j] = value
            rows.append(x)
    p = model.raw_to_prediction(model.predict_raw(np.array(rows)))
    classes = (p[:, 0] >= 0.5).astype(int) if model.task is Task.BINARY else np.argmax(p, axis=1)
    return bool(np.any(classes != before))
