"""Personal data kept out of whatever leaves the team: reports, figures, CSVs, copied text.

A Redaction names columns whose values must never be written out; each value reads "redacted"
instead. A redacted model feature keeps its contribution (its SHAP value is about the model, not
the person) but loses its value. The user marks the columns; `suggest_personal` proposes the ones
whose names look personal (name, email, phone, address, id, ssn, dob, zip, ...).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from app.core.base.errors import ShapLensError

REDACTED = "redacted"
# Whole words of a column name that suggest data about one person (token match: "id" in
# "customer_id" but not in "width"; "name" in "first_name" but not in "filename").
PERSONAL_WORDS = frozenset(
    {
        "name", "firstname", "lastname", "surname", "fullname", "email", "mail", "phone",
        "mobile", "tel", "telephone", "address", "street", "addr", "city", "zip", "zipcode",
        "postcode", "postal", "id", "uuid", "ssn", "nin", "social", "passport", "licence",
        "license", "dob", "birth", "birthday", "birthdate", "iban", "account", "card", "ip",
        "latitude", "longitude", "lat", "lon", "username", "login",
    }
)  # fmt: skip
# Free text (bookmark notes) may quote a redacted value; values this short ("1", "M") would
# blank out ordinary words, so only longer ones are searched for.
MIN_TEXT_MATCH = 3


class RedactionError(ShapLensError):
    """A column to redact is not in the data."""


class RedactedFigureError(ShapLensError):
    """A figure whose every mark is a redacted column's value: it is not written at all."""


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^A-Za-z]+", spaced.lower()) if t]


def suggest_personal(columns: Iterable[object]) -> list[str]:
    """Columns whose names suggest personal data, in the data's order."""
    return [str(c) for c in columns if any(t in PERSONAL_WORDS for t in _tokens(str(c)))]


@dataclass(frozen=True)
class Redaction:
    """The columns whose values are replaced by "redacted" in everything exported."""

    columns: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, columns: Iterable[object] = ()) -> Redaction:
        return cls(frozenset(str(c) for c in columns))

    def __bool__(self) -> bool:
        return bool(self.columns)

    def __contains__(self, column: object) -> bool:
        return str(column) in self.columns

    def sorted(self) -> list[str]:
        return sorted(self.columns)

    def value(self, column: str, value: object) -> object:
        return REDACTED if column in self.columns else value

    def values(self, columns: Sequence[str], values: Sequence[object]) -> list[object]:
        """`values[i]` belongs to `columns[i]`; the redacted ones read "redacted"."""
        return [REDACTED if c in self.columns else v for c, v in zip(columns, values, strict=True)]

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of `frame` whose redacted columns hold only "redacted"."""
        present = [c for c in frame.columns if str(c) in self.columns]
        if not present:
            return frame
        out = frame.copy()
        for column in present:
            out[column] = pd.Series([REDACTED] * len(out), index=out.index, dtype=object)
        return out

    def scrub_text(self, text: str, frame: pd.DataFrame | None, row: int | None) -> str:
        """`text` (e.g. a bookmark note) with the row's redacted values replaced."""
        if not self.columns or frame is None or row is None or not 0 <= row < len(frame):
            return text
        for column in self.columns:
            if column not in frame.columns:
                continue
            value = frame[column].iloc[row]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            found = str(value.item() if isinstance(value, np.generic) else value)
            if len(found) >= MIN_TEXT_MATCH:
                text = re.sub(re.escape(found), REDACTED, text, flags=re.IGNORECASE)
        return text

    def mentions(self, expression: str) -> bool:
        """Whether a filter expression names a redacted column (its values may be in it)."""
        return any(re.search(rf"(?<![\w]){re.escape(c)}(?![\w])", expression) for c in self)

    def __iter__(self):  # sorted, so messages and reports are stable
        return iter(self.sorted())

    def statement(self) -> str:
        """What the report says about it."""
        if not self.columns:
            return "Nothing was redacted."
        names = ", ".join(self.sorted())
        return (
            f"Values of {len(self.columns)} column(s) are redacted and read '{REDACTED}' "
            f"everywhere in this report: {names}. A redacted model feature keeps its "
            "contribution (SHAP value); only its values are withheld."
        )


def parse_redact(text: str | None, columns: Collection[str]) -> Redaction:
    """--redact COL[,COL]: the named columns, each of which must be in the data."""
    if not text:
        return Redaction()
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [c for c in wanted if c not in columns]
    if unknown:
        raise RedactionError(
            f"--redact: {', '.join(unknown)} not in the data (columns: "
            f"{', '.join(list(columns)[:12])}{' …' if len(columns) > 12 else ''})."
        )
    return Redaction.of(wanted)


def redact_waterfall(data, redaction: Redaction, feature_of: dict[str, str] | None = None):
    """A WaterfallData whose "feature = value" labels keep the feature and drop the value."""
    if not redaction:
        return data
    of = feature_of or {}
    steps = [
        replace(s, label=f"{s.label.split(' = ', 1)[0]} = {REDACTED}")
        if s.feature is not None and of.get(s.feature, s.feature) in redaction
        else s
        for s in data.steps
    ]
    return replace(data, steps=steps)


def redact_beeswarm(data, redaction: Redaction, feature_of: dict[str, str] | None = None):
    """A BeeswarmData whose redacted lanes keep their SHAP dots but carry no value colour, no
    category names and no value range (colour would tell a person's value apart).

    `feature_of` maps a lane's shown name back to the column (a glossary may rename lanes)."""
    if not redaction:
        return data
    lanes = []
    for lane in data.lanes:
        column = (feature_of or {}).get(lane.feature, lane.feature)
        if column in redaction:
            lane = replace(
                lane,
                colour=np.full(lane.shap.shape, np.nan, dtype=np.float32),
                categories=None,
                value_range=None,
                colour_scale=None,
                group=None,
                legend=None,
            )
        lanes.append(lane)
    return replace(data, lanes=lanes)


def redact_view(view: str, data, redaction: Redaction, feature_of: dict[str, str] | None = None):
    """The plot-ready data of `view` with the redacted values taken out."""
    if view == "waterfall":
        return redact_waterfall(data, redaction, feature_of)
    if view == "beeswarm":
        return redact_beeswarm(data, redaction, feature_of)
    if view == "interaction_pair":
        return _refuse_redacted_pair(data, redaction, feature_of or {})
    return data  # importance shows no values


def _refuse_redacted_pair(data, redaction: Redaction, feature_of: dict[str, str]):
    """An interaction pair's plot as is, unless it shows a redacted column's values: its dots
    sit at one feature's values and take the other's colour, so nothing would be left."""
    if not redaction:
        return data
    for name in (data.feature, data.colour_feature):
        if name is not None and feature_of.get(name, name) in redaction:
            raise RedactedFigureError(
                f"This plot shows the values of {name}, a personal column "
                "(File > Personal Columns): it is not exported."
            )
    return data
