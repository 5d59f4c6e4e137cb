"""Bookmarks: one per row, tags and notes, filtering, CSV export, change callbacks."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from app.core.review.bookmarks import BookmarkError, Bookmarks


def make() -> Bookmarks:
    marks = Bookmarks()
    marks.add(17, "surprising", "High income predicted for a 19-year-old")
    marks.add(3, "check", "label looks wrong")
    marks.add(42, "surprising", "married, low hours")
    return marks


def test_add_update_remove_and_callbacks() -> None:
    calls = []
    marks = Bookmarks()
    marks.subscribe(lambda: calls.append(len(marks)))
    marks.add(5, " odd ", "note")
    assert marks.get(5).tag == "odd" and marks.get(5).created
    marks.add(5, "odd", "second thoughts")  # same row: updated, not duplicated
    assert len(marks) == 1 and marks.get(5).note == "second thoughts"
    marks.update(5, note="final")
    assert marks.get(5).note == "final"
    assert 5 in marks and 6 not in marks
    marks.remove(5)
    marks.remove(5)  # removing twice is harmless and silent
    assert calls == [1, 1, 1, 0]
    with pytest.raises(BookmarkError, match="not bookmarked"):
        marks.update(5, note="x")
    with pytest.raises(BookmarkError, match="numbered from 0"):
        marks.add(-1)


def test_filter_by_tag_and_text() -> None:
    marks = make()
    assert marks.tags() == ["check", "surprising"]
    assert [b.row for b in marks.filter(tag="surprising")] == [17, 42]
    assert [b.row for b in marks.filter(text="MARRIED")] == [42]
    assert [b.row for b in marks.filter(tag="check", text="married")] == []
    assert [b.row for b in marks.filter(text="surpr")] == [17, 42]  # tags are searched too
    assert marks.rows().tolist() == [3, 17, 42]


def test_csv_export_with_row_values(tmp_path) -> None:
    frame = pd.DataFrame({"age": range(50), "job": [f"job{i}" for i in range(50)]})
    frame.loc[3, "job"] = None
    marks = make()
    path = marks.export_csv(tmp_path / "marks.csv", frame, items=marks.filter(tag="surprising"))
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["row"] for r in rows] == ["17", "42"]
    assert rows[0]["age"] == "17" and rows[1]["job"] == "job42"
    assert rows[0]["note"] == "High income predicted for a 19-year-old"
    all_rows = list(csv.DictReader(io.StringIO(marks.to_csv_text(frame, ["job"]))))
    assert all_rows[1]["job"] == "" and "age" not in all_rows[1]
    with pytest.raises(BookmarkError, match="beyond the 10 rows"):
        marks.to_csv_text(frame.iloc[:10])


def test_list_round_trip_and_bad_input() -> None:
    marks = make()
    back = Bookmarks.from_list(marks.to_list())
    assert list(back) == list(marks)
    with pytest.raises(BookmarkError, match="Bookmark 1 has no whole-number"):
        Bookmarks.from_list([{"row": "3"}])
    with pytest.raises(BookmarkError):
        Bookmarks.from_list({"row": 3})
