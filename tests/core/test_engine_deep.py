"""Deep leaves: full pattern tables, split quadrature tables and the per-row DP give the same
exact values, and a small memory budget only moves leaves to a slower exact path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor

from app.core.explain.engine import TreeShapEngine
from app.core.explain.engine.from_nodes import forest_from_nodes
from app.core.explain.engine.quad_kernels import gauss_legendre
from app.core.explain.models.sklearn_trees import ForestShap, forest_of


@pytest.fixture(scope="module")
def deep_forest():
    """Unpruned trees on 30 features: leaves with up to ~18 distinct features on their path."""
    rng = np.random.default_rng(11)
    X, y = load_diabetes(return_X_y=True)
    X = np.column_stack([X, rng.normal(size=(len(X), 20))])
    X[rng.random(X.shape) < 0.05] = np.nan
    est = RandomForestRegressor(6, random_state=11).fit(np.nan_to_num(X), y)
    forest = forest_of(est)
    arrays = forest_from_nodes(
        forest.trees, [f"x{i}" for i in range(X.shape[1])], forest.base_offset, True
    )
    return forest, arrays, X


def test_quadrature_is_exact_for_the_degree_it_claims() -> None:
    nodes, weights = gauss_legendre(9)
    for q in range(1, 10):
        for degree in range(2 * q):  # exact up to 2Q-1
            integral = (weights[q, :q] * nodes[q, :q] ** degree).sum()
            assert integral == pytest.approx(1.0 / (degree + 1), rel=1e-12)


@pytest.mark.parametrize(("tables", "quad"), [(10, 40), (0, 40), (0, 0), (6, 12)])
def test_every_leaf_path_equals_shap(deep_forest, tables: int, quad: int) -> None:
    forest, arrays, X = deep_forest
    engine = TreeShapEngine(arrays, max_table_depth=tables, max_quad_depth=quad)
    assert engine.max_depth > 12  # the model really has deep leaves
    if quad >= engine.max_depth:
        assert engine.table_leaves + engine.quad_leaves == int((engine.leaf_depth > 0).sum())
    values, base = engine.contributions(X)
    expected, expected_base = ForestShap(forest).contributions(X)
    np.testing.assert_allclose(values, expected, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(base, expected_base, atol=1e-8)


def test_a_tiny_budget_degrades_to_the_exact_dp(deep_forest) -> None:
    _, arrays, X = deep_forest
    full = TreeShapEngine(arrays)
    tiny = TreeShapEngine(arrays, table_budget_bytes=64 * 1024)
    assert tiny.table_bytes <= 64 * 1024 < full.table_bytes
    assert tiny.table_leaves + tiny.quad_leaves < full.table_leaves + full.quad_leaves
    np.testing.assert_allclose(tiny.contributions(X)[0], full.contributions(X)[0], atol=1e-5)
