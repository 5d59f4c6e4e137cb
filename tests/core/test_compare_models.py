"""Two model versions on the same data: identical models agree; a retrained one flips rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from app.core.base.types import Task
from app.core.data.model_io import load_model
from app.core.debugging.compare_rows import aligned_waterfalls
from app.core.production.compare_models import CompareError, compare_models, encode_label

LABEL = "income_gt_50k"


def train_small_model(sample_data_path: Path, out: Path, seed: int = 7, rounds: int = 25) -> Path:
    """A quick retrain of the sample on a few thousand rows (different seed, fewer trees)."""
    import lightgbm as lgb

    data = pd.read_parquet(sample_data_path)
    features = [c for c in data.columns if c not in {LABEL, "fnlwgt", "split"}]
    for column in features:
        if not pd.api.types.is_numeric_dtype(data[column]):
            data[column] = data[column].astype("category")  # full category lists, as the sample
    train = data.iloc[5000:9000]
    params = {"objective": "binary", "num_leaves": 15, "seed": seed, "verbose": -1}
    params |= {"num_threads": 1, "deterministic": True, "learning_rate": 0.1}
    booster = lgb.train(params, lgb.Dataset(train[features], label=train[LABEL]), rounds)
    booster.save_model(str(out))
    return out


@pytest.fixture(scope="module")
def frame(sample_data_path) -> pd.DataFrame:
    return pd.read_parquet(sample_data_path).iloc[:2000].reset_index(drop=True)


@pytest.fixture(scope="module")
def model_a(sample_model_path):
    return load_model(sample_model_path)


@pytest.fixture(scope="module")
def model_b(sample_data_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("retrained") / "small.txt"
    return load_model(train_small_model(sample_data_path, path))


def test_identical_models_show_no_flips(model_a, sample_model_path, frame) -> None:
    twin = load_model(sample_model_path)
    result = compare_models(model_a, twin, frame, shap_rows=200, sensitive="sex")
    assert result.flipped_rows.size == 0
    assert np.array_equal(result.prediction_a, result.prediction_b)
    assert {m.name for m in result.metrics} == {"accuracy", "AUC", "log-loss", "Brier"}
    assert all(m.delta == 0 for m in result.metrics)
    assert all(f.mean_abs_change == 0 for f in result.features)
    assert {g.group for g in result.groups} == {"Male", "Female"}
    assert sum(g.n for g in result.groups) == len(frame)


def test_retrained_model_flips_rows_and_metrics_match_sklearn(model_a, model_b, frame) -> None:
    result = compare_models(model_a, model_b, frame, shap_rows=300, sensitive="sex")
    y = frame[LABEL].to_numpy()
    p_a = model_a.raw_to_prediction(model_a.predict_raw(_x(model_a, frame)))[:, 0]
    p_b = model_b.raw_to_prediction(model_b.predict_raw(_x(model_b, frame)))[:, 0]
    expected = np.flatnonzero((p_a >= 0.5) != (p_b >= 0.5))
    assert expected.size > 0
    assert np.array_equal(result.flipped_rows, expected)
    by_name = {m.name: m for m in result.metrics}
    assert by_name["AUC"].a == pytest.approx(skm.roc_auc_score(y, p_a))
    assert by_name["AUC"].b == pytest.approx(skm.roc_auc_score(y, p_b))
    assert by_name["log-loss"].b == pytest.approx(skm.log_loss(y, p_b))
    # Groups: flips add up, and the group metrics are the metrics of that subset.
    assert sum(g.flips for g in result.groups) == expected.size
    female = next(g for g in result.groups if g.group == "Female")
    rows = (frame["sex"] == "Female").to_numpy()
    auc_f = {m.name: m for m in female.metrics}["AUC"].a
    assert auc_f == pytest.approx(skm.roc_auc_score(y[rows], p_a[rows]))
    # Attribution changed and is sorted largest first.
    changes = [f.mean_abs_change for f in result.features]
    assert changes == sorted(changes, reverse=True) and changes[0] > 0
    table = result.changed_rows_frame(frame, n=10)
    assert set(table["row"]) <= set(expected.tolist()) and len(table) == min(10, expected.size)
    assert result.to_dict()["flips"] == expected.size


def _x(model, frame):
    from app.core.data.align import align

    return align(model, frame).X


def test_label_encoding_and_task_mismatch() -> None:
    y = encode_label(pd.Series(["no", "yes", None, "yes"]), Task.BINARY, 1)
    assert np.array_equal(y[[0, 1, 3]], [0.0, 1.0, 1.0]) and np.isnan(y[2])
    with pytest.raises(CompareError, match="distinct values"):
        encode_label(pd.Series(["a", "b", "c"]), Task.BINARY, 1)


def test_missing_sensitive_column_is_a_clear_error(model_a, frame) -> None:
    with pytest.raises(CompareError, match="not in the dataset"):
        compare_models(model_a, model_a, frame, sensitive="nope")


def test_latency_percentiles_for_both_models_are_ordered_and_serialised(
    model_a, model_b, frame
) -> None:
    result = compare_models(model_a, model_b, frame.iloc[:400], shap_rows=50, latency_calls=120)
    table = result.latency_table()
    assert [name for name, _, _ in table] == ["p50", "p90", "p99", "max"]
    for column in (1, 2):
        values = [row[column] for row in table]
        assert all(v > 0 for v in values) and values == sorted(values)
    assert result.latency_a.calls > 0 and result.latency_b.calls > 0
    latency = result.to_dict()["latency_ms"]
    assert latency["p99"] == {"a": table[2][1], "b": table[2][2]}
    assert latency["calls"] == [result.latency_a.calls, result.latency_b.calls]
    skipped = compare_models(model_a, model_b, frame.iloc[:100], shap_rows=20, latency_calls=0)
    assert skipped.latency_table() == [] and skipped.latency_a is None


def test_aligned_waterfalls_share_a_order_and_end_at_each_raw_output(
    model_a, model_b, frame
) -> None:
    row = 17
    wf_a, wf_b = aligned_waterfalls(model_a, model_b, frame, row, top=6)
    for model, wf in ((model_a, wf_a), (model_b, wf_b)):
        raw = model.predict_raw(_x(model, frame.iloc[[row]]))[0, 0]
        assert wf.output_value == pytest.approx(raw, abs=1e-4)
        assert wf.row == row and len(wf.steps) == 7  # six features + "7 other features"
    assert [s.label for s in wf_a.steps] == [s.label for s in wf_b.steps]
    # The order is A's: largest |SHAP| of model A on top (drawn last).
    shown_a = [abs(s.shap) for s in wf_a.steps if s.feature is not None]
    assert shown_a == sorted(shown_a)
    assert wf_a.steps[0].label == "7 other features"
    top = wf_a.steps[-1]
    assert top.label.startswith(f"{top.feature} = {frame[top.feature].iloc[row]}")
    assert wf_a.steps[-1].feature == wf_b.steps[-1].feature
    assert wf_a.prediction_text.startswith("P(positive class)")
