"""The pieces of the Dask engine that need no cluster: mergeable histograms, the bottom-k sample,
partition planning, metric sums, and the message when Dask is not installed."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.base.errors import DataLoadError
from app.core.explain.distributed import DaskNotInstalledError, require_dask
from app.core.explain.distributed.dask_explain import parquet_files, plan_pieces
from app.core.explain.distributed.histogram import Axis, Histogram2D
from app.core.explain.distributed.summary import bottom_k

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
# Found by hypothesis: subnormal values once made partitions choose grids that do not nest.
@example(pairs=[(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (5e-324, 0.0)], n_parts=2, seed=0)
@example(pairs=[(0.0, 0.0), (63.0, 0.0), (0.0, 0.0), (0.0, 0.0), (-5e-324, 0.0)], n_parts=2, seed=0)
@given(
    st.lists(st.tuples(finite, finite), min_size=2, max_size=200),
    st.integers(1, 5),
    st.integers(0, 2**31),
)
def test_merged_histogram_equals_the_histogram_of_all_rows(pairs, n_parts, seed) -> None:
    data = np.array(pairs, dtype=np.float64)
    rng = np.random.default_rng(seed)
    data[rng.random(len(data)) < 0.1, 0] = np.nan  # some missing feature values
    cuts = np.sort(rng.integers(0, len(data), size=n_parts - 1))
    parts = [Histogram2D.build(p[:, 0], p[:, 1]) for p in np.split(data, cuts) if len(p)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = Histogram2D.build(data[:, 0], data[:, 1])
    # The whole-data grid is the finest that fits, so it regrids exactly onto the merged one.
    assert whole.x.exp <= merged.x.exp and whole.y.exp <= merged.y.exp
    expected = whole.regrid(merged.x, merged.y)
    np.testing.assert_array_equal(merged.counts, expected.counts)
    np.testing.assert_array_equal(merged.missing, expected.missing)
    assert merged.total == len(data)
    assert merged.x.n <= merged.x.max_bins and merged.y.n <= merged.y.max_bins


def test_every_value_falls_inside_its_bin() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(40, 12, 5_000)
    shap = rng.normal(0, 0.3, 5_000)
    hist = Histogram2D.build(x, shap)
    xe, ye = hist.x.edges(), hist.y.edges()
    assert xe[0] <= x.min() and x.max() < xe[-1]
    assert ye[0] <= shap.min() and shap.max() < ye[-1]
    own, _, _ = np.histogram2d(x, shap, bins=[xe, ye])
    np.testing.assert_array_equal(hist.counts, own)


def test_categorical_axis_keeps_one_bin_per_category_through_merges() -> None:
    n_categories = 200  # more than MAX_BINS: a numeric axis would be coarsened
    a = Histogram2D.build(np.arange(100.0), np.zeros(100), n_categories)
    b = Histogram2D.build(np.arange(100.0, 200.0), np.linspace(-5, 5, 100), n_categories)
    merged = a.merge(b)
    assert merged.x.n == n_categories
    np.testing.assert_array_equal(merged.counts.sum(axis=1), np.ones(n_categories))
    # A code outside the model's categories (unseen) counts as missing, not as a category.
    c = Histogram2D.build(np.array([0.0, 250.0, np.nan]), np.zeros(3), n_categories)
    assert c.missing.sum() == 2 and c.counts.sum() == 1


def test_constant_and_empty_columns_give_one_bin() -> None:
    hist = Histogram2D.build(np.full(10, 3.0), np.zeros(10))
    assert hist.x.n == 1 and hist.y.n == 1 and hist.total == 10
    empty = Histogram2D.build(np.zeros(0), np.zeros(0))
    assert empty.total == 0
    merged = empty.merge(hist)
    assert merged.total == 10


def test_axis_union_is_symmetric_and_covers_both() -> None:
    a, b = Axis.fit(-3.0, 1.0), Axis.fit(100.0, 1e4)
    assert a.union(b) == b.union(a)
    edges = a.union(b).edges()
    assert edges[0] <= -3.0 and edges[-1] > 1e4


def test_bottom_k_of_parts_equals_bottom_k_of_whole() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "_priority": rng.random(1_000),
            "_stratum": rng.choice(["a", "b", "c"], 1_000, p=[0.8, 0.15, 0.05]),
            "row": np.arange(1_000),
        }
    )
    whole = bottom_k(frame, 20)
    parts = [bottom_k(frame.iloc[i : i + 250], 20) for i in range(0, 1_000, 250)]
    merged = bottom_k(pd.concat(parts, ignore_index=True), 20)
    assert sorted(whole["row"]) == sorted(merged["row"])
    assert merged.groupby("_stratum").size().to_dict() == {"a": 20, "b": 20, "c": 20}


def test_large_files_split_along_row_groups(tmp_path) -> None:
    frame = pd.DataFrame({"x": np.arange(5_000)})
    frame.to_parquet(tmp_path / "big.parquet", row_group_size=1_000)
    frame.iloc[:10].to_parquet(tmp_path / "small.parquet")
    pieces = plan_pieces(parquet_files(tmp_path / "*.parquet"), target_rows=2_000)
    assert [p.rows for p in pieces] == [2_000, 2_000, 1_000, 10]
    assert [p.row_groups for p in pieces] == [(0, 1), (2, 3), (4,), None]
    assert [p.index for p in pieces] == [0, 1, 2, 3]
    assert "big.parquet, row groups 2–3" in pieces[1].describe()


def test_missing_data_is_a_load_error(tmp_path) -> None:
    with pytest.raises(DataLoadError, match=r"No Parquet files match"):
        parquet_files(tmp_path / "*.parquet")
    with pytest.raises(DataLoadError, match="not found"):
        parquet_files(tmp_path / "nothing.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataLoadError, match=r"broken\.parquet is not a readable Parquet file"):
        plan_pieces(parquet_files(tmp_path))


def test_missing_dask_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import now raises ImportError
    with pytest.raises(DaskNotInstalledError, match=r"pip install 'shaplens\[dask\]'"):
        require_dask()


def test_one_partition_without_a_cluster(tmp_path, sample_model_path, sample_data_path) -> None:
    """explain_piece is a plain function: values, written part, partial and empty files."""
    from app.core.data.align import align
    from app.core.data.model_io import load_model
    from app.core.explain.distributed.partition import ModelRef, Piece, TaskSettings, explain_piece

    frame = pd.read_parquet(sample_data_path).iloc[:300]
    payload = sample_model_path.read_bytes()
    ref = ModelRef.of(payload, sample_model_path.name)
    settings = TaskSettings(str(tmp_path), None, None, {"shaplens.unit": "log-odds"}, 50)
    result = explain_piece(frame, Piece(4, "a.parquet", None, 300), ref, payload, settings)
    model = load_model(sample_model_path)
    values, _ = model.contributions(align(model, frame).X)
    written = pd.read_parquet(tmp_path / "part-00004.parquet")
    np.testing.assert_array_equal(written["shap:age"], values[:, 0, 0])
    assert written["partition"].unique().tolist() == [4] and written["row"].tolist() == list(
        range(300)
    )
    assert result.rows == 300 and result.label_column == "income_gt_50k"
    assert result.partial.metric_sums["n"] == 300
    assert sum(result.partial.strata_counts.values()) == 300
    assert len(result.partial.sample) == sum(
        min(c, 25) for c in result.partial.strata_counts.values()
    )
    empty = explain_piece(frame.iloc[:0], Piece(5, "b.parquet", None, 0), ref, payload, settings)
    assert empty.rows == 0 and empty.partial.histograms[0][0].total == 0
    assert len(pd.read_parquet(tmp_path / "part-00005.parquet")) == 0
    merged = result.partial.merge(empty.partial)
    assert merged.n_rows == 300 and merged.histograms[0][0].total == 300
