"""`shaplens report` end to end: HTML with real figures, PDF, and bad input giving exit 2."""

from __future__ import annotations

import base64
import re
import subprocess
import sys

import pandas as pd
import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path):
    path = tmp_path_factory.mktemp("cli_report") / "adult_400.parquet"
    pd.read_parquet(sample_data_path).iloc[:400].to_parquet(path)
    return path


def test_html_report_with_figures(tmp_path, sample_model_path, small) -> None:
    glossary = tmp_path / "g.yaml"
    glossary.write_text(
        "target: {outcome: earning over 50K, subject: applicant}\n"
        "features:\n  marital_status: {display: marital status}\n"
    )
    out = tmp_path / "report.html"
    result = run_cli(
        "report", "--model", str(sample_model_path), "--data", str(small), "--out", str(out),
        "--rows", "3,17,42", "--sensitive", "sex", "--glossary", str(glossary), "--sample", "0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 5  # importance, beeswarm, three waterfalls
    assert all(len(base64.b64decode(i)) > 10_000 for i in images), "real figures, not stubs"
    assert len(re.findall(r'src="', html)) == len(images)
    stripped = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"https?:|//|<script|<link", stripped)
    for row in (3, 17, 42):
        assert f'id="row-{row}"' in html
    assert html.count("chance of earning over 50K") >= 3
    assert "By group: sex" in html


def test_pdf_report(tmp_path, sample_model_path, small) -> None:
    out = tmp_path / "report.pdf"
    result = run_cli(
        "report", "--model", str(sample_model_path), "--data", str(small), "--out", str(out),
        "--rows", "5", "--sample", "200",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "report.txt"], ".html or .pdf"),
        (["--out", "report.html", "--rows", "3,x"], "'x' is not a row number"),
        (["--out", "report.html", "--rows", "3,400", "--sensitive", "sex"], "not in the data"),
    ],
)
def test_bad_input_exits_2(tmp_path, sample_model_path, small, extra, message) -> None:
    extra = [str(tmp_path / e) if e.startswith("report.") else e for e in extra]
    result = run_cli(
        "report", "--model", str(sample_model_path), "--data", str(small), "--no-figures", *extra
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_sections_and_section_choice(tmp_path, sample_model_path, small) -> None:
    other = tmp_path / "other.parquet"
    frame = pd.read_parquet(small)
    shifted = frame.copy()
    shifted["age"] = shifted["age"] + 15  # drift the reader should see first
    shifted.to_parquet(other)
    out = tmp_path / "report.html"
    result = run_cli(
        "report", "--model", str(sample_model_path), "--data", str(small), "--out", str(out),
        "--no-figures", "--sections", "drift,compare,latency,overview",
        "--drift-data", str(other), "--compare-model", str(sample_model_path),
        "--latency-seconds", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = out.read_text().replace("<nobr>", "").replace("</nobr>", "")
    order = [html.index(t) for t in ("Model, data and what is on screen", "Drift against",
                                     "Comparison with another model", "<h2>Latency")]  # fmt: skip
    assert order == sorted(order)  # report order, whatever the flag's order
    assert "Importance" not in html and "By group" not in html
    drift = html[html.index("Drift against") : html.index("Comparison with")]
    first = re.search(r"<tbody><tr><td>([^<]+)</td>", drift).group(1)
    assert first == "age" and "other.parquet" in drift
    assert "Rows whose class flipped</th><td>0 (0.0%)" in html  # a model against itself
    assert "predict one row" in html


def test_unknown_section_exits_2(tmp_path, sample_model_path, small) -> None:
    result = run_cli(
        "report", "--model", str(sample_model_path), "--data", str(small),
        "--out", str(tmp_path / "r.html"), "--sections", "overview,charts",
    )  # fmt: skip
    assert (
        result.returncode == 2
        and "charts" in result.stderr
        and "overview,importance" in result.stderr
    )
