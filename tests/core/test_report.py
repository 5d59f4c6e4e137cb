"""The HTML report: self-contained, complete, and its numbers are the model's."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import FeatureInfo, Glossary, TargetInfo
from app.core.review.report_build import ReportError, build_report_model
from app.core.review.report_html import render_html
from app.core.review.report_request import ReportRequest
from app.core.review.session import file_sha256


def tiny_png(colour: tuple[int, int, int]) -> bytes:
    """A valid 2x2 PNG without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(colour) * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Refs(HTMLParser):
    """Every attribute that can load something, and the text of the document."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset", "background"):
                self.refs.append((tag, name, value or ""))
            if name == "id":
                self.ids.add(value or "")

    def handle_data(self, data) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, sample_model_path, sample_data_path):
    folder = tmp_path_factory.mktemp("report")
    data_path = folder / "adult_600.parquet"
    pd.read_parquet(sample_data_path).iloc[:600].to_parquet(data_path)
    model = load_model(sample_model_path)
    data = align(model, pd.read_parquet(data_path))
    return model, data, data_path


def make(inputs, sample_model_path, render=True, **kwargs) -> tuple[str, list]:
    """The report's HTML with stand-in figures (a coloured 2x2 PNG per view), and the figures
    it asked for as (view, row, covered)."""
    model, data, data_path = inputs
    request = ReportRequest(
        model, sample_model_path, data, data_path, figures=bool(render), **kwargs
    )
    report = build_report_model(request)
    calls = [(f.view, f.row, f.covered) for f in report.figures()]
    images = None
    if render:
        images = [
            tiny_png((200, 20, 60) if v == "waterfall" else (30, 100, 200)) for v, *_ in calls
        ]
    return render_html(report, images), calls


def test_report_is_self_contained_and_has_every_row(inputs, sample_model_path) -> None:
    rows = [3, 17, 42, 599]
    html, calls = make(inputs, sample_model_path, rows=rows, sample=250)
    parser = Refs()
    parser.feed(html)
    assert parser.refs, "the figures should be embedded images"
    for tag, name, value in parser.refs:
        assert value.startswith("data:image/png;base64,") or value.startswith("#"), (tag, name)
    without_data = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    for needle in ("http:", "https:", "//", "url(", "@import", "<script", "<link", "file:"):
        assert needle not in without_data.lower(), needle
    # Every embedded image decodes to the PNG the renderer gave.
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(images) == 2 + len(rows)
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    # Every requested row has its section, its sentence and its waterfall.
    assert {f"row-{r}" for r in rows} <= parser.ids
    assert [c[1] for c in calls if c[0] == "waterfall"] == rows
    assert html.count('class="sentence"') == len(rows)
    assert "a random sample of 250 of 600 rows" in " ".join(parser.text)


def test_row_numbers_are_the_models(inputs, sample_model_path) -> None:
    model, data, _ = inputs
    html, _ = make(inputs, sample_model_path, rows=[17], sample=0)
    values, _base = model.contributions(data.X[[17]])
    p = model.raw_to_prediction(model.predict_raw(data.X[[17]]))[0, 0]
    section = html[html.index('id="row-17"') :]
    assert f"{p * 100:.0f}%" in section.split("</p>")[0] or f"{p * 100:.1f}%" in section
    for j in np.argsort(-np.abs(values[0, :, 0]))[:10]:
        assert f"{values[0, j, 0]:+.4f}" in section
    assert "all 600 rows" in html


def test_provenance_glossary_and_bookmarks(inputs, sample_model_path, tmp_path) -> None:
    model, _data, data_path = inputs
    glossary_path = tmp_path / "g.yaml"
    glossary_path.write_text("features: {}\n")
    glossary = Glossary(
        features={
            "marital_status": FeatureInfo(
                "marital_status", "marital status", description="Legal marital status."
            )
        },
        target=TargetInfo(outcome="earning over 50K", subject="applicant"),
    )
    marks = Bookmarks()
    marks.add(42, "surprising", "Looks <odd> & needs a second look")
    html, _ = make(
        inputs,
        sample_model_path,
        rows=[42],
        sample=200,
        glossary=glossary,
        glossary_path=glossary_path,
        bookmarks=marks,
    )
    assert file_sha256(sample_model_path)[:12] in html
    assert file_sha256(data_path)[:12] in html
    assert file_sha256(glossary_path)[:12] in html
    assert model.info.explainer in html and "log-odds" in html
    assert "Legal marital status." in html and "marital status" in html
    assert "chance of earning over 50K" in html
    assert "Looks &lt;odd&gt; &amp; needs a second look" in html
    assert "<odd>" not in html


def test_group_table_matches_the_data(inputs, sample_model_path) -> None:
    model, data, _ = inputs
    html, _ = make(inputs, sample_model_path, sensitive="sex", sample=200)
    html = html.replace("<nobr>", "").replace("</nobr>", "")
    frame = data.frame
    p = model.raw_to_prediction(model.predict_raw(data.X))[:, 0]
    for group in ("Female", "Male"):
        mask = (frame["sex"] == group).to_numpy()
        base_rate = frame.loc[mask, "income_gt_50k"].mean()
        selection = (p[mask] >= 0.5).mean()
        row = re.search(rf"<tr><td>{group}</td>(.*?)</tr>", html).group(1)
        cells = re.findall(r">([^<]*)</td>", row)
        assert cells[0] == f"{mask.sum():,}"
        assert cells[1] == f"{base_rate * 100:.1f}%"
        assert cells[2] == f"{selection * 100:.1f}%"
    assert "Four-fifths ratio" in html


def test_without_renderer_tables_only(inputs, sample_model_path) -> None:
    html, _ = make(inputs, sample_model_path, rows=[1], render=None, sample=100)
    assert "<img" not in html and "figures are not available" in html
    assert 'id="row-1"' in html


def test_bad_inputs_are_reported(inputs, sample_model_path) -> None:
    with pytest.raises(ReportError, match="600"):
        make(inputs, sample_model_path, rows=[600])
    with pytest.raises(ReportError, match="colour"):
        make(inputs, sample_model_path, sensitive="colour")
    with pytest.raises(ReportError, match="Class 3"):
        make(inputs, sample_model_path, output=3)


def test_label_is_not_an_extra_column_and_no_empty_description_column(
    inputs, sample_model_path
) -> None:
    html, _ = make(inputs, sample_model_path, render=False, sample=100)
    extra = re.search(r"(\d+) extra columns kept for display: ([^<]*)", html)
    assert extra is not None and "income_gt_50k" not in extra.group(2)
    assert "fnlwgt" in extra.group(2)
    assert "Description" not in html  # no glossary: the column would be empty
    glossary = Glossary(features={"age": FeatureInfo("age", "age", description="Years of age.")})
    described, _ = make(inputs, sample_model_path, render=False, sample=100, glossary=glossary)
    assert "<th>Description</th>" in described and "Years of age." in described


def test_unknown_redacted_column_and_bad_filter_are_refused(inputs, sample_model_path) -> None:
    from app.core.base.errors import ShapLensError
    from app.core.review.redaction import Redaction
    from app.core.review.report_request import FilterState

    with pytest.raises(ReportError, match="'nope'"):
        make(inputs, sample_model_path, render=False, redaction=Redaction.of(["nope"]))
    with pytest.raises(ShapLensError, match="cannot be applied"):
        make(inputs, sample_model_path, render=False, filter=FilterState(expression="age >"))
