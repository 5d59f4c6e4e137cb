"""The one way ShapLens writes a file: fully replaced, or left exactly as it was.

Every path first passes the output gate (app.core.base.output_gate: never an input, a folder or
a device; symlinks are written through). The new content goes to a temporary file in the target's
folder (so the final rename stays on one file system); every write is checked, the file is
flushed, fsynced and its size compared with what was written, then renamed over the target with
os.replace, which is atomic on POSIX and Windows. On any failure (a full disk, a read-only
folder, an exception in the producer) the temporary file is removed and the old file survives.

Three shapes of producer:
- write_bytes_atomic / write_text_atomic: the content is in memory (JSON, HTML, CSV, and every
  Qt figure, which is rendered to a QBuffer first because Qt's own file writers do not report
  a full disk);
- write_stream_atomic: a callback writes into a binary file object (np.save, pyarrow).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from app.core.base.output_gate import (
    AtomicWriteError,
    OutputRefusedError,
    PathLike,
    check_output,
    ensure_free_space,
    explain_os_error,
    preflight,
)

__all__ = [
    "AtomicWriteError",
    "OutputRefusedError",
    "check_output",
    "preflight",
    "write_bytes_atomic",
    "write_stream_atomic",
    "write_text_atomic",
]

_CHUNK = 1 << 20


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


def _adopt_metadata(target: Path, tmp_name: str) -> None:
    """Keep the replaced file's permissions (and owner, as root) rather than mkstemp's 0600."""
    try:
        old = os.stat(target)
    except OSError:
        with contextlib.suppress(OSError):
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        return
    with contextlib.suppress(OSError):
        os.chmod(tmp_name, old.st_mode & 0o7777)
    if hasattr(os, "chown") and hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.chown(tmp_name, old.st_uid, old.st_gid)


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """os.write until every byte is down; a write that makes no progress is an error."""
    view = memoryview(data).cast("B")
    done = 0
    while done < len(view):
        n = os.write(fd, view[done : done + _CHUNK])
        if n <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done += n


@contextlib.contextmanager
def _staged(
    path: PathLike, inputs: Iterable[PathLike | None], parents: bool, needed: int
) -> Iterator[int]:
    """Yield the fd of a temporary file that replaces `path` when the block ends cleanly."""
    shown = Path(path)
    target = check_output(shown, inputs)
    tmp_name: str | None = None
    try:
        if parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        ensure_free_space(target.parent, needed, shown)  # never down to the disk's last MiB
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            yield fd
            os.fsync(fd)
        finally:
            os.close(fd)  # on NFS a failed write may only surface here: it raises too
        _adopt_metadata(target, tmp_name)
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as error:
        raise AtomicWriteError(explain_os_error(error, shown), shown) from error
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    _fsync_folder(target.parent)


def write_bytes_atomic(
    path: PathLike,
    data: bytes | bytearray | memoryview,
    *,
    inputs: Iterable[PathLike | None] = (),
    parents: bool = False,
) -> Path:
    """Replace `path` with `data`; raise AtomicWriteError and keep the old file on failure.

    `inputs` are the files the calling command read: writing over any of them is refused.
    `parents=True` creates missing folders. Returns `path` as given.
    """
    size = memoryview(data).nbytes
    with _staged(path, inputs, parents, size) as fd:
        _write_all(fd, data)
        if os.lseek(fd, 0, os.SEEK_CUR) != size:
            raise OSError(errno.EIO, "not every byte was written")
    return Path(path)


def write_text_atomic(
    path: PathLike,
    text: str,
    encoding: str = "utf-8",
    *,
    inputs: Iterable[PathLike | None] = (),
    parents: bool = False,
) -> Path:
    """write_bytes_atomic for text; newlines are written as given (no platform translation)."""
    return write_bytes_atomic(path, text.encode(encoding), inputs=inputs, parents=parents)


def write_stream_atomic(
    path: PathLike,
    produce: Callable[[BinaryIO], object],
    *,
    inputs: Iterable[PathLike | None] = (),
    parents: bool = False,
    size_hint: int = 0,
) -> Path:
    """Replace `path` with what `produce(handle)` writes into a binary file object.

    For writers that stream (np.save, pyarrow): each write raises on failure, the buffer is
    flushed and checked, and the file's size must equal the handle's final position.
    `size_hint` (bytes, a lower bound) lets a full disk be refused before anything is written.
    """
    with _staged(path, inputs, parents, size_hint) as fd:
        handle = os.fdopen(fd, "wb", closefd=False)
        try:
            produce(handle)
            handle.flush()
            end = handle.tell()
        finally:
            with contextlib.suppress(OSError, ValueError):
                handle.close()  # flushes nothing more; closefd=False leaves fd to _staged
        if os.fstat(fd).st_size != end:
            raise OSError(errno.EIO, "the file is not as long as what was written")
    return Path(path)
