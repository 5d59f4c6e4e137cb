"""--redact on report, export and explain: the files are searched for the actual values."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

REDACT = "occupation,native_country,age"


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("redact") / "adult_300.parquet"
    pd.read_parquet(sample_data_path).iloc[:300].to_parquet(path)
    return path


def main(*args: str) -> int:
    """The command in this process (lightgbm's import is slow to repeat per subprocess)."""
    from app.cli import main as cli

    return cli(list(args))


def leaks(text: str, frame: pd.DataFrame, rows: list[int]) -> list[str]:
    """Values of the redacted text columns at `rows` found in `text`: values long enough not to
    be part of ordinary words, and not inside any other column's value ("India" is in the race
    "Amer-Indian-Eskimo"), so that finding one can only mean a leak."""
    kept = [c for c in frame.columns if c not in REDACT.split(",")]
    others = " | ".join({str(v) for c in kept for v in frame[c].unique()})
    found = set()
    for row in rows:
        for column in ("occupation", "native_country"):
            value = str(frame[column].iloc[row])
            if len(value) >= 5 and value not in others and value in text:
                found.add(value)
    return sorted(found)


def test_report_html_holds_no_redacted_value(tmp_path, sample_model_path, small, capsys) -> None:
    frame = pd.read_parquet(small)
    rows = [3, 17, 42]
    common = ["report", "--model", str(sample_model_path), "--data", str(small), "--no-figures",
              "--rows", "3,17,42", "--sample", "0", "--sections", "overview,rows,fairness",
              "--sensitive", "native_country"]  # fmt: skip
    plain, hidden = tmp_path / "plain.html", tmp_path / "hidden.html"
    assert main(*common, "--out", str(plain)) == 0
    assert leaks(plain.read_text(encoding="utf-8"), frame, rows)  # the test can fail
    assert main(*common, "--out", str(hidden), "--redact", REDACT) == 0
    html = hidden.read_text(encoding="utf-8")
    assert leaks(html, frame, rows) == []
    assert "redacted group 1" in html and "age, native_country, occupation" in html
    # Every country of the data, not only the rows': the group table names none.
    countries = {str(v) for v in frame["native_country"].dropna().unique() if len(str(v)) >= 5}
    assert not [c for c in countries if c in html]
    capsys.readouterr()


def test_bad_redact_column_exits_2(tmp_path, sample_model_path, small, capsys) -> None:
    out = tmp_path / "r.html"
    code = main("report", "--model", str(sample_model_path), "--data", str(small),
                "--out", str(out), "--no-figures", "--redact", "age,nope")  # fmt: skip
    assert code == 2 and "nope" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("view", ["waterfall", "beeswarm"])
def test_export_svg_holds_no_redacted_value(
    tmp_path, sample_model_path, small, view, capsys
) -> None:
    frame = pd.read_parquet(small)
    base = ["export", "--model", str(sample_model_path), "--data", str(small), "--view", view]
    if view == "waterfall":
        base += ["--row", "3"]
    plain, hidden = tmp_path / "plain.svg", tmp_path / "hidden.svg"
    assert main(*base, "--out", str(plain)) == 0
    assert main(*base, "--out", str(hidden), "--redact", REDACT) == 0
    plain_text, text = plain.read_text("utf-8"), hidden.read_text("utf-8")
    rows = [3] if view == "waterfall" else list(range(len(frame)))
    assert leaks(plain_text, frame, rows)  # the figure names them without --redact
    assert leaks(text, frame, rows) == []
    if view == "waterfall":
        age = int(frame["age"].iloc[3])
        assert f"age = {age}" in plain_text and f"age = {age}" not in text
        assert "age = redacted" in text
    capsys.readouterr()


def test_explain_records_redaction(tmp_path, sample_model_path, small, capsys) -> None:
    out = tmp_path / "values.parquet"
    assert main("explain", "--model", str(sample_model_path), "--data", str(small),
                "--out", str(out), "--redact", "age") == 0  # fmt: skip
    table = pq.read_table(out)
    assert table.schema.metadata[b"shaplens.redacted"] == b"age"
    assert "shap:age" in table.column_names  # its contribution stays
    assert not [c for c in table.column_names if re.fullmatch(r"age", c)]
    capsys.readouterr()


def test_export_refuses_redaction_it_cannot_honour(tmp_path, sample_model_path, small, capsys):
    out = tmp_path / "pdp.svg"
    code = main("export", "--model", str(sample_model_path), "--data", str(small), "--view", "pdp",
                "--feature", "age", "--out", str(out), "--redact", "age")  # fmt: skip
    assert code == 2 and "could show the redacted values" in capsys.readouterr().err
    assert not out.exists()
