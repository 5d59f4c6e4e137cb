"""`shaplens audit` on the Adult sample: printed report, JSON schema and values, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
    )


def test_audit_writes_json(tmp_path, sample_model_path, sample_data_path) -> None:
    out = tmp_path / "audit.json"
    result = run_cli(
        "audit", "--model", str(sample_model_path), "--data", str(sample_data_path),
        "--label", "income_gt_50k", "--sensitive", "sex", "age", "--threshold", "0.4",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "By sex:" in result.stdout and "four-fifths ratio" in result.stdout
    assert "Worst slices by error rate:" in result.stdout
    audit = json.loads(out.read_text())
    assert audit["schema_version"] == 1 and audit["task"] == "binary"
    assert audit["label"] == "income_gt_50k" and audit["sensitive"] == ["sex", "age"]
    assert audit["rows"] == 48842 and audit["threshold"] == 0.4
    cm = audit["confusion_matrix"]
    assert sum(map(sum, cm)) == 48842
    assert audit["overall"]["accuracy"] == pytest.approx((cm[0][0] + cm[1][1]) / 48842)
    by_sex = {g["group"]: g for g in audit["fairness"][0]["groups"]}
    assert by_sex["Female"]["base_rate"] == pytest.approx(0.109, abs=5e-4)
    assert by_sex["Male"]["base_rate"] == pytest.approx(0.304, abs=5e-4)
    sex = audit["fairness"][0]
    rates = [g["selection_rate"] for g in sex["groups"]]
    assert sex["demographic_parity_difference"] == pytest.approx(max(rates) - min(rates))
    assert sex["four_fifths_ratio"] == pytest.approx(min(rates) / max(rates))
    assert len(audit["fairness"][1]["groups"]) == 4  # age in quantile bins
    slices = audit["error_slices"]
    assert len(slices) == 20
    assert {"description", "expression", "count", "rate", "lift", "unreliable"} <= set(slices[0])
    assert slices[0]["rate"] >= slices[1]["rate"]


def test_audit_suggests_sensitive_columns(tmp_path, sample_model_path) -> None:
    # no --sensitive: columns are suggested from their names
    frame = pd.read_parquet(sample_model_path.parent / "adult.parquet").iloc[:3000]
    small = tmp_path / "small.parquet"
    frame.to_parquet(small)
    out = tmp_path / "a.json"
    result = run_cli(
        "audit", "--model", str(sample_model_path), "--data", str(small), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    audit = json.loads(out.read_text())
    assert {"sex", "race", "age"} <= set(audit["sensitive"])
    assert "income_gt_50k" not in audit["sensitive"]


def test_audit_bad_input_exits_2(tmp_path, sample_model_path, sample_data_path) -> None:
    result = run_cli(
        "audit", "--model", str(sample_model_path), "--data", str(sample_data_path),
        "--sensitive", "gender",
    )  # fmt: skip
    assert result.returncode == 2
    assert "no column named gender" in result.stderr
    frame = pd.read_parquet(sample_data_path).iloc[:200].drop(columns=["income_gt_50k"])
    nolabel = tmp_path / "nolabel.parquet"
    frame.to_parquet(nolabel)
    result = run_cli("audit", "--model", str(sample_model_path), "--data", str(nolabel))
    assert result.returncode == 2 and "--label" in result.stderr


class _Stub:
    """Just what build_audit reads from a model adapter."""

    def __init__(self, task, n_outputs: int) -> None:
        from app.core.explain.models.base import FeatureSpec

        self.task, self.n_outputs = task, n_outputs
        self.features = [FeatureSpec("x"), FeatureSpec("group")]
        self.feature_names = ["x", "group"]


def test_build_audit_regression_and_multiclass() -> None:
    import numpy as np

    from app.commands.audit import build_audit
    from app.core.base.types import Task

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=600), "group": rng.choice(["a", "b"], 600)})
    y = frame.x * 2 + rng.normal(size=600)
    pred = (frame.x * 2).to_numpy()[:, None]
    reg = build_audit(_Stub(Task.REGRESSION, 1), frame, y.to_numpy(), pred, ["group"])
    assert reg["confusion_matrix"] is None and reg["threshold"] is None
    assert reg["overall"]["mae"] == pytest.approx(np.mean(np.abs(y - pred[:, 0])))
    assert {g["group"] for g in reg["fairness"][0]["groups"]} == {"a", "b"}
    assert reg["error_slices"] and "rate" in reg["error_slices"][0]
    proba = rng.dirichlet([1, 1, 1], size=600)
    labels = rng.integers(0, 3, 600)
    multi = build_audit(_Stub(Task.MULTICLASS, 3), frame, labels, proba, ["group"], positive=2)
    assert np.array(multi["confusion_matrix"]).shape == (3, 3)
    selected = (proba.argmax(1) == 2).mean()
    groups = multi["fairness"][0]["groups"]
    total = sum(g["selection_rate"] * g["count"] for g in groups) / 600
    assert total == pytest.approx(selected)
    json.dumps(multi, allow_nan=False)  # valid JSON: no NaN anywhere
