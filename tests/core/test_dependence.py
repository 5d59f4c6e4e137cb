"""Dependence data and the interaction heuristic, against shap's own implementation."""

from __future__ import annotations

import numpy as np
import pytest
import shap

from app.core.debugging.dependence import approximate_interactions, dependence, interaction_scores
from tests.core import _adult


@pytest.mark.parametrize("index", [0, 3, 6, 9])
def test_interactions_match_shap(index: int) -> None:
    _, data = _adult.model_and_data()
    values = _adult.shap_values().astype(np.float64)
    X = data.X[: values.shape[0]]
    ours = approximate_interactions(index, values, X)
    theirs = shap.utils.approximate_interactions(index, values, X)
    scores = interaction_scores(index, values, X)
    # Same order up to exact ties (e.g. two features missing on the same rows).
    assert scores[ours] == pytest.approx(scores[theirs])
    assert ours[0] == theirs[0]
    assert scores[index] == 0


def test_dependence_numeric_and_categorical() -> None:
    model, data = _adult.model_and_data()
    values = _adult.shap_values()
    n = values.shape[0]
    X = data.X[:n]
    d = dependence("age", values, X, model.features, model.unit)
    assert d.x.tolist() == X[:, 0].tolist() and d.rows.tolist() == list(range(n))
    assert d.shap == pytest.approx(values[:, 0])
    assert d.colour_feature == d.interactions[0] and "age" not in d.interactions
    assert np.nanmin(d.colour) >= 0 and np.nanmax(d.colour) <= 1
    j = model.feature_names.index("workclass")
    rows = np.arange(0, n, 2)
    c = dependence("workclass", values, X, model.features, model.unit, rows=rows, colour_by=None)
    assert c.categories[-1] == "missing" and c.categories[:-1] == model.features[j].categories
    codes = np.where(np.isnan(X[rows, j]), len(c.categories) - 1, X[rows, j])
    assert np.all(np.abs(c.x - codes) <= 0.3)
    assert c.colour_feature is None and np.isnan(c.colour).all()
    assert "coloured" not in c.title
