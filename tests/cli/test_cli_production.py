"""The production verbs end to end: inspect, latency, drift and compare, run in-process."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from tests.core.test_compare_models import train_small_model


@pytest.fixture(scope="module")
def small_data(sample_data_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    frame = pd.read_parquet(sample_data_path).iloc[:1200].reset_index(drop=True)
    path = folder / "small.parquet"
    frame.to_parquet(path)
    shifted = frame.copy()
    shifted["age"] = shifted["age"] + frame["age"].std()
    shifted_path = folder / "shifted.parquet"
    shifted.to_parquet(shifted_path)
    return path, shifted_path


def test_inspect_json(sample_model_path, small_data, capsys) -> None:
    code = main(["inspect", "--model", str(sample_model_path), "--data", str(small_data[0]),
                 "--json", "--shap-rows", "200", "--no-memory"])  # fmt: skip
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["trees"]["n_trees"] == 300 and len(payload["features"]) == 13
    assert all(f["mean_abs_shap"] > 0 for f in payload["features"])
    assert payload["memory_rss_bytes"] is None


def test_inspect_text_without_data(sample_model_path, capsys) -> None:
    assert main(["inspect", "--model", str(sample_model_path), "--no-memory"]) == 0
    out = capsys.readouterr().out
    assert "LightGBM" in out and "Depth" in out and "splits" in out


def test_drift_finds_the_shift_and_writes_json(
    sample_model_path, small_data, tmp_path, capsys
) -> None:
    out = tmp_path / "drift.json"
    code = main(["drift", "--model", str(sample_model_path), "--reference", str(small_data[0]),
                 "--current", str(small_data[1]), "--out", str(out), "--shap-rows", "200"])  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    first_row = table.split("\n")[4]
    assert first_row.startswith("age")
    payload = json.loads(out.read_text())
    assert payload["features"][0]["name"] == "age" and payload["features"][0]["psi"] > 0.25


def test_latency_json_and_budget_exit_codes(sample_model_path, small_data, capsys) -> None:
    base = ["latency", "--model", str(sample_model_path), "--data", str(small_data[0]),
            "--seconds", "1", "--no-explain", "--json"]  # fmt: skip
    assert main([*base, "--budget", "p50 < 100 s"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["budget_met"] is True and payload["predict_one"]["p50"] > 0
    assert payload["explain_one"] is None
    assert main([*base, "--budget", "p50 < 1 us"]) == 1  # missed: CI can fail on it
    assert json.loads(capsys.readouterr().out)["budget_met"] is False


def test_latency_bad_budget_is_exit_2(sample_model_path, small_data, capsys) -> None:
    code = main(["latency", "--model", str(sample_model_path), "--data", str(small_data[0]),
                 "--budget", "quick"])  # fmt: skip
    assert code == 2
    assert "p99 < 20 ms" in capsys.readouterr().err


def test_compare_writes_flips(sample_model_path, sample_data_path, small_data, tmp_path, capsys):
    other = train_small_model(sample_data_path, tmp_path / "b.txt")
    out = tmp_path / "compare.json"
    code = main(["compare", "--model", str(sample_model_path), "--model-b", str(other),
                 "--data", str(small_data[0]), "--sensitive", "sex", "--shap-rows", "200",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "flipped rows" in text and "AUC" in text
    payload = json.loads(out.read_text())
    assert payload["flips"] > 0 and len(payload["flipped_rows"]) == payload["flips"]
    assert {g["group"] for g in payload["groups"]} == {"Male", "Female"}
    assert np.isfinite([m["delta"] for m in payload["metrics"]]).all()


def test_compare_missing_model_b_is_exit_2(sample_model_path, small_data, tmp_path, capsys):
    code = main(["compare", "--model", str(sample_model_path), "--model-b",
                 str(tmp_path / "nope.txt"), "--data", str(small_data[0])])  # fmt: skip
    assert code == 2 and "not found" in capsys.readouterr().err
