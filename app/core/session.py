"""Sessions: what the user was looking at, in one JSON file they can reopen later.

A session names the model, data and glossary files (with their sha256 so that a changed file is
noticed), the label column, class, threshold, filter, cohorts, bookmarks and the window layout
(an opaque base64 string from the GUI). It is written atomically. Loading never fails because a
file moved or changed: it returns warnings to show, and finds a moved file next to the session
when the whole folder was moved.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from app import __version__
from app.core.base.atomic import write_text_atomic
from app.core.bookmarks import Bookmark, BookmarkError, Bookmarks
from app.core.errors import ShapLensError

SESSION_FORMAT = "shaplens-session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".shaplens.json"


class SessionError(ShapLensError):
    """A session file cannot be read or is not a ShapLens session."""


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so large data files do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class FileRef:
    """A file the session depends on: where it was and what it contained."""

    path: str  # absolute when saved; updated on load when found elsewhere
    sha256: str
    size: int = 0
    relative: str = ""  # path relative to the session file's folder, to follow a moved folder

    @classmethod
    def of(cls, path: str | Path) -> FileRef:
        path = Path(path).resolve()
        try:
            return cls(str(path), file_sha256(path), path.stat().st_size)
        except OSError as error:
            raise SessionError(
                f"Cannot read {path} to save it in the session: {error.strerror}."
            ) from error


@dataclass
class Session:
    model: FileRef | None = None
    data: FileRef | None = None
    label_column: str | None = None
    output_index: int = 0
    threshold: float = 0.5
    filter_expression: str = ""
    cohorts: list[dict[str, object]] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)
    glossary: FileRef | None = None
    view_layout: str = ""  # base64 of QMainWindow.saveState(), opaque here
    redacted_columns: list[str] = field(default_factory=list)  # personal data kept out of exports
    # Features counterfactuals must not change; None: the names suggested for the model.
    locked_features: list[str] | None = None
    saved_at: str = ""
    app_version: str = __version__

    def bookmark_list(self) -> Bookmarks:
        return Bookmarks(list(self.bookmarks))


_REFS = ("model", "data", "glossary")


def session_to_json(session: Session) -> str:
    return json.dumps(
        {"format": SESSION_FORMAT, "version": SESSION_VERSION, **asdict(session)},
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
    )


def save_session(path: str | Path, session: Session) -> Path:
    """Write `session` to `path` atomically (the previous file survives any failure).

    Sets `saved_at` and each file's path relative to the session's folder on `session` itself.
    """
    path = Path(path)
    session.saved_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    folder = path.resolve().parent
    for key in _REFS:
        ref = getattr(session, key)
        if ref is not None:
            try:
                ref.relative = os.path.relpath(ref.path, folder)
            except ValueError:  # another drive on Windows: no relative path exists
                ref.relative = ""
    try:
        text = session_to_json(session) + "\n"
    except (TypeError, ValueError) as error:
        raise SessionError(f"The session cannot be saved: {error}.") from error
    # The files the session points at are its inputs: saving over one of them is refused.
    inputs = [ref.path for key in _REFS if (ref := getattr(session, key)) is not None]
    return write_text_atomic(path, text, inputs=inputs)


def _ref(raw: object, key: str, name: str) -> FileRef | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise SessionError(f"{name}: the `{key}` entry has no file path.")
    return FileRef(
        path=raw["path"],
        sha256=str(raw.get("sha256", "")),
        size=int(raw.get("size", 0) or 0),
        relative=str(raw.get("relative", "")),
    )


def _check_file(ref: FileRef, key: str, folder: Path) -> list[str]:
    """Find the file (where it was, or beside the session) and compare its hash."""
    where = Path(ref.path)
    warnings = []
    if not where.is_file():
        beside = (folder / ref.relative).resolve() if ref.relative else None
        if beside is not None and beside.is_file():
            warnings.append(f"The {key} file moved: {where} is gone; using {beside} instead.")
            ref.path = str(beside)
            where = beside
        else:
            return [f"The {key} file {where} is missing; open it again from its new place."]
    if ref.sha256:
        try:
            now = file_sha256(where)
        except OSError as error:
            return [*warnings, f"The {key} file {where} cannot be read: {error.strerror}."]
        if now != ref.sha256:
            warnings.append(
                f"The {key} file {where.name} changed since the session was saved "
                f"(sha256 {ref.sha256[:12]} then, {now[:12]} now): values will be recomputed, "
                "and bookmarks may now point at different rows."
            )
    return warnings


def load_session(path: str | Path) -> tuple[Session, list[str]]:
    """Read a session; warnings say which files moved, are missing or changed since."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise SessionError(f"Session file not found: {path}", path) from error
    except (OSError, UnicodeDecodeError) as error:
        raise SessionError(f"Cannot read the session file {path.name}: {error}.", path) from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise SessionError(
            f"{path.name} is not a ShapLens session (invalid JSON at line {error.lineno}, "
            f"column {error.colno}).",
            path,
        ) from error
    if not isinstance(raw, dict) or raw.get("format") != SESSION_FORMAT:
        raise SessionError(f"{path.name} is not a ShapLens session file.", path)
    version = raw.get("version")
    if not isinstance(version, int) or version > SESSION_VERSION:
        raise SessionError(
            f"{path.name} was saved by a newer ShapLens (session format {version}); "
            "update ShapLens to open it.",
            path,
        )
    try:
        bookmarks = list(Bookmarks.from_list(raw.get("bookmarks", [])))
    except BookmarkError as error:
        raise SessionError(f"{path.name}: {error}", path) from error
    redacted = raw.get("redacted_columns", [])
    if not isinstance(redacted, list) or not all(isinstance(c, str) for c in redacted):
        raise SessionError(f"{path.name}: `redacted_columns` must be a list of column names.", path)
    cohorts = raw.get("cohorts", [])
    if not isinstance(cohorts, list) or not all(isinstance(c, dict) for c in cohorts):
        raise SessionError(f"{path.name}: `cohorts` must be a list of objects.", path)
    locked = raw.get("locked_features")
    if locked is not None and (
        not isinstance(locked, list) or not all(isinstance(n, str) for n in locked)
    ):
        raise SessionError(f"{path.name}: `locked_features` must be a list of names.", path)
    try:
        session = Session(
            model=_ref(raw.get("model"), "model", path.name),
            data=_ref(raw.get("data"), "data", path.name),
            label_column=raw.get("label_column"),
            output_index=int(raw.get("output_index", 0)),
            threshold=float(raw.get("threshold", 0.5)),
            filter_expression=str(raw.get("filter_expression", "")),
            cohorts=cohorts,
            bookmarks=bookmarks,
            glossary=_ref(raw.get("glossary"), "glossary", path.name),
            view_layout=str(raw.get("view_layout", "")),
            redacted_columns=list(redacted),
            locked_features=locked,
            saved_at=str(raw.get("saved_at", "")),
            app_version=str(raw.get("app_version", "")),
        )
    except (TypeError, ValueError) as error:
        raise SessionError(f"{path.name}: a setting has the wrong type ({error}).", path) from error
    folder = path.resolve().parent
    warnings: list[str] = []
    for key in _REFS:
        ref = getattr(session, key)
        if ref is not None:
            warnings += _check_file(ref, key, folder)
    return session, warnings
