"""`shaplens explain` on the sample, and bad input giving exit status 2."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
    )


def test_explain_writes_values_with_unit(tmp_path, sample_model_path, sample_data_path) -> None:
    small = tmp_path / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:500].to_parquet(small)
    out = tmp_path / "values.parquet"
    result = run_cli(
        "explain", "--model", str(sample_model_path), "--data", str(small), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.schema.metadata[b"shaplens.unit"] == b"log-odds"
    frame = table.to_pandas()
    assert len(frame) == 500
    shap_columns = [c for c in frame.columns if c.startswith("shap:")]
    assert "shap:age" in shap_columns and len(shap_columns) == 13
    total = frame[shap_columns].sum(axis=1) + frame["base_value"]
    np.testing.assert_allclose(total, frame["raw_output"], atol=2e-5)


def test_bad_model_file_exits_2_with_one_line(tmp_path, sample_data_path) -> None:
    bogus = tmp_path / "model.txt"
    bogus.write_text("this is not a model\n")
    out = tmp_path / "v.parquet"
    result = run_cli(
        "explain", "--model", str(bogus), "--data", str(sample_data_path), "--out", str(out)
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "model.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
