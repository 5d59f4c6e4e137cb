"""The Dask engine on a LocalCluster of 2 workers on loopback: same values as the local engine,
a failing partition named and nothing published, cancel stops every worker, and the explained
store pages rows and finds a row by key."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from app.core.base.errors import Cancelled
from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain.chunked import explain_all
from app.core.explain.distributed import DistributedExplainError
from app.core.explain.distributed.cluster import dask_client
from app.core.explain.distributed.dask_explain import explain_dask, plan_run
from app.core.explain.distributed.explained_store import open_explained
from app.core.explain.distributed.table import shap_columns

pytest.importorskip("distributed")

ROWS_PER_FILE = 3_000


def train_small_model(sample_data_path: Path, path: Path) -> Path:
    """A LightGBM binary model on the adult sample (categoricals included), fast and seeded."""
    import lightgbm as lgb

    frame = pd.read_parquet(sample_data_path).iloc[:8_000]
    X = frame.drop(columns=["income_gt_50k", "fnlwgt", "split"])
    for column in X.columns:
        if X[column].dtype == object or str(X[column].dtype) == "str":
            X[column] = X[column].astype("category")
    params = {
        "objective": "binary",
        "num_leaves": 15,
        "learning_rate": 0.2,
        "seed": 7,
        "deterministic": True,
        "num_threads": 1,
        "verbose": -1,
    }
    booster = lgb.train(params, lgb.Dataset(X, frame["income_gt_50k"]), num_boost_round=25)
    booster.save_model(str(path))
    return path


def write_parts(sample_data_path: Path, folder: Path, n_files: int = 3) -> pd.DataFrame:
    """Rows 10,000.. of the sample as Parquet files (row groups of 1,000) and their concatenation."""
    frame = pd.read_parquet(sample_data_path).iloc[10_000 : 10_000 + n_files * ROWS_PER_FILE]
    frame = frame.reset_index(drop=True).assign(id=lambda f: [f"r{i:06d}" for i in range(len(f))])
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        part = frame.iloc[i * ROWS_PER_FILE : (i + 1) * ROWS_PER_FILE]
        part.to_parquet(folder / f"part{i}.parquet", row_group_size=1_000)
    return frame


@pytest.fixture(scope="module")
def client():
    with dask_client(local_workers=2) as client:  # closed (workers stopped) after the module
        yield client


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, sample_data_path) -> Path:
    return train_small_model(sample_data_path, tmp_path_factory.mktemp("m") / "small.txt")


@pytest.fixture(scope="module")
def explained(client, model_path, sample_data_path, tmp_path_factory):
    """One run over 3 files (9,000 rows), the first file split into row-group partitions."""
    root = tmp_path_factory.mktemp("run")
    frame = write_parts(sample_data_path, root / "data")
    plan = plan_run(
        model_path, root / "data" / "*.parquet", root / "values", key="id", partition_rows=2_000
    )
    out = explain_dask(client, plan)
    return frame, out


def test_values_equal_the_local_engine_row_for_row(explained, model_path) -> None:
    frame, out = explained
    model = load_model(model_path)
    local = explain_all(model, align(model, frame).X)
    store = open_explained(out)
    assert store.n_rows == len(frame) == 9_000
    assert len(store.manifest["parts"]) == 6  # each 3,000-row file → 2,000 + 1,000 rows
    rows = store.read_rows(0, store.n_rows)
    columns = shap_columns(model.feature_names, model.output_names)
    np.testing.assert_array_equal(rows[columns].to_numpy(np.float32), local.values[:, :, 0])
    np.testing.assert_allclose(rows["raw_output"], local.raw_output[:, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(rows["base_value"], local.base_values[0])
    assert rows["id"].tolist() == frame["id"].tolist()


def test_summary_is_exact_over_all_rows(explained, model_path) -> None:
    frame, out = explained
    model = load_model(model_path)
    aligned = align(model, frame)
    local = explain_all(model, aligned.X)
    store = open_explained(out)
    np.testing.assert_allclose(
        store.summary.mean_abs, np.abs(local.values).mean(axis=0, dtype=np.float64), rtol=1e-9
    )
    ranked = store.importance()
    assert ranked.rows_covered == ranked.rows_total == 9_000 and not ranked.partial
    assert list(ranked.mean_abs) == sorted(ranked.mean_abs, reverse=True)
    age = store.histogram("age")
    assert age.total == 9_000
    xe, ye = age.x.edges(), age.y.edges()
    j = model.feature_names.index("age")
    own, _, _ = np.histogram2d(aligned.X[:, j], local.values[:, j, 0], bins=[xe, ye])
    np.testing.assert_array_equal(age.counts, own)
    probability = 1 / (1 + np.exp(-local.raw_output[:, 0]))
    label = frame["income_gt_50k"].to_numpy()
    metrics = store.metrics
    assert metrics["label"] == "income_gt_50k" and metrics["n"] == 9_000
    assert metrics["accuracy"] == pytest.approx(((probability >= 0.5) == (label == 1)).mean())
    p = np.clip(probability, 1e-15, 1 - 1e-15)
    loss = -(label * np.log(p) + (1 - label) * np.log(1 - p)).mean()
    assert metrics["log_loss"] == pytest.approx(loss)
    sample = store.sample
    assert set(sample["stratum"]) == {"0", "1"}
    # Strata are sampled equally; weights restore the population: they sum to every row.
    assert sample["weight"].sum() == pytest.approx(9_000)
    index = [
        store._starts[store._by_partition[p]] + r
        for p, r in zip(sample.partition, sample.row, strict=True)
    ]
    np.testing.assert_array_equal(sample["shap:age"].to_numpy(), local.values[index, j, 0])


def test_store_pages_rows_and_reads_a_row_by_key(explained, model_path) -> None:
    frame, out = explained
    store = open_explained(out)
    page = store.read_rows(1_950, 2_050)  # crosses a partition boundary inside file 0
    assert list(page.index) == list(range(1_950, 2_050))
    assert page["id"].tolist() == frame["id"].iloc[1_950:2_050].tolist()
    assert store.read_rows(8_990, 10_000).index[-1] == 8_999  # clipped at the end
    everything = store.read_rows(0, store.n_rows)
    columns = store.shap_columns
    by_pair = store.row_values((1, 5))  # partition 1 starts at row 2,000
    np.testing.assert_array_equal(by_pair[:, 0], everything[columns].iloc[2_005].to_numpy())
    by_key = store.row_values("r004321")
    np.testing.assert_array_equal(by_key[:, 0], everything[columns].iloc[4_321].to_numpy())
    assert store.key_at(4_321) == "r004321"
    one = store.row_explanation("r004321")
    assert one.rows.tolist() == [4_321] and one.additivity_error() < 1e-4
    with pytest.raises(KeyError):
        store.row_values("nope")
    with pytest.raises(KeyError):
        store.row_values(12345)  # the key column holds text
    with pytest.raises(KeyError):
        store.row_values((99, 0))


def test_a_failing_partition_is_named_and_nothing_is_published(
    client, model_path, sample_data_path, tmp_path
) -> None:
    write_parts(sample_data_path, tmp_path / "data")
    bad = pd.read_parquet(tmp_path / "data" / "part1.parquet")
    bad["age"] = bad["age"].astype(str)
    bad.loc[bad.index[10], "age"] = "forty"
    bad.to_parquet(tmp_path / "data" / "part1.parquet")
    out = tmp_path / "values"
    with pytest.raises(DistributedExplainError) as raised:
        explain_dask(client, plan_run(model_path, tmp_path / "data" / "*.parquet", out))
    message = str(raised.value)
    assert "partition 1 (part1.parquet)" in message and "'forty'" in message and "age" in message
    assert not out.exists()
    assert list(tmp_path.glob(".values*")) == []  # the temporary folder is gone too


def test_cancel_stops_the_run_and_every_worker(model_path, sample_data_path, tmp_path) -> None:
    write_parts(sample_data_path, tmp_path / "data", n_files=6)
    out = tmp_path / "values"
    seen: list[int] = []
    with pytest.raises(Cancelled), dask_client(local_workers=2) as own:
        workers = list(own.run(os.getpid).values())
        explain_dask(
            own,
            plan_run(model_path, tmp_path / "data", out, partition_rows=500),
            on_progress=lambda p: seen.append(p.partitions_done),
            should_stop=lambda: bool(seen),  # stop once the first partition is in
        )
    assert len(workers) == 2 and seen
    assert not any(psutil.pid_exists(pid) for pid in workers)
    assert not out.exists() and list(tmp_path.glob(".values*")) == []


def test_a_stop_during_the_last_partition_publishes_nothing(
    client, model_path, sample_data_path, tmp_path
) -> None:
    write_parts(sample_data_path, tmp_path / "data", n_files=2)
    out = tmp_path / "values"
    stop: list[bool] = []

    def on_progress(progress) -> None:  # the stop arrives as the last result comes in
        if progress.partitions_done == progress.partitions_total:
            stop.append(True)

    with pytest.raises(Cancelled):
        explain_dask(
            client,
            plan_run(model_path, tmp_path / "data", out),
            on_progress=on_progress,
            should_stop=lambda: bool(stop),
        )
    assert stop and not out.exists() and list(tmp_path.glob(".values*")) == []


def test_a_second_run_replaces_an_earlier_result_but_not_other_files(
    client, model_path, sample_data_path, tmp_path
) -> None:
    write_parts(sample_data_path, tmp_path / "data", n_files=1)
    out = tmp_path / "values"
    explain_dask(client, plan_run(model_path, tmp_path / "data", out))
    first = open_explained(out).manifest["created"]
    explain_dask(client, plan_run(model_path, tmp_path / "data", out))
    assert open_explained(out).manifest["created"] >= first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "values"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(DistributedExplainError, match="already holds other files"):
        plan_run(model_path, tmp_path / "data", other)
    assert (other / "notes.txt").read_text() == "keep me"
