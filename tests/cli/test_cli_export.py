"""`shaplens export` writes real figures and refuses bad input with exit status 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app", "export", *args],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("data") / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:120].to_parquet(path)
    return path


def run_here(capsys, *args: str) -> tuple[int, str]:
    """The same command in this process (no interpreter start-up: lightgbm's import is slow)."""
    from app.cli import main

    code = main(["export", *args])
    return code, capsys.readouterr().err


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_waterfall_one_file_per_row(tmp_path, sample_model_path, small) -> None:
    (tmp_path / "rows.txt").write_text("3\n17\n")
    out = tmp_path / "fig.png"
    result = run_cli("--model", str(sample_model_path), "--data", str(small), "--view",
                     "waterfall", "--rows-from", str(tmp_path / "rows.txt"), "--out", str(out),
                     "--width", "1000", "--height", "700")  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("fig_row*.png"))
    assert written == ["fig_row17.png", "fig_row3.png"]
    assert png_size(tmp_path / "fig_row3.png") == (1000, 700)
    assert "propagateSizeHints" not in result.stderr


def test_importance_svg_and_beeswarm_pdf(qapp, capsys, tmp_path, sample_model_path, small):
    svg = tmp_path / "imp.svg"
    code, err = run_here(capsys, "--model", str(sample_model_path), "--data", str(small),
                         "--view", "importance", "--out", str(svg), "--preset", "slide")  # fmt: skip
    assert code == 0, err
    text = svg.read_text(encoding="utf-8")
    assert 'viewBox="0 0 1920 1080"' in text
    assert "marital_status" in text and "small.parquet" in text  # labels and caption as text
    pdf = tmp_path / "bee.pdf"
    code, err = run_here(capsys, "--model", str(sample_model_path), "--data", str(small),
                         "--view", "beeswarm", "--out", str(pdf), "--no-caption")  # fmt: skip
    assert code == 0, err
    raw = pdf.read_bytes()
    assert raw.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", raw)) == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--view", "waterfall", "--row", "5000", "--out", "x.png"], "outside the dataset"),
        (["--view", "waterfall", "--out", "x.png"], "give --row"),
        (["--view", "importance", "--out", "x.jpg"], ".png, .svg or .pdf"),
        (["--view", "waterfall", "--rows", "1,two", "--out", "x.png"], "whole numbers"),
    ],
)
def test_bad_requests_exit_2(qapp, capsys, tmp_path, sample_model_path, small, extra, message):
    extra = [str(tmp_path / e) if e.startswith("x.") else e for e in extra]
    code, err = run_here(capsys, "--model", str(sample_model_path), "--data", str(small), *extra)
    assert code == 2
    assert err.startswith("error:") and message in err
    assert not list(tmp_path.glob("x*"))


def test_a_damaged_data_file_exits_2(qapp, capsys, tmp_path, sample_model_path) -> None:
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not a parquet file")
    code, err = run_here(capsys, "--model", str(sample_model_path), "--data", str(bad),
                         "--view", "importance", "--out", str(tmp_path / "x.png"))  # fmt: skip
    assert code == 2 and err.startswith("error:") and "broken.parquet" in err
    assert not (tmp_path / "x.png").exists()
