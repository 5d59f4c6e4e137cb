"""`shaplens pdp` and `shaplens export --view pdp|ice|decision|roc|pr|calibration|lift`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model

LABEL = "income_gt_50k"


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("data") / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:400].to_parquet(path)
    return path


def run_here(capsys, verb: str, *args: str) -> tuple[int, str, str]:
    from app.cli import main

    code = main([verb, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_pdp_csv_is_the_average_over_every_row(tmp_path, capsys, sample_model_path, small) -> None:
    out = tmp_path / "pdp.csv"
    code, stdout, err = run_here(capsys, "pdp", "--model", str(sample_model_path), "--data",
                                 str(small), "--feature", "age", "--grid", "20", "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert str(out) in stdout and not (tmp_path / "ice.parquet").exists()
    table = pd.read_csv(out)
    assert list(table.columns) == ["value", "average_raw", "average_prediction"]
    assert 10 <= len(table) <= 20 and table["value"].is_monotonic_increasing
    model = load_model(sample_model_path)
    data = align(model, load_dataset(small))
    j = model.feature_names.index("age")
    for i in (0, len(table) // 2, len(table) - 1):
        X = data.X.copy()
        X[:, j] = table["value"][i]
        raw = model.predict_raw(X)[:, 0]
        assert table["average_raw"][i] == pytest.approx(raw.mean(), abs=1e-9)
        assert table["average_prediction"][i] == pytest.approx(np.mean(1 / (1 + np.exp(-raw))))


def test_pdp_filter_and_ice(tmp_path, capsys, sample_model_path, small) -> None:
    out = tmp_path / "sex.csv"
    code, stdout, err = run_here(
        capsys, "pdp", "--model", str(sample_model_path), "--data", str(small), "--label", LABEL,
        "--feature", "sex", "--ice", "25", "--filter", "age > 40 and prediction > 0.2",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out)
    assert list(table["value"]) == ["Female", "Male"]  # labels, not codes
    ice = pd.read_parquet(tmp_path / "ice.parquet")
    assert list(ice.columns) == ["row", "value", "raw", "prediction"]
    assert ice["row"].nunique() == 25 and len(ice) == 50
    frame = pd.read_parquet(small)
    assert (frame["age"].iloc[ice["row"].unique()] > 40).all()
    assert str(tmp_path / "ice.parquet") in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--feature", "salary"], "'salary' is not a model feature"),
        (["--feature", "age", "--grid", "2"], "5 to 200"),
        (["--feature", "age", "--filter", "age >"], "error: "),
        (["--feature", "age", "--filter", "age > 500"], "No row passes"),
        (["--feature", "age", "--out", "FOLDER"], "it is a folder"),
        (["--feature", "age", "--out", "p.txt"], "must be a .csv"),
    ],
)
def test_pdp_bad_input_is_one_error_line(
    capsys, sample_model_path, small, tmp_path, args, message
) -> None:
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "p.csv")]
    if "FOLDER" in args:  # an existing folder where the CSV should go: refused before any work
        (tmp_path / "taken.csv").mkdir()
        args = [str(tmp_path / "taken.csv") if a == "FOLDER" else a for a in args]
    code, _, err = run_here(
        capsys, "pdp", "--model", str(sample_model_path), "--data", str(small), *args
    )
    assert code == 2 and message in err
    assert err.startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize("view", ["pdp", "ice", "decision", "roc", "pr", "calibration", "lift"])
def test_export_behaviour_views(tmp_path, capsys, sample_model_path, small, view) -> None:
    out = tmp_path / f"{view}.png"
    extra = ["--feature", "education"] if view in ("pdp", "ice") else []
    if view in ("roc", "pr"):
        extra = ["--by", "sex", "--threshold", "0.3"]
    code, stdout, err = run_here(
        capsys, "export", "--model", str(sample_model_path), "--data", str(small), "--label",
        LABEL, "--view", view, "--out", str(out), "--width", "700", "--height", "440", *extra,
    )  # fmt: skip
    assert code == 0, err
    assert stdout.strip() == str(out)
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == (700, 440)


def test_export_behaviour_refusals(tmp_path, capsys, sample_model_path, small) -> None:
    base = [
        "--model",
        str(sample_model_path),
        "--data",
        str(small),
        "--out",
        str(tmp_path / "f.png"),
    ]
    for args, message in (
        (["--view", "pdp"], "needs --feature"),
        (["--view", "roc", "--label", LABEL, "--by", "nope"], "--by nope"),
        (["--view", "roc", "--label", LABEL, "--threshold", "2"], "between 0 and 1"),
    ):
        code, _, err = run_here(capsys, "export", *base, *args)
        assert code == 2 and message in err, err


def test_pdp_verb_in_a_fresh_interpreter(tmp_path, sample_model_path, small) -> None:
    # the verb runs without Qt and prints nothing but the files it wrote
    out = tmp_path / "w.csv"
    code = (
        "import sys; from app.cli import main; rc = main(sys.argv[1:]);"
        "leaked = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))];"
        "print('LEAK', leaked) if leaked else None; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "pdp", "--model", str(sample_model_path), "--data",
         str(small), "--feature", "workclass", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "LEAK" not in result.stdout and result.stdout.strip() == str(out)
    assert len(pd.read_csv(out)) == 8
