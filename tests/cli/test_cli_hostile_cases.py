"""Issue 21's "traceback instead of one `error:` line" and "accepted although wrong" cases, run
through the command line: every one ends in exit status 2 and exactly one `error:` line naming
what is wrong (or in the right output), never a traceback.

The verbs run in this process (`app.cli.main`): model files that once crashed a reader are loaded
in the app's own child probe, so nothing here can take the test run down with it.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.core.explain.models import trust

pytestmark = pytest.mark.timeout(300)

DEEP_FILTER = "(" * 300 + "age > 30" + ")" * 300


def run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    from app.cli import main

    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error(code: int, err: str, *fragments: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert code == 2 and len(errors) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("hostile_cases") / "adult_200.parquet"
    pd.read_parquet(sample_data_path).iloc[:200].to_parquet(path)
    return path


# --------------------------------------------------------------------------- unreadable data
@pytest.mark.parametrize(
    "verb",
    [
        ("explain", "--out", "{tmp}/values.parquet"),
        ("report", "--out", "{tmp}/r.html"),
        ("audit", "--label", "income_gt_50k", "--out", "{tmp}/a.html"),
        ("inspect",),
        ("compare", "--model-b", "{model}"),
    ],
    ids=lambda verb: verb[0],
)
def test_unreadable_data_file(capsys, monkeypatch, tmp_path, sample_model_path, small, verb):
    """Permission denied where the OS gives it (simulated: root reads anything; the same case
    as a real unprivileged user is tests/core/test_hostile_unprivileged.py)."""
    data = tmp_path / "locked.parquet"
    data.write_bytes(small.read_bytes())
    real_open = os.open

    def denied(target, *args, **kwargs):
        if os.fspath(target) == str(data):
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    extra = [a.format(tmp=tmp_path, model=sample_model_path) for a in verb[1:]]
    code, _, err = run(capsys, verb[0], "--model", sample_model_path, "--data", data, *extra)
    assert_one_error(code, err, "locked.parquet cannot be read (permission denied)")


# --------------------------------------------------------------------------- Parquet columns
NESTED = {
    "struct": lambda n: pa.array([{"a": 1}] * n),
    "list": lambda n: pa.array([[1, 2]] * n),
    "binary": lambda n: pa.array([b"\x00\x01"] * n, pa.binary()),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
@pytest.mark.parametrize("column", ["age", "workclass"])  # a numeric and a categorical feature
def test_parquet_feature_that_is_nested_or_binary(capsys, tmp_path, sample_model_path, small,
                                                  kind, column) -> None:  # fmt: skip
    table = pa.Table.from_pandas(pd.read_parquet(small), preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata to cast the column back
    i = table.schema.get_field_index(column)
    data = tmp_path / f"{kind}.parquet"
    pq.write_table(table.set_column(i, column, NESTED[kind](table.num_rows)), data)
    out = tmp_path / "values.parquet"
    code, _, err = run(capsys, "explain", "--model", sample_model_path, "--data", data,
                       "--out", out)  # fmt: skip
    says = "binary values" if kind == "binary" else "nested values"
    assert_one_error(code, err, f"column '{column}' holds {says}")
    assert not out.exists()


# --------------------------------------------------------------------------- filters
def test_report_refuses_a_300_deep_filter_before_explaining(
    capsys, tmp_path, sample_model_path, small
) -> None:
    code, _, err = run(capsys, "report", "--model", sample_model_path, "--data", small,
                       "--out", tmp_path / "r.html", "--filter", DEEP_FILTER)  # fmt: skip
    assert_one_error(code, err, "more than 64 levels deep")
    assert "explaining" not in err  # refused before minutes of work, not after
    assert not (tmp_path / "r.html").exists()


def _session(path: Path, **fields: object) -> Path:
    path.write_text(json.dumps({"format": "shaplens-session", "version": 1, **fields}))
    return path


def test_report_refuses_a_300_deep_filter_from_a_session(
    capsys, tmp_path, sample_model_path, small
) -> None:
    session = _session(tmp_path / "deep.shaplens.json", filter_expression=DEEP_FILTER)
    code, _, err = run(capsys, "report", "--model", sample_model_path, "--data", small,
                       "--out", tmp_path / "r.html", "--session", session)  # fmt: skip
    assert_one_error(code, err, "more than 64 levels deep")
    assert "explaining" not in err


@pytest.mark.parametrize(
    "verb",
    [("pdp", "--out", "{tmp}/p.csv"), ("export", "--view", "pdp", "--out", "{tmp}/p.png")],
    ids=lambda verb: verb[0],
)
def test_behaviour_verbs_refuse_a_300_deep_filter(
    qapp, capsys, tmp_path, sample_model_path, small, verb
) -> None:
    extra = [a.format(tmp=tmp_path) for a in verb[1:]]
    code, _, err = run(capsys, verb[0], "--model", sample_model_path, "--data", small,
                       "--feature", "age", "--filter", DEEP_FILTER, *extra)  # fmt: skip
    assert_one_error(code, err, "more than 64 levels deep")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- sessions
@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"format": "shaplens-session", "version": 1, "threshold": NaN}', "s.shaplens.json"),
        ('{"format": "shaplens-session", "version": 1, "threshold": 5}', "threshold"),
        ('{"format": "shaplens-session", "version": 1, "bookmarks": [{"row": -1}]}', ">= 0"),
    ],
    ids=["nan-threshold", "threshold-5", "negative-bookmark"],
)
def test_report_refuses_a_session_that_lies(
    capsys, tmp_path, sample_model_path, small, content, says
) -> None:
    session = tmp_path / "s.shaplens.json"
    session.write_text(content)
    code, _, err = run(capsys, "report", "--model", sample_model_path, "--data", small,
                       "--out", tmp_path / "r.html", "--session", session)  # fmt: skip
    assert_one_error(code, err, "s.shaplens.json", says)
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- glossaries
@pytest.mark.parametrize(
    "content",
    [
        "features:\n  ? [a, b]\n  : x\n",
        "features:\n  ? {a: 1}\n  : x\n",
        "1: 2\n",
        "features:\n  age: {3: 4}\n",
        "features: " + "[" * 100_000 + "]" * 100_000 + "\n",
    ],
    ids=["list-key", "mapping-key", "top-level-int-key", "int-key-in-a-feature", "100k-deep"],
)
def test_report_refuses_a_glossary_with_non_text_keys_or_deep_nesting(
    capsys, tmp_path, sample_model_path, small, content
) -> None:
    glossary = tmp_path / "g.yaml"
    glossary.write_text(content)
    code, _, err = run(capsys, "report", "--model", sample_model_path, "--data", small,
                       "--out", tmp_path / "r.html", "--glossary", glossary)  # fmt: skip
    assert_one_error(code, err, "g.yaml")
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- trust store
@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deep_trust_store_trusts_nothing_and_says_so_once(
    capsys, monkeypatch, tmp_path, depth
) -> None:
    import pickle

    from tests.core import hostile_models as H

    store = tmp_path / "trusted.json"
    store.write_text('{"trusted": ' + "[" * depth + "]" * depth + "}")
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    model = tmp_path / "forest.pkl"
    model.write_bytes(pickle.dumps(H.forest()))
    code, _, err = run(capsys, "inspect", "--model", model, "--no-memory")
    assert_one_error(code, err, "forest.pkl is a pickle/joblib file", "--trust-pickle")
    code, out, err = run(capsys, "inspect", "--model", model, "--trust-pickle", "--no-memory")
    assert code == 0 and "Traceback" not in err, err
    assert "scikit-learn" in out


# --------------------------------------------------------------------------- CSV cells
def test_glossary_verb_writes_formula_cells_quoted(capsys, tmp_path) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame(
        {
            "=cmd": ["@a", "+b", "=c"] * 10,
            "code": pd.Categorical(["=1+1", "-2+3", "ok"] * 10),
            "n": range(30),
        }
    ).to_csv(data, index=False)
    out = tmp_path / "g.csv"
    code, _, err = run(capsys, "glossary", "--data", data, "--out", out)
    assert code == 0, err
    import csv

    cells = [c for row in csv.reader(out.read_text().splitlines()) for c in row]
    assert "'=cmd" in cells and "'=1+1" in cells and "'-2+3" in cells and "'@a" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2")]
