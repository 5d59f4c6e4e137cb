"""The input gate: every non-model file ShapLens reads is opened here, and only here.

A path can name a FIFO, a device, a folder or a file far bigger than its role allows. Opening a
FIFO for reading blocks until a writer appears (forever, usually), and `/dev/zero` never ends, so
the kind is checked before any byte is read: the file is opened with O_NONBLOCK (which never
blocks, whatever the kind) and then judged by `fstat` of that very descriptor, so nothing can be
swapped in between the check and the read. Small files are read with a hard size cap.

Every refusal is an `InputError` whose message is one sentence naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.base.errors import ShapLensError

MB = 1024**2


class InputError(ShapLensError):
    """A file cannot be read in its role: missing, not a regular file, unreadable or too big."""


@dataclass(frozen=True)
class Role:
    """What a file is for: named in messages; `limit` is its largest believable size (bytes)."""

    noun: str
    limit: int | None  # None: no fixed cap; a memory guard judges the size instead


ANY = Role("file", None)  # read whole but judged by kind only (hashing a referenced file)
DATA = Role("data file", None)
GLOSSARY = Role("glossary", 16 * MB)
SESSION = Role("session file", 32 * MB)
ROWS = Role("row-number file", 4 * MB)  # export writes one file per row: 10,000 at most
TRUST_STORE = Role("trust store", 4 * MB)
CACHE_META = Role("cache entry", 64 * MB)
CACHE_ARRAY = Role("cache entry", None)
COHORTS = Role("cohorts file", 16 * MB)
MANIFEST = Role("results manifest", 64 * MB)
MODEL_FILE = Role("model file", None)  # sized by app.core.data.model_io, with a model's message

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _size_text(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n:,} bytes"


def _judge(path: Path, info: os.stat_result, role: Role, limit: int | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        hint = "choose a file inside it" if kind == "a folder" else "save it to a regular file"
        raise InputError(
            f"{path} is {kind}, not a {role.noun}; ShapLens reads only regular files, so {hint} "
            "and open that.",
            path,
        )
    if limit is not None and info.st_size > limit:
        raise InputError(
            f"{path} is {_size_text(info.st_size)}, more than a {role.noun} can be "
            f"({_size_text(limit)}); check that this is the right file.",
            path,
        )


def _os_error(path: Path, role: Role, error: OSError) -> InputError:
    if isinstance(error, FileNotFoundError):
        return InputError(f"The {role.noun} {path} was not found; check the path.", path)
    if isinstance(error, PermissionError):
        return InputError(
            f"The {role.noun} {path} cannot be read (permission denied); give yourself read "
            "access to it or copy it somewhere readable.",
            path,
        )
    if isinstance(error, IsADirectoryError):
        return InputError(f"{path} is a folder, not a {role.noun}; choose a file inside it.", path)
    reason = error.strerror or type(error).__name__
    return InputError(f"The {role.noun} {path} cannot be read ({reason}).", path)


def is_missing(path: str | Path) -> bool:
    """Nothing at `path`, not even a dangling link: a caller's "not found" message fits. False
    when a folder on the way may not be searched (Python 3.11's Path.exists() raises there),
    so the gate's own read reports that, as permission denied."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def check_input(path: str | Path, role: Role, limit: int | None = None) -> os.stat_result:
    """Judge a path without opening it, for libraries that insist on opening files themselves.

    Prefer `open_input`: between this check and the library's open the file could be swapped.
    Used only where the reader needs a path (memory maps of our own cache files).
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as error:
        raise _os_error(path, role, error) from error
    _judge(path, info, role, limit if limit is not None else role.limit)
    if not os.access(path, os.R_OK):
        raise _os_error(path, role, PermissionError())
    return info


def open_input(path: str | Path, role: Role, limit: int | None = None) -> BinaryIO:
    """Open a regular file for binary reading after checking its kind and size on the descriptor.

    Raises InputError (one sentence) for a missing, unreadable, special or oversized file.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise _os_error(path, role, error) from error
    try:
        _judge(path, os.fstat(fd), role, limit if limit is not None else role.limit)
        if hasattr(os, "set_blocking"):
            with contextlib.suppress(OSError):  # a regular file: back to ordinary reads
                os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def read_input(path: str | Path, role: Role, limit: int | None = None) -> bytes:
    """The whole of a small file, never more than its role's limit (even if it grows meanwhile)."""
    path = Path(path)
    cap = limit if limit is not None else role.limit
    with open_input(path, role, cap) as handle:
        try:
            data = handle.read() if cap is None else handle.read(cap + 1)
        except OSError as error:
            raise _os_error(path, role, error) from error
    if cap is not None and len(data) > cap:
        raise InputError(
            f"{path} grew past {_size_text(cap)} while being read, more than a {role.noun} can "
            "be; check that this is the right file.",
            path,
        )
    return data


def read_input_text(
    path: str | Path, role: Role, encoding: str = "utf-8", limit: int | None = None
) -> str:
    """`read_input` decoded; undecodable bytes give one sentence naming the file."""
    path = Path(path)
    data = read_input(path, role, limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(
            f"The {role.noun} {path} is not {encoding.replace('-sig', '')} text (bad byte at "
            f"offset {error.start}); save it as UTF-8 and open it again.",
            path,
        ) from error
