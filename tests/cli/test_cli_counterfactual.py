"""`shaplens counterfactual` on the Adult sample: the JSON it writes, and bad input (exit 2)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model


def test_writes_answers_best_first(tmp_path, sample_model_path, sample_data_path, capsys) -> None:
    out = tmp_path / "cf.json"
    code = main(
        ["counterfactual", "--model", str(sample_model_path), "--data", str(sample_data_path),
         "--row", "3", "--max-changes", "2", "--seconds", "3", "--out", str(out)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "locked (suggested): age" in captured.err
    payload = json.loads(out.read_text())
    assert payload["row"] == 3 and payload["class"] == 0 and 0 <= payload["prediction"] < 0.5
    answers = payload["counterfactuals"]
    assert 1 <= len(answers) <= 5
    model = load_model(sample_model_path)
    data = align(model, load_dataset(sample_data_path))
    for answer in answers:
        assert 1 <= len(answer["changes"]) <= 2
        assert not set(answer["changes"]) & {"age", "sex", "race", "marital_status"}
        x = data.X[3].copy()
        for feature, change in answer["changes"].items():
            spec = model.features[model.feature_names.index(feature)]
            code_ = spec.categories.index(change["to"]) if spec.is_categorical else change["to"]
            x[model.feature_names.index(feature)] = code_
        p = float(model.raw_to_prediction(model.predict_raw(x.reshape(1, -1)))[0, 0])
        assert p >= 0.5 and answer["class"] == 1
        assert answer["prediction"] == pytest.approx(p)
    sizes = [len(a["changes"]) for a in answers]
    assert sizes == sorted(sizes)
    assert "Wrote" in captured.out


def test_immutable_and_ranges(tmp_path, sample_model_path, sample_data_path) -> None:
    out = tmp_path / "cf.json"
    code = main(
        ["counterfactual", "--model", str(sample_model_path), "--data", str(sample_data_path),
         "--row", "3", "--immutable", "capital_gain,capital_loss", "--range",
         "hours_per_week=35:50", "--answers", "2", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out.read_text())
    assert payload["locked"] == ["capital_gain", "capital_loss"]
    for answer in payload["counterfactuals"]:
        assert not set(answer["changes"]) & {"capital_gain", "capital_loss"}
        hours = answer["changes"].get("hours_per_week")
        assert hours is None or 35 <= hours["to"] <= 50
    assert len(payload["counterfactuals"]) <= 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--row", "99999999"], "not in the dataset"),
        (["--row", "0", "--immutable", "nope"], "no feature named"),
        (["--row", "0", "--range", "age=high"], "FEATURE=LOW:HIGH"),
        (["--row", "0", "--seconds", "-1"], "--seconds"),
    ],
)
def test_bad_input_is_one_error_line(
    tmp_path, sample_model_path, sample_data_path, capsys, extra, message
) -> None:
    out = tmp_path / "cf.json"
    args = ["counterfactual", "--model", str(sample_model_path), "--data", str(sample_data_path)]
    code = main([*args, *extra, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error:") and message in err[-1]
    assert not out.exists()


def test_out_equal_to_the_data_is_refused(tmp_path, sample_model_path, sample_data_path, capsys):
    data = tmp_path / "data.parquet"
    data.write_bytes(sample_data_path.read_bytes())
    before = data.read_bytes()
    code = main(
        ["counterfactual", "--model", str(sample_model_path), "--data", str(data), "--row", "0",
         "--out", str(data)]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("error:")
    assert data.read_bytes() == before
