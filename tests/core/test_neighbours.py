"""Nearest correctly classified rows in SHAP space, and row-vs-row comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.debugging.neighbours import NoNeighboursError, compare_rows, nearest_correct
from tests.core import _adult


def test_brute_force_agreement_on_adult() -> None:
    model, data = _adult.model_and_data()
    ev = _adult.evaluation(0.5)
    values = _adult.shap_values()
    n = values.shape[0]
    visible = np.arange(n)
    wrong = int(np.flatnonzero(ev.misclassified[:n])[0])
    found = nearest_correct(
        wrong, values, ev.correct[:n], visible, data.frame, model.feature_names, k=5,
        same_label=ev.y_true[:n],
    )  # fmt: skip
    pool = visible[ev.correct[:n] & (ev.y_true[:n] == ev.y_true[wrong])]
    d = np.linalg.norm(values[pool].astype(np.float64) - values[wrong], axis=1)
    expected = pool[np.argsort(d, kind="stable")[:5]]
    assert found.rows.tolist() == expected.tolist()
    assert found.distances == pytest.approx(np.sort(d)[:5])
    assert ev.correct[found.rows].all() and wrong not in found.rows
    deltas = [abs(x.delta) for x in found.differences]
    assert deltas == sorted(deltas, reverse=True)
    top = found.differences[0]
    j = model.feature_names.index(top.feature)
    assert top.shap_a == pytest.approx(values[wrong, j])
    assert top.shap_b == pytest.approx(values[found.rows, j].astype(np.float64).mean())


def test_candidates_limit_the_search() -> None:
    values = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [5.0, 5.0]])
    correct = np.array([False, True, True, True])
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "y", "z"]})
    all_rows = nearest_correct(0, values, correct, np.arange(4), frame, ["a", "b"], k=2)
    assert all_rows.rows.tolist() == [1, 2]
    narrow = nearest_correct(0, values, correct, np.array([0, 3]), frame, ["a", "b"], k=2)
    assert narrow.rows.tolist() == [3]
    assert {d.feature: d.value_b for d in narrow.differences} == {"a": 4.0, "b": "z"}
    with pytest.raises(NoNeighboursError, match="widen"):
        nearest_correct(0, values, correct, np.array([0]), frame, ["a", "b"])


def test_compare_rows() -> None:
    values = np.array([[0.5, -1.0, 0.0], [0.4, 1.0, 0.3]])
    frame = pd.DataFrame({"a": [1, 2], "b": ["u", "v"], "c": [0.0, 0.5]})
    diffs = compare_rows(0, 1, values, frame, ["a", "b", "c"])
    assert [d.feature for d in diffs] == ["b", "c", "a"]
    assert diffs[0].value_a == "u" and diffs[0].value_b == "v"
    assert diffs[0].delta == pytest.approx(-2.0)
