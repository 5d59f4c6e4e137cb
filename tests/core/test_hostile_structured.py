"""Structured inputs that lie: sessions, glossaries, filters, Parquet columns and sizes.

Each case once ended in a traceback, a frozen stack or a value silently accepted; now each is one
sentence naming the file (or the right result). Every test has a timeout so a regression fails.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.core.base.errors import AlignmentError, DataLoadError, FilterSyntaxError, ShapLensError
from app.core.data import data_io
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.debugging.filters import parse
from app.core.review.bookmarks import BookmarkError, Bookmarks
from app.core.review.glossary import GlossaryError, load_glossary
from app.core.review.session import SessionError, load_session

pytestmark = pytest.mark.timeout(60)


def _session(**fields: object) -> str:
    return json.dumps({"format": "shaplens-session", "version": 1, **fields})


SESSIONS = {
    "threshold 1e400": _session().replace("}", ', "threshold": 1e400}'),
    "threshold NaN": _session().replace("}", ', "threshold": NaN}'),
    "threshold 5": _session(threshold=5),
    "negative bookmark": _session(bookmarks=[{"row": -1}]),
    "huge bookmark row": _session(bookmarks=[{"row": 10**30}]),
    "deep unknown key": _session().replace("}", ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep cohorts": _session().replace("}", ', "cohorts": ' + "[" * 5_000 + "]" * 5_000 + "}"),
    "cohort without name": _session(cohorts=[{"expression": "age > 3"}]),
    "output index 1e9": _session(output_index=10**9),
    "file ref without path": _session(model={"sha256": "00"}),
    "bad sha256": _session(model={"path": "/m.txt", "sha256": "<script>"}),
    "not an object": "[1, 2, 3]",
    "bool version": '{"format": "shaplens-session", "version": true}',
}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_lying_sessions_are_refused_in_one_sentence(tmp_path, name: str) -> None:
    path = tmp_path / "bad.shaplens.json"
    path.write_text(SESSIONS[name])
    with pytest.raises(SessionError) as caught:
        load_session(path)
    assert "bad.shaplens.json" in str(caught.value) and "\n" not in str(caught.value)


def test_sound_session_still_loads(tmp_path) -> None:
    path = tmp_path / "ok.shaplens.json"
    path.write_text(
        _session(threshold=0.25, bookmarks=[{"row": 3, "tag": "odd"}], filter_expression="age > 3")
    )
    session, warnings = load_session(path)
    assert session.threshold == 0.25 and warnings == []
    assert [b.row for b in session.bookmarks] == [3]


def test_filter_from_a_session_with_300_parentheses(tmp_path) -> None:
    expression = "(" * 300 + "age > 3" + ")" * 300
    path = tmp_path / "deep.shaplens.json"
    path.write_text(_session(filter_expression=expression))
    session, _ = load_session(path)
    with pytest.raises(FilterSyntaxError, match="more than 64 levels"):
        parse(session.filter_expression)


@pytest.mark.parametrize(
    "expression",
    ["(" * 300 + "age > 3" + ")" * 300, "not " * 5_000 + "age > 3", "(" * 65 + "a > 1" + ")" * 65],
)
def test_deep_filters_are_refused(expression: str) -> None:
    with pytest.raises(FilterSyntaxError, match="levels deep"):
        parse(expression)


def test_filters_at_the_nesting_limit_still_parse() -> None:
    parse("(" * 64 + "age > 3" + ")" * 64)
    parse("age > 3 and " * 2_000 + "age < 9")  # long but flat: fine


GLOSSARIES = {
    "list key": "features:\n  ? [a, b]\n  : x\n",
    "mapping key": "features:\n  ? {a: 1}\n  : x\n",
    "non-text key beside text": "features:\n  age: {dispaly: 1, 3: 4}\n",
    "100k deep flow": "features: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "2,000 deep block": "".join("  " * i + f"k{i}:\n" for i in range(2_000)),
    "value label is a mapping": "features:\n  age:\n    values: {1: {a: b}}\n",
    "display is a list": "features:\n  age: {display: [a, b]}\n",
    "target is text": "target: income\n",
    "features is a list": "features: [a, b]\n",
    "top level int key": "1: 2\n",
}


@pytest.mark.parametrize("name", sorted(GLOSSARIES))
def test_lying_glossaries_are_refused_in_one_sentence(tmp_path, name: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GLOSSARIES[name])
    with pytest.raises(GlossaryError) as caught:
        load_glossary(path)
    assert "bad.yaml" in str(caught.value) and "\n" not in str(caught.value)


def test_yaml_aliases_are_refused_before_anything_expands(tmp_path) -> None:
    """A "billion laughs": each level repeats the one before nine times. Five levels here (59,049
    leaves) so that a regression fails on the message instead of filling memory; nine levels
    expanded to 16 GB within a minute before aliases were refused."""
    levels = "abcdef"
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{k}: &{k} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, k in itertools.pairwise(levels)
    )
    path = tmp_path / "laughs.yaml"
    path.write_text(text + "features:\n  age: {display: *f}\n")
    with pytest.raises(GlossaryError, match=r"laughs\.yaml: uses YAML aliases"):
        load_glossary(path)


def test_scalar_keys_and_values_become_text(tmp_path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("features:\n  2020:\n    values: {1: one, 2.0: two, 2020-01-01: day}\n")
    glossary = load_glossary(path)
    assert glossary.features["2020"].values == {"1": "one", "2": "two", "2020-01-01": "day"}


def test_glossary_csv_with_a_field_over_csv_limits(tmp_path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("feature,display\nage," + "x" * 200_000 + "\n")
    with pytest.raises(GlossaryError, match=r"g\.csv.*not a readable CSV row"):
        load_glossary(path)


def test_negative_bookmark_rows_are_refused() -> None:
    with pytest.raises(BookmarkError, match="0 or more"):
        Bookmarks.from_list([{"row": -1}])
    with pytest.raises(BookmarkError):
        Bookmarks.from_list([{"row": True}])


# --------------------------------------------------------------------------- data files
def test_csv_header_longer_than_csv_field_limit_loads(tmp_path) -> None:
    names = [f"column_{i}" for i in range(20_000)]  # a header of ~230,000 characters
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    frame = load_dataset(path)
    assert frame.shape == (1, 20_000) and frame.columns[-1] == "column_19999"


def test_one_column_name_longer_than_csv_field_limit(tmp_path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("a," + "n" * 200_000 + "\n1,2\n")
    with pytest.raises(DataLoadError, match=r"long\.csv has a column name longer"):
        load_dataset(path)


def _bomb(path, rows: int, width: int, store_schema: bool) -> None:
    """One long text value repeated: dictionary-encoded pages of a few bytes per row."""
    indices = pa.array(np.zeros(rows, dtype=np.int32))
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["x" * width]))
    table = pa.table({"s": column, "n": np.arange(rows)})
    pq.write_table(table, path, compression="zstd", store_schema=store_schema)


@pytest.mark.parametrize("store_schema", [True, False])
def test_parquet_guard_judges_the_decoded_size(tmp_path, monkeypatch, store_schema) -> None:
    path = tmp_path / "bomb.parquet"
    _bomb(path, rows=20_000, width=10_000, store_schema=store_schema)  # 200 MB decoded
    assert path.stat().st_size < 1_000_000

    class Memory:
        available = 100 * 1024**2

    monkeypatch.setattr(data_io.psutil, "virtual_memory", lambda: Memory())
    if store_schema:  # stored as a dictionary (a categorical): small in memory, so it loads
        frame = load_dataset(path)
        assert isinstance(frame["s"].dtype, pd.CategoricalDtype) and len(frame) == 20_000
        return
    with pytest.raises(DataLoadError, match=r"bomb\.parquet .* would need about 3\d\d\.\d MB"):
        load_dataset(path)


def test_parquet_row_count_times_width_is_guarded(tmp_path, monkeypatch) -> None:
    """Run-length-encoded zeros: tiny pages, yet every row decodes to 8 bytes."""
    path = tmp_path / "zeros.parquet"
    pq.write_table(pa.table({"z": np.zeros(2_000_000)}), path, compression="zstd")

    class Memory:
        available = 10 * 1024**2

    monkeypatch.setattr(data_io.psutil, "virtual_memory", lambda: Memory())
    with pytest.raises(DataLoadError, match="would need about"):
        load_dataset(path)


def test_text_columns_still_load_as_text(tmp_path) -> None:
    path = tmp_path / "t.parquet"
    frame = pd.DataFrame({"s": ["a", None, "b"], "c": pd.Categorical(["x", "y", "x"])})
    frame.to_parquet(path)
    loaded = load_dataset(path)
    assert loaded["s"].tolist()[0] == "a" and pd.isna(loaded["s"][1])
    assert isinstance(loaded["c"].dtype, pd.CategoricalDtype)


NESTED = {
    "struct": lambda n: pa.array([{"a": 1}] * n),
    "list": lambda n: pa.array([[1, 2]] * n),
    "binary": lambda n: pa.array([b"\x00\x01"] * n, pa.binary()),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_nested_or_binary_feature_columns(tmp_path, sample_model_path, sample_data_path, kind):
    model = load_model(sample_model_path)
    table = pa.Table.from_pandas(pd.read_parquet(sample_data_path).head(100), preserve_index=False)
    feature = model.feature_names[0]
    i = table.schema.get_field_index(feature)
    path = tmp_path / f"{kind}.parquet"
    pq.write_table(table.set_column(i, feature, NESTED[kind](100)), path)
    with pytest.raises(AlignmentError, match=rf"column '{feature}' holds (nested|binary)"):
        align(model, load_dataset(path))


def test_report_rows_range_is_counted_before_it_is_built() -> None:
    from app.commands.report import MAX_DETAIL_ROWS, parse_rows

    with pytest.raises(ShapLensError, match="more than 1,000 rows"):
        parse_rows("0-2000000000")
    assert parse_rows(f"0-{MAX_DETAIL_ROWS - 1}") == list(range(MAX_DETAIL_ROWS))
