"""What may be written where: the checks every output path passes before a byte is written.

Rules (the README's "Where ShapLens writes" states them for users):
- An output that is one of the command's inputs (same path, a symlink to it, or a hard link,
  compared by device and inode) is refused: writing it would destroy the input.
- An existing folder is refused where a file is expected.
- Devices, FIFOs and sockets are refused. An atomic write replaces a file by renaming a finished
  copy over it; a device cannot be replaced that way (as root, `/dev/null` would be swapped for a
  regular file), a stream cannot be "left intact" when writing fails half-way, and a FIFO without
  a reader blocks forever. Refusing keeps all three promises; writing through would break them.
- A symlink is written through: its target file is replaced and the link itself is kept, which
  is what a user who points `latest.html` at this week's report expects.
- The disk must have room for the bytes about to be written.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from app.core.base.errors import ShapLensError

# Never fill a disk to its last block: the system and other programs need some room too.
FREE_SPACE_RESERVE = 1 << 20

PathLike = str | os.PathLike[str]


class AtomicWriteError(ShapLensError):
    """A file could not be written (read-only folder, full disk, missing folder...)."""


class OutputRefusedError(AtomicWriteError):
    """The output path is an input, a folder, a device or a FIFO: nothing was written."""


def explain_os_error(error: OSError, path: Path, folder: Path | None = None) -> str:
    """A message a user can act on, naming the file and the likely fix. `folder`: the one that
    refused, when it is not the file's own (a missing folder would have been made in it)."""
    folder = path.parent if folder is None else folder
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"Cannot write {path.name}: the folder {folder} is read-only or you lack permission. "
            "Choose another folder."
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (
            f"Cannot write {path.name}: the disk holding {folder} is full. "
            "Free some space or choose another folder."
        )
    if error.errno == errno.ENOENT:
        return f"Cannot write {path.name}: the folder {folder} does not exist."
    if error.errno in (errno.EISDIR, errno.ENOTDIR):
        return f"Cannot write {path}: it is a folder; choose a file name."
    reason = error.strerror or str(error)
    return f"Cannot write {path.name} in {folder}: {reason}. The previous file was kept."


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)  # follows symlinks: the file that would really be written
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise AtomicWriteError(explain_os_error(error, path), path) from error


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _input_paths(inputs: Iterable[PathLike | None]) -> list[Path]:
    return [Path(p) for p in inputs if p is not None and str(p) != ""]


def _refuse_input(shown: Path, target: Path, st: os.stat_result | None, inputs, folder: bool):
    for given in _input_paths(inputs):
        real = Path(os.path.realpath(given))
        same = real == target
        if not same and st is not None:
            try:
                other = os.stat(real)
            except OSError:  # an input this user cannot see (its own read says so) is no match
                other = None
            same = other is not None and (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
        if same:
            raise OutputRefusedError(
                f"Refusing to write {shown}: it is the input {given} (the same file), which "
                "would be destroyed. Choose another output name.",
                shown,
            )
        if folder and _is_within(real, target):
            raise OutputRefusedError(
                f"Refusing to write the folder {shown}: it holds the input {given}, which "
                "would be deleted. Choose another output folder.",
                shown,
            )


def check_output(
    path: PathLike, inputs: Iterable[PathLike | None] = (), *, folder: bool = False
) -> Path:
    """The real path to write for `path` (symlinks followed), or OutputRefusedError.

    `inputs` are every file (or folder) the same command reads. `folder=True` checks an output
    that is itself a folder (the Dask engine's result), which may exist and be replaced.
    """
    shown = Path(path)
    target = Path(os.path.realpath(shown))  # a dangling symlink resolves to where it points
    # The given path is stat'ed, not the resolved text: /dev/stdout's chain ends in a pipe that
    # has no name a path could spell.
    st = _stat(shown)
    if st is not None:
        if stat.S_ISDIR(st.st_mode) and not folder:
            raise OutputRefusedError(
                f"Cannot write {shown}: it is a folder; choose a file name.", shown
            )
        if not folder and not stat.S_ISREG(st.st_mode):
            raise OutputRefusedError(
                f"Refusing to write {shown}: it is {_kind(st.st_mode)}, and ShapLens writes "
                "regular files only (a write could not be undone if it failed). Choose a file.",
                shown,
            )
        if folder and not stat.S_ISDIR(st.st_mode):
            raise OutputRefusedError(
                f"Refusing to write {shown}: it is a file and this output is a folder.", shown
            )
    _refuse_input(shown, target, st, inputs, folder)
    return target


def free_bytes(folder: Path) -> int | None:
    """Bytes this process may still write on the disk holding `folder` (None: not reported)."""
    if hasattr(os, "statvfs"):
        info = os.statvfs(folder)
        if info.f_blocks == 0:
            return None  # some network and FUSE file systems report no sizes at all
        # root may use the blocks reserved for it; everyone else only the available ones
        blocks = info.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else info.f_bavail
        return int(blocks) * int(info.f_frsize)
    import shutil

    return int(shutil.disk_usage(folder).free)


def ensure_free_space(folder: Path, needed: int, shown: Path) -> None:
    """Refuse early, with the disk-full message, when `needed` bytes cannot fit."""
    try:
        available = free_bytes(folder)
    except OSError:
        available = None
    if available is None:
        return  # no answer (an odd file system): the write itself still reports ENOSPC
    if needed + FREE_SPACE_RESERVE > available:
        error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise AtomicWriteError(explain_os_error(error, shown), shown) from error


def preflight(
    path: PathLike, inputs: Iterable[PathLike | None] = (), *, folder: bool = False
) -> Path:
    """check_output plus "can anything be created there?", before a long computation starts.

    Missing parent folders are fine when the nearest existing one is writable (the writers
    create them); the real write still checks everything again.
    """
    target = check_output(path, inputs, folder=folder)
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    shown = Path(path)
    if not ancestor.is_dir():
        error = OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        raise AtomicWriteError(
            f"Cannot write {shown}: {ancestor} is a file, not a folder.", shown
        ) from error
    if not os.access(ancestor, os.W_OK | os.X_OK):
        error = OSError(errno.EACCES, os.strerror(errno.EACCES))
        refused = None if ancestor == target.parent else ancestor
        raise AtomicWriteError(explain_os_error(error, shown, refused), shown) from error
    return target
