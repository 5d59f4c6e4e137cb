"""The shapes of the structured files ShapLens reads: session, glossary, trust store, cache metadata.

Each is a msgspec Struct with typed, bounded fields, so a file is validated while it is parsed.
Bounds are generous for real files and tight enough that nothing declared in a file can make the
program allocate without limit. Fields the program itself writes are required where a missing one
means the file is not ours.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# Text fields: long enough for any real note or path, short enough to show.
Text = Annotated[str, Meta(max_length=100_000)]
Name = Annotated[str, Meta(max_length=10_000)]
PathText = Annotated[str, Meta(max_length=32_768)]
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{0,64}$")]
Row = Annotated[int, Meta(ge=0, le=2**48)]
Unit = Annotated[float, Meta(ge=0.0, le=1.0)]  # bounds also refuse NaN
MAX_ITEMS = 10_000_000  # bookmarks, features or parts: far beyond any real file

Finite = Annotated[float, Meta(ge=-1.7e308, le=1.7e308)]


# ------------------------------------------------------------------------------------ session
class FileRefDoc(msgspec.Struct, forbid_unknown_fields=False):
    path: Annotated[str, Meta(min_length=1, max_length=32_768)]
    sha256: Sha256 = ""
    size: Annotated[int, Meta(ge=0, le=2**62)] = 0
    relative: PathText = ""


class BookmarkDoc(msgspec.Struct):
    row: Row
    tag: Name = ""
    note: Text = ""
    created: Name = ""


class CohortDoc(msgspec.Struct):
    name: Annotated[str, Meta(min_length=1, max_length=10_000)]
    expression: Text


class SessionHeader(msgspec.Struct):
    """Read first, so a newer format gets 'update ShapLens' rather than a list of field errors."""

    format: str = ""
    version: int | float | str | None = None


class SessionDoc(msgspec.Struct):
    format: Literal["shaplens-session"]
    version: Annotated[int, Meta(ge=0)]
    model: FileRefDoc | None = None
    data: FileRefDoc | None = None
    label_column: Name | None = None
    output_index: Annotated[int, Meta(ge=0, le=100_000)] = 0
    threshold: Unit = 0.5
    filter_expression: Text = ""
    cohorts: Annotated[list[CohortDoc], Meta(max_length=100_000)] = []
    bookmarks: Annotated[list[BookmarkDoc], Meta(max_length=MAX_ITEMS)] = []
    glossary: FileRefDoc | None = None
    view_layout: Annotated[str, Meta(max_length=4_000_000)] = ""
    redacted_columns: Annotated[list[Name], Meta(max_length=100_000)] = []
    locked_features: Annotated[list[Name], Meta(max_length=100_000)] | None = None
    saved_at: Name = ""
    app_version: Name = ""


# ------------------------------------------------------------------------------------ cohorts
class CohortsDoc(msgspec.Struct):
    cohorts: Annotated[list[CohortDoc], Meta(max_length=100_000)]


# ------------------------------------------------------------------------------------ glossary
# YAML scalars arrive as str, int, float, bool or date; text fields accept any of them and the
# glossary prints them as text. Lists and mappings where text belongs are refused.
Scalar = str | int | float | bool | None


class FeatureDoc(msgspec.Struct, forbid_unknown_fields=True):
    display: Scalar = None
    unit: Scalar = None
    description: Scalar = None
    phrase: Scalar = None
    values: Annotated[dict[str, Scalar], Meta(max_length=1_000_000)] | None = None


class TargetDoc(msgspec.Struct, forbid_unknown_fields=True):
    name: Scalar = None
    display: Scalar = None
    outcome: Scalar = None
    subject: Scalar = None
    unit: Scalar = None


class GlossaryDoc(msgspec.Struct, forbid_unknown_fields=True):
    # Entries are validated one by one (FeatureDoc) so an error can name its feature.
    features: Annotated[dict[str, object], Meta(max_length=1_000_000)] | None = None
    target: TargetDoc | None = None


FeatureEntry = FeatureDoc | str | None  # `age: Age in years` is shorthand for a display name


# ------------------------------------------------------------------------------------ trust store
class TrustDoc(msgspec.Struct):
    trusted: Annotated[dict[Sha256, Name], Meta(max_length=1_000_000)] = {}


# ------------------------------------------------------------------------------------ cache
class CacheChecksums(msgspec.Struct):
    values: Sha256
    raw_output: Sha256
    rows: Sha256


class CacheMetaDoc(msgspec.Struct):
    format: int
    checksums: CacheChecksums
    base_values: Annotated[list[Finite], Meta(max_length=100_000)]
    feature_names: Annotated[list[Name], Meta(max_length=1_000_000)]
    output_names: Annotated[list[Name], Meta(max_length=100_000)]
    unit: Name
    exact: bool
    complete: bool
    engine: Name


class CacheEntryDoc(msgspec.Struct):
    sha256: Sha256
    meta: msgspec.Raw  # hashed as written, then decoded as CacheMetaDoc
