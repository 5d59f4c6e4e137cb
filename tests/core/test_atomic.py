"""Atomic writes: the new content or the old file, never a torn file or a stray temp file."""

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from app.core.base import atomic
from app.core.base.atomic import AtomicWriteError, write_bytes_atomic, write_text_atomic
from app.core.base.errors import ShapLensError


def test_writes_new_and_replaces_old(tmp_path) -> None:
    target = tmp_path / "out.json"
    write_text_atomic(target, "first")
    assert target.read_text() == "first"
    write_bytes_atomic(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_crash_at_rename_keeps_old_file_and_cleans_up(tmp_path, monkeypatch) -> None:
    target = tmp_path / "session.json"
    target.write_text("old content")

    def crash(src, dst):
        raise OSError(errno.EIO, "simulated crash")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(AtomicWriteError) as info:
        write_text_atomic(target, "new content")
    assert "session.json" in str(info.value)
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]


def test_full_disk_during_write_keeps_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    real_fsync = os.fsync

    def full(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(AtomicWriteError, match=r"disk .* is full"):
        write_text_atomic(target, "new" * 1000)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_read_only_folder_simulated_gives_clear_error(tmp_path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(ShapLensError, match="read-only or you lack permission") as info:
        write_text_atomic(tmp_path / "x.txt", "data")
    assert "x.txt" in str(info.value) and str(tmp_path) in str(info.value)


def test_read_only_folder_for_real(tmp_path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "keep.txt").write_text("old")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        try:  # root ignores folder permissions: nothing to test then
            tempfile.TemporaryFile(dir=folder).close()
            pytest.skip("running with privileges that ignore read-only folders")
        except PermissionError:
            pass
        with pytest.raises(AtomicWriteError, match="read-only"):
            write_text_atomic(folder / "keep.txt", "new")
        assert (folder / "keep.txt").read_text() == "old"
    finally:
        folder.chmod(stat.S_IRWXU)


def test_missing_folder_and_folder_target(tmp_path) -> None:
    with pytest.raises(AtomicWriteError, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "x.txt", "data")
    with pytest.raises(AtomicWriteError, match="is a folder"):
        write_text_atomic(tmp_path, "data")


def test_keeps_existing_permissions(tmp_path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old")
    target.chmod(0o644)
    write_text_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
