"""Short SHA-256 digests of the open model and data files, for export captions.

The README promises that an exported figure names the model file and the dataset with their
hashes; the command line always did, the window did not. A file is hashed once per (path, size,
modification time), so exporting again costs nothing, and a file that has gone since it was
opened gives no hash rather than an error (the name is still printed).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def short_hash_of(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return _cached(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _cached(path: str, _size: int, _mtime_ns: int) -> str:
    from app.plots.export import short_hash

    try:
        return short_hash(path)
    except OSError:
        return ""
