"""Short SHA-256 digests of the open model and data files, for export captions.

The README promises that an exported figure names the model file and the dataset with their
hashes. A file is hashed once per (path, size, modification time): the window hashes what it
opened in a background job right after loading (`warm`), so an export on the GUI thread only
reads the cache. A file that has gone since it was opened gives no hash rather than an error
(the caption still names it).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from app.core.base.errors import ShapLensError
from app.core.base.hashing import short_hash


def short_hash_of(path: Path | None) -> str:
    """The file's short digest ("" when there is no file or it cannot be read)."""
    if path is None:
        return ""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return _cached(str(path), stat.st_size, stat.st_mtime_ns)


def warm(paths: Iterable[Path | None]) -> None:
    """Hash these files now (worker thread), so captions later cost a stat."""
    for path in paths:
        short_hash_of(path)


@lru_cache(maxsize=16)
def _cached(path: str, _size: int, _mtime_ns: int) -> str:
    try:
        return short_hash(path)
    except (OSError, ShapLensError):
        return ""
