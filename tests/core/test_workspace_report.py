"""One reading of the review state for both reports: a Workspace set up as the window's panels
set it up gives the ReportRequest that `shaplens report`'s flags give for the same settings."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.commands import report as report_command
from app.commands._common import open_workspace
from app.core.review.glossary import load_glossary
from app.core.review.redaction import Redaction
from app.core.review.report_request import ReportRequest
from app.core.review.session import save_session
from app.core.workspace import Workspace
from app.core.workspace.report import NotReadyError, request_from_workspace
from app.core.workspace.sessions import session_of

GLOSSARY = (
    "target: {outcome: earning over 50K, subject: applicant}\n"
    "features:\n  marital_status: {display: marital status}\n"
)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory, sample_data_path: Path) -> Path:
    path = tmp_path_factory.mktemp("ws_report") / "adult_300.parquet"
    pd.read_parquet(sample_data_path).iloc[:300].to_parquet(path)
    return path


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    report_command.add_arguments(parser)
    return parser.parse_args(list(argv))


def _fields(request: ReportRequest) -> dict[str, object]:
    """What a report is about, in comparable form (the glossary by what it renames)."""
    features = request.model.feature_names
    return {
        "model_path": request.model_path,
        "data_path": request.data_path,
        "output": request.output,
        "threshold": request.threshold,
        "rows": request.rows,
        "sensitive": request.sensitive,
        "filter": request.filter,
        "slices": request.slices,
        "glossary": request.glossary.display_names(features) if request.glossary else None,
        "glossary_path": request.glossary_path,
        "bookmarks": [(b.row, b.tag, b.note) for b in request.bookmarks or []],
        "redaction": request.redaction,
        "sections": request.sections,
        "sample": request.sample,
        "explanation": request.explanation,
    }


def test_window_workspace_and_report_flags_give_the_same_request(
    tmp_path, sample_model_path, data_path
) -> None:
    base = ("--model", str(sample_model_path), "--data", str(data_path), "--out", "r.html")
    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY)
    # The window: each panel puts the user's choice into the workspace through its setter.
    ws = open_workspace(_args(*base))
    ws.selection.set_threshold(0.35)
    ws.debug.cohorts.add("older", "age > 50")
    ws.debug.set_filter(expression="hours_per_week > 30", cohort="older")
    ws.review.sensitive = "sex"
    ws.review.set_glossary(load_glossary(glossary), glossary)
    ws.review.set_redaction(Redaction.of(["race"]))
    ws.review.bookmarks.add(5, "odd", "looks odd")
    ws.selection.select_row(9)
    from_window = request_from_workspace(ws, sample=0)
    assert from_window.rows == [5, 9]  # the bookmarked and the selected row

    # The command: the same settings as flags (bookmarks, cohorts and redaction by session).
    session = tmp_path / "review.shaplens.json"
    cohorts = [{"name": "older", "expression": "age > 50"}]
    save_session(session, session_of(ws, filter_expression="hours_per_week > 30", cohorts=cohorts))
    args = _args(
        *base, "--session", str(session), "--cohort", "older", "--sensitive", "sex",
        "--glossary", str(glossary), "--rows", "5,9", "--sample", "0",
    )  # fmt: skip
    from_cli = report_command.request_of(args, open_workspace(args))

    assert _fields(from_cli) == _fields(from_window)
    assert from_cli.threshold == 0.35 and from_cli.redaction == Redaction.of(["race"])
    assert from_cli.filter.cohort_expression == "age > 50"
    assert "marital status" in from_cli.glossary.display_names(from_cli.model.feature_names)


def test_flags_go_into_the_workspace_the_report_reads(sample_model_path, data_path) -> None:
    args = _args(
        "--model", str(sample_model_path), "--data", str(data_path), "--out", "r.html",
        "--threshold", "0.7", "--filter", "age > 60", "--preset", "misclassified",
        "--sensitive", "race", "--redact", "sex",
    )  # fmt: skip
    ws = open_workspace(args)
    request = report_command.request_of(args, ws)
    assert ws.selection.threshold == request.threshold == 0.7
    assert (ws.debug.preset, ws.debug.expression) == ("misclassified", "age > 60")
    assert ws.review.sensitive == request.sensitive == "race"
    assert ws.review.redaction == request.redaction == Redaction.of(["sex"])
    # Recorded, not applied: the report filters against the evaluation it computes itself.
    assert np.array_equal(ws.selection.visible_rows, np.arange(300))


def test_an_empty_workspace_has_nothing_to_report() -> None:
    with pytest.raises(NotReadyError, match="Open a model and a dataset first"):
        request_from_workspace(Workspace())
