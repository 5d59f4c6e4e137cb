"""`shaplens explain` works for every model family (one subprocess per family)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.core import model_fixtures as F


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("model", "data", "extra"),
    [
        (lambda: F.xgboost_file("multiclass"), lambda: F.data_file("multiclass"), []),
        (lambda: F.catboost_file("binary"), lambda: F.data_file("binary"), []),
        (
            lambda: F.sklearn_file("HistGradientBoosting", "regression"),
            lambda: F.data_file("regression", numeric=True),
            [],
        ),
        (lambda: F.lgbm_pickle("binary"), lambda: F.data_file("binary"), ["--trust-pickle"]),
    ],
)
def test_explain_every_family(tmp_path, model, data, extra) -> None:
    out = tmp_path / "values.parquet"
    result = run_cli(
        "explain", "--model", str(model()), "--data", str(data()), "--out", str(out), *extra
    )
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    frame = table.to_pandas()
    outputs = [o for o in frame.columns if o.startswith("raw_output")]
    for raw_column in outputs:
        suffix = raw_column[len("raw_output") :]
        prefix = f"shap{suffix}:" if suffix else "shap:"
        shap_columns = [c for c in frame.columns if c.startswith(prefix)]
        total = frame[shap_columns].sum(axis=1) + frame[f"base_value{suffix}"]
        scale = max(1.0, float(np.abs(frame[raw_column]).max()))
        np.testing.assert_allclose(total, frame[raw_column], atol=2e-5 * scale)
    if "multiclass" in str(model()):
        # the class as the model knows it, never a display string with a space
        assert "shap:1:alcohol" in frame.columns and "raw_output:2" in frame.columns
        classes = [c.split(":")[1] for c in frame.columns if c.count(":") >= 2]
        assert classes and not [c for c in classes if " " in c]


def test_untrusted_pickle_exits_2(tmp_path) -> None:
    out = tmp_path / "v.parquet"
    result = run_cli(
        "explain",
        "--model",
        str(F.lgbm_pickle("binary")),
        "--data",
        str(F.data_file("binary")),
        "--out",
        str(out),
    )
    assert result.returncode == 2 and "--trust-pickle" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
