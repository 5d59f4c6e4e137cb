"""Sessions round-trip exactly, survive crashes during save and report moved/changed files."""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from app.core.base import atomic
from app.core.base.atomic import AtomicWriteError
from app.core.base.errors import ShapLensError
from app.core.review.bookmarks import Bookmarks
from app.core.review.session import FileRef, Session, SessionError, load_session, save_session


@pytest.fixture
def files(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "model.txt").write_text("tree model bytes")
    (project / "data.csv").write_text("a,b\n1,2\n")
    (project / "glossary.yaml").write_text("features: {}\n")
    return project


def make_session(project) -> Session:
    marks = Bookmarks()
    marks.add(17, "surprising", 'note with ünïcode and "quotes"\nand a newline')
    marks.add(3, "check", "")
    return Session(
        model=FileRef.of(project / "model.txt"),
        data=FileRef.of(project / "data.csv"),
        label_column="income_gt_50k",
        output_index=2,
        threshold=0.1 + 0.2,  # a float that only round-trips when written exactly
        filter_expression="age > 30 and sex == 'Female'",
        cohorts=[{"name": "young", "expression": "age < 25"}, {"name": "all", "expression": ""}],
        bookmarks=list(marks),
        glossary=FileRef.of(project / "glossary.yaml"),
        view_layout=base64.b64encode(bytes(range(256))).decode(),
    )


def test_round_trip_is_exact(files) -> None:
    session = make_session(files)
    path = save_session(files / "s.shaplens.json", session)
    loaded, warnings = load_session(path)
    assert warnings == []
    assert loaded == session
    assert loaded.threshold == 0.1 + 0.2
    assert base64.b64decode(loaded.view_layout) == bytes(range(256))
    assert loaded.bookmark_list().get(17).note.endswith("newline")


def test_crash_during_save_keeps_previous_session(files, monkeypatch) -> None:
    path = files / "s.shaplens.json"
    first = make_session(files)
    save_session(path, first)
    before = path.read_bytes()

    def crash(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "replace", crash)
    changed = make_session(files)
    changed.threshold = 0.9
    with pytest.raises(AtomicWriteError):
        save_session(path, changed)
    assert path.read_bytes() == before
    assert sorted(p.name for p in files.iterdir() if p.name.startswith(".")) == []
    assert load_session(path)[0].threshold == first.threshold


def test_read_only_folder_gives_clear_error(files, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(ShapLensError, match="read-only or you lack permission"):
        save_session(files / "s.shaplens.json", make_session(files))


def test_changed_file_is_reported(files) -> None:
    path = save_session(files / "s.shaplens.json", make_session(files))
    (files / "data.csv").write_text("a,b\n1,3\n")
    session, warnings = load_session(path)
    assert len(warnings) == 1
    assert "data file data.csv changed since the session was saved" in warnings[0]
    assert session.data.sha256[:12] in warnings[0]


def test_moved_folder_is_followed_and_missing_file_reported(files, tmp_path) -> None:
    save_session(files / "s.shaplens.json", make_session(files))
    moved = tmp_path / "elsewhere"
    shutil.move(files, moved)
    (moved / "glossary.yaml").unlink()
    session, warnings = load_session(moved / "s.shaplens.json")
    assert session.model.path == str((moved / "model.txt").resolve())
    assert any("model file moved" in w for w in warnings)
    assert any("data file moved" in w for w in warnings)
    assert any("glossary file" in w and "is missing" in w for w in warnings)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "not a ShapLens session"),
        ('{"format": "shaplens-session", "version": 99}', "newer ShapLens"),
        ('{"format": "shaplens-session", "version": 1, "bookmarks": [{"row": "x"}]}', "row"),
        ('{"format": "shaplens-session", "version": 1, "threshold": "high"}', "wrong type"),
    ],
)
def test_bad_session_files(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.shaplens.json"
    path.write_text(content)
    with pytest.raises(SessionError, match=message):
        load_session(path)


def test_missing_session_file(tmp_path) -> None:
    with pytest.raises(SessionError, match="not found"):
        load_session(tmp_path / "none.json")


def test_saved_file_is_plain_json(files) -> None:
    path = save_session(files / "s.shaplens.json", make_session(files))
    raw = json.loads(path.read_text())
    assert raw["format"] == "shaplens-session" and raw["model"]["relative"] == "model.txt"
    assert len(raw["data"]["sha256"]) == 64
