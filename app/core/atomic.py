"""Write a file so that it is either fully replaced or left exactly as it was.

The new content goes to a temporary file in the same folder (so the final rename stays on one
file system), is flushed and fsynced, then renamed over the target with os.replace, which is
atomic on POSIX and Windows. A crash, a full disk or a read-only folder never leaves a half-written
file behind: the old file survives and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from app.core.errors import ShapLensError


class AtomicWriteError(ShapLensError):
    """A file could not be written (read-only folder, full disk, missing folder...)."""


def _explain(error: OSError, path: Path) -> str:
    """A message a user can act on, naming the file and the likely fix."""
    folder = path.parent
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"Cannot write {path.name}: the folder {folder} is read-only or you lack permission. "
            "Choose another folder."
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"Cannot write {path.name}: the disk holding {folder} is full. "
            "Free some space or choose another folder."
        )
    if error.errno == errno.ENOENT:
        return f"Cannot write {path.name}: the folder {folder} does not exist."
    if error.errno == errno.EISDIR:
        return f"Cannot write {path}: it is a folder; choose a file name."
    reason = error.strerror or str(error)
    return f"Cannot write {path.name} in {folder}: {reason}. The previous file was kept."


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on every platform."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Replace `path` with `data` atomically; raise AtomicWriteError and keep the old file."""
    path = Path(path)
    if path.is_dir():
        raise AtomicWriteError(_explain(IsADirectoryError(errno.EISDIR, "is a folder"), path), path)
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            # Keep the old file's permissions rather than mkstemp's private 0600.
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as error:
        raise AtomicWriteError(_explain(error, path), path) from error
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    _fsync_folder(path.parent)
    return path


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """write_bytes_atomic for text; newlines are written as given (no platform translation)."""
    return write_bytes_atomic(path, text.encode(encoding))
