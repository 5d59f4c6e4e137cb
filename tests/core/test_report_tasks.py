"""The report for regression and multiclass models: every section builds, and fairness falls
back to mean prediction per group when rates do not apply."""

from __future__ import annotations

import pandas as pd
import pytest

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.review.redaction import Redaction
from app.core.review.report_build import build_report_model
from app.core.review.report_html import render_html
from app.core.review.report_request import FilterState, ReportRequest
from tests.core import model_fixtures as mf


@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_every_section_builds(task: str) -> None:
    model_path, data_path = mf.xgboost_file(task), mf.data_file(task)
    model = load_model(model_path)
    frame = pd.read_parquet(data_path)
    if task == "multiclass":
        frame["target"] = frame["target"] - 1  # classes 0..2, as the model was trained
    data = align(model, frame, label="target")
    column = next(c for c in model.feature_names if c in frame.columns)
    request = ReportRequest(
        model, model_path, data, data_path, rows=[0, 1], sensitive=column, figures=False,
        output=model.n_outputs - 1, filter=FilterState(expression=f"{column} > 0"),
        redaction=Redaction.of([model.feature_names[-1]]),
    )  # fmt: skip
    report = build_report_model(request)
    assert report.keys() == [
        "overview", "importance", "beeswarm", "fairness", "slices", "rows", "provenance"
    ]  # fmt: skip
    fairness = report.section("fairness").numbers()
    header = fairness[0]
    if task == "regression":
        assert header == ("Group", "Rows", "Mean prediction", "Mean label")
    else:
        assert header[:3] == ("Group", "Rows", "Base rate")  # one class against the rest
    slices = report.section("slices").numbers()
    assert slices and slices[0][0] == "Slice" and len(slices) > 1
    html = render_html(report)
    assert "By group" in html and "Row 1" in html
