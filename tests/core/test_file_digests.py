"""Export captions' file digests: hashed once per file version, never an error or a hang."""

from __future__ import annotations

import os

import pytest

from app.core.base import file_digests
from app.core.base.hashing import file_sha256


@pytest.fixture(autouse=True)
def _fresh_cache():
    file_digests._cached.cache_clear()
    yield
    file_digests._cached.cache_clear()


def test_digest_is_the_files_sha256_prefix_and_follows_changes(tmp_path) -> None:
    path = tmp_path / "model.txt"
    path.write_bytes(b"tree\n")
    first = file_digests.short_hash_of(path)
    assert first == file_sha256(path)[:8]
    path.write_bytes(b"tree\nmore\n")  # a new size: a new version, hashed again
    assert file_digests.short_hash_of(path) == file_sha256(path)[:8] != first


def test_warm_fills_the_cache_so_a_caption_only_stats(tmp_path, monkeypatch) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    file_digests.warm([path, None])
    monkeypatch.setattr(file_digests, "short_hash", lambda *a, **k: pytest.fail("hashed again"))
    assert file_digests.short_hash_of(path) == file_sha256(path)[:8]


def test_missing_file_fifo_and_none_give_no_digest(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # a FIFO with no writer would block a plain open() forever
    assert file_digests.short_hash_of(fifo) == ""
    assert file_digests.short_hash_of(tmp_path / "gone.csv") == ""
    assert file_digests.short_hash_of(None) == ""
