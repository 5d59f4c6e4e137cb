"""Bookmarked rows: a tag and a note per row, filterable, exported to CSV, saved in sessions.

Plain Python with change callbacks (no Qt): the bookmarks panel subscribes and redraws.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.base.atomic import write_text_atomic
from app.core.base.csv_safe import safe_row
from app.core.base.errors import ShapLensError
from app.core.review.redaction import Redaction


class BookmarkError(ShapLensError):
    """Bookmark data that cannot be used (in a session file or from the user)."""


@dataclass
class Bookmark:
    row: int  # dataset row position
    tag: str = ""
    note: str = ""
    created: str = ""  # ISO 8601, UTC

    def matches(self, tag: str | None, text: str | None) -> bool:
        if tag is not None and self.tag != tag:
            return False
        if text:
            needle = text.casefold()
            return needle in self.note.casefold() or needle in self.tag.casefold()
        return True


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Bookmarks:
    """At most one bookmark per row, kept in the order they were added."""

    def __init__(self, items: list[Bookmark] | None = None) -> None:
        self._items: dict[int, Bookmark] = {}
        self._listeners: list[Callable[[], None]] = []
        for item in items or []:
            self._items[int(item.row)] = item

    # ----------------------------------------------------------------- changes
    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after every change."""
        self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    def add(self, row: int, tag: str = "", note: str = "") -> Bookmark:
        """Bookmark `row`, or update its tag and note if it is already bookmarked."""
        row = int(row)
        if row < 0:
            raise BookmarkError(f"Cannot bookmark row {row}: rows are numbered from 0.")
        existing = self._items.get(row)
        if existing is not None:
            existing.tag, existing.note = tag.strip(), note
        else:
            self._items[row] = Bookmark(row, tag.strip(), note, _now())
        self._changed()
        return self._items[row]

    def update(self, row: int, tag: str | None = None, note: str | None = None) -> Bookmark:
        item = self._items.get(int(row))
        if item is None:
            raise BookmarkError(f"Row {row} is not bookmarked.")
        if tag is not None:
            item.tag = tag.strip()
        if note is not None:
            item.note = note
        self._changed()
        return item

    def remove(self, row: int) -> None:
        if self._items.pop(int(row), None) is not None:
            self._changed()

    def clear(self) -> None:
        if self._items:
            self._items.clear()
            self._changed()

    # ----------------------------------------------------------------- reading
    def __iter__(self) -> Iterator[Bookmark]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, row: object) -> bool:
        return isinstance(row, (int, np.integer)) and int(row) in self._items

    def get(self, row: int) -> Bookmark | None:
        return self._items.get(int(row))

    def tags(self) -> list[str]:
        return sorted({b.tag for b in self._items.values() if b.tag})

    def filter(self, tag: str | None = None, text: str | None = None) -> list[Bookmark]:
        """Bookmarks with exactly `tag` (None: any) whose note or tag contains `text`."""
        return [b for b in self._items.values() if b.matches(tag, text)]

    def rows(self) -> np.ndarray:
        return np.array(sorted(self._items), dtype=np.int64)

    # ----------------------------------------------------------------- persistence
    def to_list(self) -> list[dict[str, object]]:
        return [asdict(b) for b in self._items.values()]

    @classmethod
    def from_list(cls, items: object) -> Bookmarks:
        if not isinstance(items, list):
            raise BookmarkError("Bookmarks must be a list of {row, tag, note, created}.")
        out = []
        for i, item in enumerate(items):
            row = item.get("row") if isinstance(item, dict) else None
            if not isinstance(row, int) or isinstance(row, bool) or row < 0:
                # a negative row would index from the end and show the last rows instead
                raise BookmarkError(f"Bookmark {i + 1} has no whole-number `row` of 0 or more.")
            out.append(
                Bookmark(
                    row=int(item["row"]),
                    tag=str(item.get("tag", "")),
                    note=str(item.get("note", "")),
                    created=str(item.get("created", "")),
                )
            )
        return cls(out)

    def to_csv_text(
        self,
        frame: pd.DataFrame | None = None,
        columns: list[str] | None = None,
        items: list[Bookmark] | None = None,
        redaction: Redaction | None = None,
    ) -> str:
        """row, tag, note, created, then the row's values from `frame` (all or `columns`);
        the values of `redaction`'s columns read "redacted", also where a note quotes them."""
        redaction = redaction or Redaction()
        items = list(self) if items is None else items
        data_columns = list(
            columns if columns is not None else (frame.columns if frame is not None else [])
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        # Notes, tags and data values are user text: written so no spreadsheet runs them.
        writer.writerow(safe_row(["row", "tag", "note", "created", *map(str, data_columns)]))
        for b in items:
            values: list[object] = []
            if frame is not None and data_columns:
                if not 0 <= b.row < len(frame):
                    raise BookmarkError(
                        f"Bookmarked row {b.row} is beyond the {len(frame):,} rows of the data."
                    )
                record = frame.iloc[b.row]
                values = ["" if pd.isna(record[c]) else record[c] for c in data_columns]
                values = redaction.values([str(c) for c in data_columns], values)
            note = redaction.scrub_text(b.note, frame, b.row)
            writer.writerow(safe_row([b.row, b.tag, note, b.created, *values]))
        return buffer.getvalue()

    def export_csv(
        self,
        path: str | Path,
        frame: pd.DataFrame | None = None,
        columns: list[str] | None = None,
        items: list[Bookmark] | None = None,
        inputs: Iterable[str | Path | None] = (),
        redaction: Redaction | None = None,
    ) -> Path:
        """Write the bookmarks (or the filtered `items`) to CSV, atomically, never over one of
        `inputs` (the open model and data)."""
        text = self.to_csv_text(frame, columns, items, redaction)
        return write_text_atomic(path, text, inputs=inputs)
