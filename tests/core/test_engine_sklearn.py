"""scikit-learn trees through ShapLens's engine: exact against shap (and a brute-force reference
for categorical splits shap cannot read), additive against sklearn's own output on every row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from app.core.explain.engine import ENGINE_NAME
from app.core.explain.models.base import explainer_text
from app.core.explain.models.sklearn_model import SHAP_PATH, SklearnTreeModel
from app.core.explain.models.sklearn_trees import ForestShap, UnsupportedTrees, forest_of
from tests.core._brute_shap import tree_shap

SEED = 3
LOADERS = {"cancer": load_breast_cancer, "wine": load_wine, "diabetes": load_diabetes}


def dataset(name: str, nan: float = 0.0, cat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A bundled dataset, with seeded missing values and a seeded category column that matters."""
    rng = np.random.default_rng(SEED)
    X, y = LOADERS[name](return_X_y=True)
    X = X.copy()
    if cat:
        codes = rng.integers(0, 9, len(X)).astype(np.float64)
        if y.dtype.kind == "f":
            y = y + np.isin(codes, [1, 4, 7]) * y.std()
        X = np.column_stack([X, codes])
    if nan:
        X[rng.random(X.shape) < nan] = np.nan
    return X, y


def adapter(estimator: object) -> SklearnTreeModel:
    return SklearnTreeModel(Path("model.skops"), estimator, forest_of(estimator))


def odd_codes(X: np.ndarray) -> np.ndarray:
    """Rows whose category is unseen, negative, not whole, missing or huge."""
    X = X.copy()
    X[:6, -1] = [9, 300, -1, 2.5, np.nan, 70_000]
    return X


def assert_additive(model: SklearnTreeModel, X: np.ndarray) -> None:
    values, base = model.contributions(X)
    raw = model.predict_raw(X)
    total = values.astype(np.float64).sum(axis=1) + base
    np.testing.assert_allclose(total, raw, rtol=1e-5, atol=1e-4)


