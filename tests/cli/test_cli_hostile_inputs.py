"""The verbs on hostile inputs: each ends in exit status 2 and exactly one `error:` line.

Every run is a child process with a timeout, so a FIFO that blocks again fails the test instead
of hanging the suite.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

TIMEOUT = 180


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def assert_one_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("hostile_cli") / "adult_300.parquet"
    pd.read_parquet(sample_data_path).iloc[:300].to_parquet(path)
    return path


@pytest.fixture
def fifo(tmp_path) -> Path:
    def make(name: str) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        return path

    return make


@pytest.fixture
def endless(tmp_path) -> Path:
    def make(name: str) -> Path:
        path = tmp_path / name
        path.symlink_to("/dev/zero")
        return path

    return make


def _report(model: Path, data: Path, out: Path, *extra: str | Path) -> subprocess.CompletedProcess:
    return run_cli("report", "--model", model, "--data", data, "--out", out, *extra)


@pytest.mark.parametrize("value", ["nan", "5", "-0.1", "inf"])
def test_report_and_compare_refuse_a_threshold_outside_0_1(
    tmp_path, sample_model_path, small, value
) -> None:
    result = _report(sample_model_path, small, tmp_path / "r.html", "--threshold", value)
    assert_one_error(result, "--threshold must be between 0 and 1")
    assert not (tmp_path / "r.html").exists()
    result = run_cli(
        "compare", "--model", sample_model_path, "--model-b", sample_model_path,
        "--data", small, "--threshold", value,
    )  # fmt: skip
    assert_one_error(result, "--threshold must be between 0 and 1")


def test_report_rows_range_of_two_billion(tmp_path, sample_model_path, small) -> None:
    result = _report(sample_model_path, small, tmp_path / "r.html", "--rows", "0-2000000000")
    assert_one_error(result, "more than 1,000 rows")


@pytest.mark.parametrize("make", ["fifo", "endless"])
@pytest.mark.parametrize(("flag", "name"), [("--glossary", "g.yaml"), ("--session", "s.json")])
def test_report_small_files_that_never_end(
    request, tmp_path, sample_model_path, small, make, flag, name
) -> None:
    path = request.getfixturevalue(make)(name)
    result = _report(sample_model_path, small, tmp_path / "r.html", flag, path)
    assert_one_error(result, name, "not a")


@pytest.mark.parametrize(
    ("flag", "name", "content", "fragment"),
    [
        ("--glossary", "deep.yaml", "features: " + "[" * 100_000 + "]" * 100_000, "deep.yaml"),
        ("--glossary", "keys.yaml", "features:\n  age: {dispaly: 1, 3: 4}\n", "unknown key"),
        (
            "--session",
            "big.json",
            '{"format": "shaplens-session", "version": 1, "threshold": 1e400}',
            "threshold",
        ),
        ("--session", "deep.json", "[" * 100_000 + "]" * 100_000, "deep.json"),
    ],
)
def test_report_structured_files_that_lie(
    tmp_path, sample_model_path, small, flag, name, content, fragment
) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = _report(sample_model_path, small, tmp_path / "r.html", flag, path)
    assert_one_error(result, fragment)


def test_data_file_that_is_a_fifo(tmp_path, sample_model_path, fifo) -> None:
    data = fifo("data.parquet")
    result = _report(sample_model_path, data, tmp_path / "r.html")
    assert_one_error(result, "data.parquet is a named pipe")


@pytest.mark.parametrize(("make", "kind"), [("fifo", "named pipe"), ("endless", "device")])
def test_export_rows_from_a_file_that_never_ends(
    request, tmp_path, sample_model_path, small, make, kind
) -> None:
    rows = request.getfixturevalue(make)("rows.txt")
    result = run_cli(
        "export", "--model", sample_model_path, "--data", small, "--view", "waterfall",
        "--rows-from", rows, "--out", tmp_path / "w.png",
    )  # fmt: skip
    assert_one_error(result, f"rows.txt is a {'character ' if make == 'endless' else ''}{kind}")
    assert not (tmp_path / "w.png").exists()


@pytest.mark.parametrize("make", ["fifo", "endless"])
def test_trust_store_that_never_ends_trusts_nothing(tmp_path, make, request) -> None:
    """The store is read before a pickle opens: a FIFO or /dev/zero there is skipped, never
    waited on or read whole, and the pickle is refused as untrusted in one line."""
    import pickle

    from sklearn.datasets import load_wine
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_wine(return_X_y=True)
    model = tmp_path / "m.pkl"
    model.write_bytes(pickle.dumps(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)))
    store = request.getfixturevalue(make)("trusted.json")
    env = {**os.environ, "SHAPLENS_TRUST_STORE": str(store)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "inspect", "--model", str(model), "--no-memory"],
        capture_output=True, text=True, timeout=TIMEOUT, env=env,
    )  # fmt: skip
    assert_one_error(result, "m.pkl is a pickle/joblib file", "--trust-pickle")
    assert store.is_symlink() or stat.S_ISFIFO(os.stat(store).st_mode)


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_dask_local_workers_below_one(tmp_path, sample_model_path, small, workers) -> None:
    result = run_cli(
        "explain", "--engine", "dask", "--local-workers", workers,
        "--model", sample_model_path, "--data", small, "--out", tmp_path / "values",
    )  # fmt: skip
    assert_one_error(result, "--local-workers must be between 1 and")
    assert not (tmp_path / "values").exists()


@pytest.mark.parametrize("key", ["row", "partition", "raw_output", "shap:age"])
def test_dask_key_that_would_replace_a_result_column(
    tmp_path, sample_model_path, small, key
) -> None:
    data = tmp_path / "keyed.parquet"
    frame = pd.read_parquet(small)
    frame[key] = range(len(frame))
    frame.to_parquet(data)
    result = run_cli(
        "explain", "--engine", "dask", "--key", key,
        "--model", sample_model_path, "--data", data, "--out", tmp_path / "values",
    )  # fmt: skip
    assert_one_error(result, f"--key column '{key}'")


def test_dask_input_folder_holding_a_fifo(tmp_path, sample_model_path, small, fifo) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(small.read_bytes())
    os.mkfifo(folder / "b.parquet")
    result = run_cli(
        "explain", "--engine", "dask", "--local-workers", "1",
        "--model", sample_model_path, "--data", folder, "--out", tmp_path / "values",
    )  # fmt: skip
    assert_one_error(result, "b.parquet is a named pipe")
