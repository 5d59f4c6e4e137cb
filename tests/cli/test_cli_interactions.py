"""`shaplens interactions`: the Parquet it writes, and bad --rows / models refused with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from app.cli import main
from app.commands import interactions as verb
from app.core.data.model_io import load_model


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path):
    path = tmp_path_factory.mktemp("ix") / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:120].to_parquet(path)
    return path


def test_writes_every_ordered_pair_with_unit(tmp_path, sample_model_path, small) -> None:
    out = tmp_path / "ix.parquet"
    result = run_cli(
        "interactions", "--model", str(sample_model_path), "--data", str(small),
        "--rows", "10-19,3,12", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    meta = table.schema.metadata
    assert meta[b"shaplens.unit"] == b"log-odds" and meta[b"shaplens.kind"] == b"interactions"
    assert json.loads(meta[b"shaplens.outputs"]) == ["positive class"]
    frame = table.to_pandas()
    assert frame["row"].tolist() == [*range(10, 20), 3]  # order given, 12 once
    features = load_model(sample_model_path).feature_names
    ix = [c for c in frame.columns if c.startswith("ix:")]
    assert ix == [f"ix:{a}:{b}" for a in features for b in features]
    assert "ix:age:marital_status" in ix and "ix:age:age" in ix
    np.testing.assert_array_equal(frame["ix:age:marital_status"], frame["ix:marital_status:age"])
    explain_out = tmp_path / "shap.parquet"
    assert run_cli(
        "explain", "--model", str(sample_model_path), "--data", str(small),
        "--out", str(explain_out),
    ).returncode == 0  # fmt: skip
    shap = pd.read_parquet(explain_out).set_index("row").loc[frame["row"]]
    for a in ("age", "relationship"):
        row_sum = frame[[f"ix:{a}:{b}" for b in features]].sum(axis=1).to_numpy()
        np.testing.assert_allclose(row_sum, shap[f"shap:{a}"].to_numpy(), atol=1e-5)


def test_multiclass_columns_name_the_class(tmp_path) -> None:
    from tests.core import model_fixtures as fx

    out = tmp_path / "ix.parquet"
    code = main([
        "interactions", "--model", str(fx.xgboost_file("multiclass")),
        "--data", str(fx.data_file("multiclass")), "--rows", "0-4", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    table = pq.read_table(out)
    classes = json.loads(table.schema.metadata[b"shaplens.outputs"])
    assert len(classes) == 3
    names = table.column_names
    m = len(load_model(fx.xgboost_file("multiclass")).features)
    assert len(names) == 1 + 3 * m * m
    assert names[1].startswith(f"ix:{classes[0]}:") and names[-1].startswith(f"ix:{classes[2]}:")


@pytest.mark.parametrize("rows", ["5-3", "1,x", "0-120", "-1", ","])
def test_bad_rows_refused_with_one_line(tmp_path, sample_model_path, small, rows) -> None:
    out = tmp_path / "ix.parquet"
    result = run_cli(
        "interactions", "--model", str(sample_model_path), "--data", str(small),
        f"--rows={rows}", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: --rows") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_model_outside_the_engine_gives_an_error_line(tmp_path, capsys) -> None:
    from tests.core import model_fixtures as fx

    out = tmp_path / "ix.parquet"
    code = main([
        "interactions", "--model", str(fx.catboost_file("binary")),
        "--data", str(fx.data_file("binary")), "--out", str(out),
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: Interaction values need") and "CatBoost" in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_large_output_warns_with_size_first(tmp_path, sample_model_path, small, capsys,
                                            monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr(verb, "WARN_BYTES", 1000)
    out = tmp_path / "ix.parquet"
    code = main([
        "interactions", "--model", str(sample_model_path), "--data", str(small),
        "--out", str(out),
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "GB of output" in err and "--rows" in err
    assert pq.read_metadata(out).num_rows == 120
    capsys.readouterr()
    assert main([
        "interactions", "--model", str(sample_model_path), "--data", str(small),
        "--rows", "0-9", "--out", str(out),
    ]) == 0  # fmt: skip
    assert "GB of output" not in capsys.readouterr().err  # --rows given: the user chose


def test_interrupt_leaves_nothing_half_written(tmp_path, sample_model_path, small,
                                               monkeypatch) -> None:  # fmt: skip
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(verb, "_chunk_table", interrupted)
    out = tmp_path / "ix.parquet"
    code = main([
        "interactions", "--model", str(sample_model_path), "--data", str(small),
        "--out", str(out),
    ])  # fmt: skip
    assert code == 130  # the project's Ctrl+C status, after one "error: interrupted" line
    assert not list(tmp_path.iterdir())