CASES = {
    "forest-binary": (
        lambda: RandomForestClassifier(25, max_depth=12, random_state=SEED),
        "cancer",
        0.0,
    ),
    "forest-multiclass-nan": (lambda: RandomForestClassifier(10, random_state=SEED), "wine", 0.1),
    "extra-trees": (
        lambda: ExtraTreesRegressor(10, max_depth=10, random_state=SEED),
        "diabetes",
        0.0,
    ),
    "boosting-multiclass": (
        lambda: GradientBoostingClassifier(n_estimators=15, learning_rate=0.3, random_state=SEED),
        "wine",
        0.0,
    ),
    "boosting-regression": (
        lambda: GradientBoostingRegressor(n_estimators=20, learning_rate=0.2, random_state=SEED),
        "diabetes",
        0.0,
    ),
    "hist-binary-nan": (
        lambda: HistGradientBoostingClassifier(max_iter=20, random_state=SEED),
        "cancer",
        0.1,
    ),
    "hist-multiclass": (
        lambda: HistGradientBoostingClassifier(max_iter=10, random_state=SEED),
        "wine",
        0.05,
    ),
    "single-tree-nan": (
        lambda: DecisionTreeRegressor(max_depth=8, random_state=SEED),
        "diabetes",
        0.1,
    ),
    "stump": (lambda: DecisionTreeClassifier(max_depth=1, random_state=SEED), "cancer", 0.0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_engine_equals_shap_and_adds_up(case: str) -> None:
    make, data, nan = CASES[case]
    X, y = dataset(data, nan=nan)
    model = adapter(make().fit(X, y))
    assert model.info.explainer == ENGINE_NAME
    assert model.info.extra["explain_path"] == "engine"
    assert explainer_text(model.info) == ENGINE_NAME
    values, base = model.contributions(X)
    expected, expected_base = ForestShap(model.forest).contributions(X)
    np.testing.assert_allclose(values, expected, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(base, expected_base, atol=1e-6)
    assert_additive(model, X)
    one, _ = model.contributions_one(X[3])
    np.testing.assert_allclose(one[0], values[3], atol=1e-6)


def test_a_255_leaf_tree() -> None:
    X, y = dataset("diabetes", nan=0.05)
    tree = DecisionTreeRegressor(max_leaf_nodes=255, random_state=SEED).fit(X, y)
    assert tree.get_n_leaves() == 255
    model = adapter(tree)
    values, _ = model.contributions(X)
    expected, _ = ForestShap(model.forest).contributions(X)
    np.testing.assert_allclose(values, expected, atol=1e-4, rtol=1e-5)
    assert_additive(model, X)


def test_gradient_boosting_keeps_init_and_learning_rate() -> None:
    X, y = dataset("diabetes")
    gbr = GradientBoostingRegressor(n_estimators=5, learning_rate=0.05, random_state=SEED).fit(X, y)
    model = adapter(gbr)
    _, base = model.contributions(X[:2])
    # An almost-untrained model explains little: the base value sits near the init (the mean).
    assert abs(base[0] - y.mean()) < 0.25 * y.std()
    assert_additive(model, X)


def _hist_reference(est: object, X: np.ndarray, row: int) -> np.ndarray:
    """Brute-force SHAP of one row with sklearn's own encoding and its predictor's routing."""
    Xt = est._preprocessor.transform(X[row : row + 1])[0]
    known, f_idx_map = est._bin_mapper.make_known_categories_bitsets()
    enc = est._preprocessor.output_indices_["encoder"]
    origin = np.concatenate(
        [np.flatnonzero(est.is_categorical_), np.flatnonzero(~est.is_categorical_)]
    )
    assert enc.start == 0
    phi = np.zeros(X.shape[1])
    for predictor in (p[0] for p in est._predictors):
        nodes = predictor.nodes

        def goes_left(node: int, nodes: np.ndarray = nodes, predictor: object = predictor) -> bool:
            n = nodes[node]
            x = Xt[n["feature_idx"]]
            if np.isnan(x):
                return bool(n["missing_go_to_left"])
            if not n["is_categorical"]:
                return bool(x <= n["num_threshold"])
            code = int(x)
            if (predictor.raw_left_cat_bitsets[n["bitset_idx"], code // 32] >> (code % 32)) & 1:
                return True
            if (known[f_idx_map[n["feature_idx"]], code // 32] >> (code % 32)) & 1:
                return False
            return bool(n["missing_go_to_left"])

        leaf = nodes["is_leaf"].astype(bool)
        local = tree_shap(
            np.where(leaf, -1, nodes["left"].astype(np.int64)),
            np.where(leaf, -1, nodes["right"].astype(np.int64)),
            nodes["feature_idx"],
            nodes["count"].astype(np.float64),
            nodes["value"],
            goes_left,
            X.shape[1],
        )
        phi[origin] += local
    return phi


def test_hist_categorical_splits_exact_and_additive_with_odd_codes() -> None:
    X, y = dataset("diabetes", nan=0.05, cat=True)
    X = X[:, [0, 2, 3, 8, -1]]
    est = HistGradientBoostingRegressor(
        max_iter=8, max_depth=3, categorical_features=[4], random_state=SEED
    ).fit(X, y)
    model = adapter(est)
    assert model.forest.has_categorical and model.info.extra["explain_path"] == "engine"
    X = odd_codes(X)
    values, _ = model.contributions(X)
    for row in range(12):
        np.testing.assert_allclose(values[row, :, 0], _hist_reference(est, X, row), atol=1e-4)
    assert_additive(model, X)
    assert np.any(values[:, -1, 0] != 0)  # the category column really is used


def test_hist_multiclass_categorical_adds_up() -> None:
    X, y = dataset("wine", nan=0.05, cat=True)
    est = HistGradientBoostingClassifier(
        max_iter=10, categorical_features=[X.shape[1] - 1], random_state=SEED
    ).fit(X, y)
    model = adapter(est)
    assert model.output_names == ["0", "1", "2"]
    assert_additive(model, odd_codes(X))


def test_text_categories_cannot_be_expressed() -> None:
    pd = pytest.importorskip("pandas")
    X, y = dataset("diabetes")
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["kind"] = pd.Categorical(np.where(X[:, 1] > 0, "up", "down"))
    est = HistGradientBoostingRegressor(max_iter=5, random_state=SEED).fit(frame, y)
    with pytest.raises(UnsupportedTrees, match="text"):
        adapter(est)


def test_a_model_the_engine_refuses_keeps_shap_and_says_why(monkeypatch) -> None:
    from app.core.explain.engine.from_nodes import NotExpressible
    from app.core.explain.models import tree_engine

    def refuse(forest: object) -> None:
        raise NotExpressible("the test refuses it")

    monkeypatch.setattr(tree_engine, "TreeShapEngine", refuse)
    X, y = dataset("cancer")
    model = adapter(RandomForestClassifier(5, random_state=SEED).fit(X, y))
    assert model.engine is None
    assert model.info.explainer == SHAP_PATH
    assert model.info.extra["explain_path"] == "library"
    assert "refuses" in model.info.extra["engine_fallback"]
    assert (
        explainer_text(model.info) == f"{SHAP_PATH} (not the ShapLens engine: the test refuses it)"
    )
    assert_additive(model, X)
