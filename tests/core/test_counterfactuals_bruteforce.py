"""The solver against brute force on tiny models (a few shallow trees, four features).

Two brute forces: (1) every combination of the candidate values the search builds, which the
solver must match exactly (count of changes, then distance); (2) independent of those
candidates, every cell of the model's own threshold grid read from the framework: the fewest
changes must agree, and the distance can exceed the grid's lower bound (the distance to the
cell's nearest edge) only by the rounding to integers / few digits.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.core.debugging.counterfactuals import (
    CounterfactualOptions,
    ensemble_of,
    find_counterfactuals,
)
from app.core.debugging.counterfactuals.domains import feature_stats, robust_scale
from app.core.debugging.counterfactuals.search import build_domains
from tests.core import _cf_models
from tests.core._cf_checks import assert_valid, predicted

CASES = [(kind, seed) for kind in ("lightgbm", "xgboost", "sklearn") for seed in (1, 2)]
ROWS = (0, 1, 2, 3, 5, 8)


def framework_thresholds(model) -> dict[int, list[float]]:
    """Split thresholds per feature, read with each framework's own API."""
    found: dict[int, set[float]] = {}
    names = model.feature_names
    if model.info.framework == "LightGBM":
        frame = model.booster.trees_to_dataframe()
        splits = frame[frame["split_feature"].notna()]
        for name, t in zip(splits["split_feature"], splits["threshold"], strict=True):
            found.setdefault(names.index(name), set()).add(float(t))
    elif model.info.framework == "XGBoost":
        frame = model.booster.trees_to_dataframe()
        splits = frame[frame["Feature"] != "Leaf"]
        for name, t in zip(splits["Feature"], splits["Split"], strict=True):
            found.setdefault(names.index(name), set()).add(float(t))
    else:
        for tree in model.estimator.estimators_:
            for f, t in zip(tree.tree_.feature, tree.tree_.threshold, strict=True):
                if f >= 0:
                    found.setdefault(int(f), set()).add(float(t))
    return {j: sorted(ts) for j, ts in found.items()}


def grid_optimum(model, data, row: int) -> tuple[int, float] | None:
    """(changes, lower bound of distance) of the best cell of the threshold grid, or None."""
    x0 = data.X[row]
    before = predicted(model, x0)
    options: list[list[tuple[float, float]]] = []  # per feature: (value, distance lower bound)
    features = sorted(framework_thresholds(model).items())
    for j, ts in features:
        column = data.X[:, j]
        low, high = column.min(), column.max()
        scale = robust_scale(column)
        cells = [(x0[j], 0.0)]
        edges = [-np.inf, *ts, np.inf]
        for a, b in itertools.pairwise(edges):
            lo, hi = max(a, low), min(b, high)
            if lo >= hi or lo <= x0[j] <= hi:
                continue
            edge = lo if x0[j] < lo else hi
            cells.append(((lo + hi) / 2, abs(edge - x0[j]) / scale))
        options.append(cells)
    best = None
    combos = list(itertools.product(*options))
    X = np.repeat(x0.reshape(1, -1), len(combos), axis=0)
    for i, combo in enumerate(combos):
        for (j, _), (value, _) in zip(features, combo, strict=True):
            X[i, j] = value
    p = model.raw_to_prediction(model.predict_raw(X))[:, 0]
    for combo, prob in zip(combos, p, strict=True):
        if int(prob >= 0.5) == before:
            continue
        key = (sum(d > 0 or v != x0[j] for (j, _), (v, d) in zip(features, combo, strict=True)),
               sum(d for _, d in combo))  # fmt: skip
        best = key if best is None or key < best else best
    return best


def domain_optimum(model, data, row: int) -> tuple[int, float] | None:
    """(changes, distance) of the best combination of the search's own candidate values."""
    x0 = data.X[row]
    before = predicted(model, x0)
    ensemble = ensemble_of(model, data.X)
    stats = feature_stats(data.X, [f.is_categorical for f in model.features])
    domains = build_domains(model, ensemble, x0, stats, CounterfactualOptions())
    items = sorted(domains.items())
    combos = list(itertools.product(*[range(len(d.values)) for _, d in items]))
    X = np.repeat(x0.reshape(1, -1), len(combos), axis=0)
    for i, combo in enumerate(combos):
        for (j, d), c in zip(items, combo, strict=True):
            X[i, j] = d.values[c]
    p = model.raw_to_prediction(model.predict_raw(X))[:, 0]
    best = None
    for combo, prob in zip(combos, p, strict=True):
        if int(prob >= 0.5) == before:
            continue
        key = (sum(c > 0 for c in combo),
               sum(d.costs[c] for (_, d), c in zip(items, combo, strict=True)))  # fmt: skip
        best = key if best is None or key < best else best
    return best


@pytest.mark.parametrize(("kind", "seed"), CASES)
@pytest.mark.parametrize("solver_only", [True, False])
def test_matches_brute_force(kind: str, seed: int, solver_only: bool) -> None:
    model, data = _cf_models.tiny_model(kind, seed)
    a_scale = 1.0 / robust_scale(data.X[:, model.feature_names.index("a")])
    c_scale = 1.0 / robust_scale(data.X[:, model.feature_names.index("c")])
    options = CounterfactualOptions(enumerate=0 if solver_only else 2, seconds=20, answers=2)
    for row in ROWS:
        result = find_counterfactuals(model, data.X, row, options)
        assert_valid(model, data, result, [])
        exact = domain_optimum(model, data, row)
        grid = grid_optimum(model, data, row)
        if exact is None:
            assert grid is None
            assert result.answers == [] and result.exhausted
            continue
        first = result.answers[0]
        assert first.minimal
        assert (len(first.changes), round(first.distance, 2)) == (exact[0], round(exact[1], 2))
        assert grid is not None and len(first.changes) == grid[0]
        # integers move to the next integer past a threshold (at most one unit per change),
        # decimals round to a hundredth of the spread (two steps at most)
        slack = len(first.changes) * max(a_scale, c_scale, 0.02) + 1e-6
        assert grid[1] - 1e-6 <= first.distance <= grid[1] + slack
