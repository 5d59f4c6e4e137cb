"""Formats by content, detected delimiters and encodings (with overrides), Excel sheets."""

from __future__ import annotations

import pandas as pd
import pytest

from app.core.base.errors import DataLoadError
from app.core.data.data_io import SOURCE_ATTR, load_dataset, sheet_names

FRAME = pd.DataFrame({"city": ["Zürich", "Köln", "Paris"], "x": [1.5, 2.0, 3.25], "n": [1, 2, 3]})


@pytest.mark.parametrize(("sep", "name"), [(",", "a.csv"), (";", "b.csv"), ("\t", "c.tsv")])
def test_delimiter_detected(tmp_path, sep: str, name: str) -> None:
    path = tmp_path / name
    FRAME.to_csv(path, sep=sep, index=False)
    frame = load_dataset(path)
    pd.testing.assert_frame_equal(frame, FRAME, check_dtype=False)
    assert frame.attrs[SOURCE_ATTR]["delimiter"] == sep


def test_non_utf8_detected_and_overridable(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(FRAME.to_csv(index=False).encode("cp1252"))
    frame = load_dataset(path)
    assert frame.attrs[SOURCE_ATTR]["encoding"] == "cp1252"
    assert frame["city"].tolist() == ["Zürich", "Köln", "Paris"]
    with pytest.raises(DataLoadError, match=r"latin\.csv is not utf-8 text"):
        load_dataset(path, encoding="utf-8")
    forced = load_dataset(path, delimiter=";", encoding="latin-1")
    assert list(forced.columns) == ["city,x,n"]


def test_binary_formats_by_content_even_with_wrong_suffix(tmp_path) -> None:
    FRAME.to_parquet(tmp_path / "d.parquet")
    FRAME.to_feather(tmp_path / "d.feather")
    (tmp_path / "d.parquet").rename(tmp_path / "renamed.dat")
    for name in ("renamed.dat", "d.feather"):
        frame = load_dataset(tmp_path / name)
        pd.testing.assert_frame_equal(frame, FRAME, check_dtype=False)


def test_excel_first_or_chosen_sheet(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        FRAME.to_excel(writer, sheet_name="first", index=False)
        FRAME.assign(x=FRAME.x * 10).to_excel(writer, sheet_name="second", index=False)
    assert sheet_names(path) == ["first", "second"]
    assert load_dataset(path)["x"].tolist() == [1.5, 2.0, 3.25]
    assert load_dataset(path, sheet="second")["x"].tolist() == [15.0, 20.0, 32.5]
    assert load_dataset(path, sheet=1).attrs[SOURCE_ATTR]["sheet"] == "second"
    with pytest.raises(DataLoadError, match=r"no sheet 'third'.*first, second"):
        load_dataset(path, sheet="third")


def test_binary_junk_named_csv(tmp_path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DataLoadError, match=r"junk\.csv is not a text"):
        load_dataset(path)
