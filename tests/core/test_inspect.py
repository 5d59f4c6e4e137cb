"""Model overview: tree shapes and importances match LightGBM's own answers; other models degrade."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.base.types import Task, Unit
from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo
from app.core.production.inspect import format_overview, inspect_model, overview_lines


@pytest.fixture(scope="module")
def model(sample_model_path):
    return load_model(sample_model_path)


def test_overview_matches_lightgbm(model, sample_model_path, sample_data_path) -> None:
    frame = pd.read_parquet(sample_data_path).iloc[:300]
    X = align(model, frame).X
    overview = inspect_model(model, X, shap_rows=300)  # every row: no sampling
    assert overview.framework == "LightGBM" and overview.task == "binary"
    assert overview.file_bytes == sample_model_path.stat().st_size
    nodes = model.booster.trees_to_dataframe()
    per_tree = nodes.groupby("tree_index")
    leaves = per_tree["left_child"].apply(lambda c: int(c.isna().sum()))
    depths = per_tree["node_depth"].max() - 1  # node_depth counts the root as 1
    trees = overview.trees
    assert trees.n_trees == model.booster.num_trees() == 300
    assert trees.leaves_total == leaves.sum() and trees.leaves_max == leaves.max()
    assert trees.depth_max == depths.max()
    assert trees.depth_mean == pytest.approx(depths.mean())
    split = model.booster.feature_importance("split")
    gain = model.booster.feature_importance("gain")
    assert [f.split_count for f in overview.features] == split.tolist()
    np.testing.assert_allclose([f.gain for f in overview.features], gain)
    values, _ = model.contributions(X)
    np.testing.assert_allclose(
        [f.mean_abs_shap for f in overview.features],
        np.abs(values).mean(axis=0)[:, 0],
        rtol=1e-5,
    )
    assert len(overview.categorical_features) == 8 and "sex" in overview.categorical_features
    assert overview.params["num_leaves"] == 31 and overview.key_params()["learning_rate"] == 0.05
    assert overview.memory_python_peak_bytes > 0 and overview.memory_rss_bytes is not None
    json.dumps(overview.to_dict())  # serialisable as is
    assert "Depth" in dict(overview_lines(overview))
    assert "mean |SHAP|" in format_overview(overview)


def test_a_feature_never_split_on_is_unused(tmp_path: Path) -> None:
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=400), "flat": np.ones(400)})
    y = (frame["x"] > 0).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5}
    path = tmp_path / "m.txt"
    lgb.train(params, lgb.Dataset(frame, label=y), 5).save_model(str(path))
    overview = inspect_model(load_model(path), measure_memory=False)
    assert overview.unused_features == ["flat"] and overview.used_features == ["x"]
    assert overview.memory_rss_bytes is None
    assert all(f.mean_abs_shap is None for f in overview.features)


class _Opaque(ModelAdapter):
    """A model without trees or a booster: the overview must still build."""

    def __init__(self) -> None:
        self.path = Path("nowhere.bin")
        self.features = [FeatureSpec("a"), FeatureSpec("b", ["x", "y"])]
        self.info = ModelInfo("Custom", Task.REGRESSION, Unit.TARGET, objective="l2")
        self.output_names = ["output"]

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        return X[:, :1] * 2.0

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.zeros((X.shape[0], 2, 1), np.float32)
        values[:, 0, 0] = X[:, 0] * 2.0
        return values, np.zeros(1)


def test_models_without_trees_degrade_gracefully() -> None:
    overview = inspect_model(_Opaque(), np.array([[1.0, 0.0], [-3.0, 1.0]]))
    assert overview.trees is None and overview.file_bytes == 0
    assert all(f.split_count is None and f.used is None for f in overview.features)
    assert overview.unused_features == [] and overview.categorical_features == ["b"]
    assert [f.mean_abs_shap for f in overview.features] == [4.0, 0.0]
    assert "Trees" not in dict(overview_lines(overview))
