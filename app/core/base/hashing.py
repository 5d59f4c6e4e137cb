"""The one way ShapLens fingerprints a file: SHA-256 of its bytes, read in blocks.

Sessions, reports, figure captions and the trust store all name a file by this digest, so they
must agree on it; every read goes through the input gate (a FIFO or a directory is refused
instead of waited on).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core.base.input_gate import ANY, open_input

_BLOCK = 1 << 20  # large files are hashed a block at a time, never held whole


def file_sha256(path: str | Path, chunk: int = _BLOCK) -> str:
    """Hex SHA-256 of the file's bytes; `InputError` when it is not a readable regular file."""
    digest = hashlib.sha256()
    with open_input(path, ANY) as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def short_hash(path: str | Path, length: int = 8) -> str:
    """The first characters of the file's SHA-256, so a figure names exactly what it shows."""
    return file_sha256(path)[:length]
