"""Redaction: a marked column's values appear nowhere in what leaves the team (report, CSV,
sentences); its contribution stays. Each test first checks the values are there without it."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.review.bookmarks import Bookmarks
from app.core.review.redaction import (
    REDACTED,
    Redaction,
    RedactionError,
    parse_redact,
    suggest_personal,
)
from app.core.review.report_build import build_report_model
from app.core.review.report_html import render_html
from app.core.review.report_request import FilterState, ReportRequest
from app.core.review.sentences import summarize_explained_row

REDACT = ["occupation", "native_country", "age"]
ROWS = [3, 17]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, sample_model_path, sample_data_path):
    path = tmp_path_factory.mktemp("redact") / "adult_500.parquet"
    pd.read_parquet(sample_data_path).iloc[:500].to_parquet(path)
    model = load_model(sample_model_path)
    return model, align(model, pd.read_parquet(path)), path


def secrets(frame: pd.DataFrame, rows: list[int]) -> list[str]:
    """Values of the redacted text columns that no other column holds (so finding one in the
    output can only mean a leak)."""
    others = {str(v) for c in frame.columns if c not in REDACT for v in frame[c].unique()}
    found = set()
    for column in ("occupation", "native_country"):
        found |= {str(v) for v in frame[column].dropna().unique() if len(str(v)) >= 5}
    return sorted(found - others)


def text_of(html: str) -> str:
    html = html.replace("<nobr>", "").replace("</nobr>", "")
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


def report_html(inputs, sample_model_path, redaction: Redaction, **kwargs) -> str:
    model, data, path = inputs
    marks = Bookmarks()
    row3 = data.frame.iloc[3]
    marks.add(3, "odd", f"works as {row3['occupation']} in {row3['native_country']}")
    request = ReportRequest(
        model, sample_model_path, data, path, rows=ROWS, sensitive="native_country",
        bookmarks=marks, sample=0, redaction=redaction, figures=False, **kwargs,
    )  # fmt: skip
    return render_html(build_report_model(request))


def test_report_names_no_redacted_value(inputs, sample_model_path) -> None:
    _model, data, _ = inputs
    frame = data.frame
    words = secrets(frame, ROWS)
    assert len(words) > 10
    plain = text_of(report_html(inputs, sample_model_path, Redaction()))
    row3 = frame.iloc[3]
    for value in (row3["occupation"], row3["native_country"]):
        assert value in plain  # without redaction the report names them (the test can fail)
    html = text_of(
        report_html(
            inputs, sample_model_path, Redaction.of(REDACT),
            filter=FilterState(expression='occupation == "Sales"'),
        )
    )  # fmt: skip
    leaked = [w for w in words if w in html]
    assert leaked == []
    # A row's age: the waterfall table and the sentence read "redacted" instead.
    section = html[html.index('id="row-17"') :]
    assert f"<td>age</td><td>{REDACTED}</td>" in section
    assert "age (value redacted)" in section
    assert 'occupation == "Sales"' not in html and "names a redacted column" in html
    # The report states what was redacted; contributions stay (SHAP column of the row table).
    assert "age, native_country, occupation" in html
    assert re.search(r"<td>occupation</td><td>redacted</td><td class=\"num\">[+-]\d", html)


def test_bookmark_csv_and_sentences(inputs) -> None:
    model, data, _ = inputs
    frame = data.frame
    redaction = Redaction.of(REDACT)
    marks = Bookmarks()
    value = str(frame["occupation"].iloc[7])
    marks.add(7, "check", f"Is {value} right?")
    plain = marks.to_csv_text(frame)
    assert value in plain and str(frame["native_country"].iloc[7]) in plain
    text = marks.to_csv_text(frame, redaction=redaction)
    assert value not in text and str(frame["native_country"].iloc[7]) not in text
    assert f"Is {REDACTED} right?" in text
    body = pd.read_csv(io.StringIO(text))
    assert (body["age"] == REDACTED).all() and body["education"].iloc[0] == frame["education"][7]

    values, base = model.contributions_one(data.X[7])
    summary = summarize_explained_row(
        model, data, 7, values[0], base, redacted=redaction.columns, n_up=13, n_down=13
    )
    for driver in summary.up + summary.down:
        if driver.feature in redaction:
            assert driver.value == REDACTED and "value redacted" in driver.phrase
    assert str(int(frame["age"].iloc[7])) + " years" not in summary.text


def test_parse_and_suggest() -> None:
    assert parse_redact("age, zip", ["age", "zip", "x"]).sorted() == ["age", "zip"]
    assert not parse_redact(None, ["age"])
    with pytest.raises(RedactionError, match="nope"):
        parse_redact("age,nope", ["age"])
    columns = ["customer_id", "Email", "firstName", "zip_code", "dob", "width", "hidden", "age"]
    assert suggest_personal(columns) == ["customer_id", "Email", "firstName", "zip_code", "dob"]


def test_redacted_views_keep_contributions() -> None:
    from app.core.base.types import Unit
    from app.core.explain import views
    from app.core.review.redaction import redact_beeswarm, redact_waterfall

    fall = views.waterfall(
        0, np.array([0.5, -0.2]), 0.1, [39, "Sales"], ["age", "job"], Unit.LOG_ODDS, "p"
    )
    hidden = redact_waterfall(fall, Redaction.of(["job"]))
    labels = [s.label for s in hidden.steps]
    assert "job = redacted" in labels and "age = 39" in labels
    assert [s.shap for s in hidden.steps] == [s.shap for s in fall.steps]
    lane = views.BeeswarmLane(
        "job", np.zeros(3, np.float32), np.zeros(3, np.float32), np.full(3, np.nan, np.float32),
        categories=["Sales", "Tech"], group=np.zeros(3, np.int8), legend=[],
    )  # fmt: skip
    swarm = views.BeeswarmData([lane], Unit.LOG_ODDS, 3)
    gone = redact_beeswarm(swarm, Redaction.of(["job"])).lanes[0]
    assert gone.categories is None and gone.legend is None and not gone.is_categorical
    assert swarm.lanes[0].categories == ["Sales", "Tech"]  # the on-screen data is untouched


def test_an_interaction_pair_of_a_personal_column_is_refused() -> None:
    """A pair plot's dots sit at one feature's values and take the other's colour: with either
    feature personal, nothing of it could be shown, so it is not exported at all."""
    from app.core.base.types import Unit
    from app.core.debugging.dependence import DependenceData
    from app.core.review.redaction import RedactedFigureError, redact_view

    dots = np.zeros(3)
    pair = DependenceData(
        "age", dots, dots.astype(np.float32), np.arange(3), dots.astype(np.float32), "job",
        Unit.LOG_ODDS, value_name="interaction",
    )  # fmt: skip
    assert redact_view("interaction_pair", pair, Redaction.of(["sex"])) is pair
    for personal in ("age", "job"):
        with pytest.raises(RedactedFigureError, match=f"values of {personal}, a personal column"):
            redact_view("interaction_pair", pair, Redaction.of([personal]))
    # Shown under a glossary name, the column is still known.
    with pytest.raises(RedactedFigureError):
        redact_view("interaction_pair", pair, Redaction.of(["age_col"]), {"age": "age_col"})


def test_a_redacted_numeric_lane_keeps_no_colour_scale() -> None:
    # The hover reads a dot's value back from the scale's ends: a personal column has none.
    from app.core.base.types import Unit
    from app.core.explain import views
    from app.core.review.redaction import redact_beeswarm

    lane = views.BeeswarmLane(
        "age", np.zeros(3, np.float32), np.zeros(3, np.float32), np.full(3, 0.5, np.float32),
        value_range=(17.0, 90.0), colour_scale=(22.0, 63.0),
    )  # fmt: skip
    gone = redact_beeswarm(views.BeeswarmData([lane], Unit.LOG_ODDS, 3), Redaction.of(["age"]))
    assert gone.lanes[0].colour_scale is None and gone.lanes[0].value_range is None
