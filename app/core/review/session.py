"""Sessions: what the user was looking at, in one JSON file they can reopen later.

A session names the model, data and glossary files (with their sha256 so that a changed file is
noticed), the label column, class, threshold, filter, cohorts, bookmarks and the window layout
(an opaque base64 string from the GUI). It is written atomically. Loading never fails because a
file moved or changed: it returns warnings to show, and finds a moved file next to the session
when the whole folder was moved.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app import __version__
from app.core.base.atomic import write_text_atomic
from app.core.base.errors import ShapLensError
from app.core.base.hashing import file_sha256 as file_sha256  # sessions name files by it
from app.core.base.input_gate import SESSION, InputError, read_input
from app.core.base.schemas import FileRefDoc, SessionDoc, SessionHeader
from app.core.base.structured import SchemaError, decode_json
from app.core.review.bookmarks import Bookmark, Bookmarks

SESSION_FORMAT = "shaplens-session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".shaplens.json"


class SessionError(ShapLensError):
    """A session file cannot be read or is not a ShapLens session."""


@dataclass
class FileRef:
    """A file the session depends on: where it was and what it contained."""

    path: str  # absolute when saved; updated on load when found elsewhere
    sha256: str
    size: int = 0
    relative: str = ""  # path relative to the session file's folder, to follow a moved folder

    @classmethod
    def pending(cls, path: str | Path) -> FileRef:
        """A reference to hash later (`save_session` does), so a GUI thread never reads it."""
        return cls(str(Path(path).resolve()), "")

    @classmethod
    def of(cls, path: str | Path) -> FileRef:
        path = Path(path).resolve()
        try:
            return cls(str(path), file_sha256(path), path.stat().st_size)
        except InputError as error:
            raise SessionError(f"{error} It cannot be saved in the session.", path) from error
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

    Sets `saved_at`, each file's path relative to the session's folder and the hashes of
    pending references (FileRef.pending) on `session` itself.
    """
    path = Path(path)
    session.saved_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    folder = path.resolve().parent
    for key in _REFS:
        ref = getattr(session, key)
        if ref is not None and not ref.sha256:  # FileRef.pending: hashed here, off the GUI
            ref = FileRef.of(ref.path)
            setattr(session, key, ref)
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


def _ref(doc: FileRefDoc | None) -> FileRef | None:
    if doc is None:
        return None
    return FileRef(path=doc.path, sha256=doc.sha256, size=doc.size, relative=doc.relative)


def _check_file(ref: FileRef, key: str, folder: Path) -> list[str]:
    """Find the file (where it was, or beside the session) and compare its hash."""
    where = Path(ref.path)
    warnings = []
    if not os.path.isfile(where):  # also when a folder on the way may not be searched
        beside = (folder / ref.relative).resolve() if ref.relative else None
        if beside is not None and os.path.isfile(beside):
            warnings.append(f"The {key} file moved: {where} is gone; using {beside} instead.")
            ref.path = str(beside)
            where = beside
        else:
            return [f"The {key} file {where} is missing; open it again from its new place."]
    if ref.sha256:
        try:
            now = file_sha256(where)
        except InputError as error:
            return [*warnings, str(error)]
        except OSError as error:
            return [*warnings, f"The {key} file {where} cannot be read: {error.strerror}."]
        if now != ref.sha256:
            warnings.append(
                f"The {key} file {where.name} changed since the session was saved "
                f"(sha256 {ref.sha256[:12]} then, {now[:12]} now): values will be recomputed, "
                "and bookmarks may now point at different rows."
            )
    return warnings


def _parse(path: Path, data: bytes) -> SessionDoc:
    """The session's fields, typed and bounded (schemas.SessionDoc), or SessionError."""
    try:
        header = decode_json(data, SessionHeader)
    except SchemaError as error:
        if error.problem.startswith("not valid JSON"):
            raise SessionError(
                f"{path.name} is not a ShapLens session ({error.problem}).", path
            ) from error
        raise SessionError(f"{path.name} is not a ShapLens session file.", path) from error
    if header.format != SESSION_FORMAT:
        raise SessionError(f"{path.name} is not a ShapLens session file.", path)
    version = header.version
    if not isinstance(version, int) or isinstance(version, bool) or version > SESSION_VERSION:
        raise SessionError(
            f"{path.name} was saved by a newer ShapLens (session format {version}); "
            "update ShapLens to open it.",
            path,
        )
    try:
        return decode_json(data, SessionDoc)
    except SchemaError as error:
        where = f" `{error.where}`" if error.where else ""
        raise SessionError(
            f"{path.name}: the setting{where} has the wrong type or value ({error.problem}); "
            "save the session again from ShapLens.",
            path,
        ) from error


def load_session(path: str | Path) -> tuple[Session, list[str]]:
    """Read a session; warnings say which files moved, are missing or changed since."""
    path = Path(path)
    try:
        data = read_input(path, SESSION)
    except InputError as error:
        raise SessionError(str(error), path) from error
    doc = _parse(path, data)
    session = Session(
        model=_ref(doc.model),
        data=_ref(doc.data),
        label_column=doc.label_column,
        output_index=doc.output_index,
        threshold=doc.threshold,
        filter_expression=doc.filter_expression,
        cohorts=[{"name": c.name, "expression": c.expression} for c in doc.cohorts],
        bookmarks=[Bookmark(b.row, b.tag, b.note, b.created) for b in doc.bookmarks],
        glossary=_ref(doc.glossary),
        view_layout=doc.view_layout,
        redacted_columns=list(doc.redacted_columns),
        locked_features=list(doc.locked_features) if doc.locked_features is not None else None,
        saved_at=doc.saved_at,
        app_version=doc.app_version,
    )
    folder = path.resolve().parent
    warnings: list[str] = []
    for key in _REFS:
        ref = getattr(session, key)
        if ref is not None:
            warnings += _check_file(ref, key, folder)
    return session, warnings
