"""A read-only folder for real, also when the suite runs as root (as CI does).

Root ignores folder permissions, so tests/core/test_atomic.py skips its real read-only case
there; this one writes from a forked child that has given up root for the 'nobody' account
(a fork, not a new interpreter: 'nobody' may not reach the interpreter under /root).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import warnings
from pathlib import Path

import pytest

from app.core.base.atomic import AtomicWriteError, write_text_atomic

NOBODY = 65534
WROTE, REFUSED, OTHER = 10, 11, 12
READ_ONLY = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


def write_as_nobody(target: Path, message_file: Path) -> int:
    with warnings.catch_warnings():  # 3.12+ warns on fork beside threads; the child only writes
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = OTHER
        try:
            os.setgid(NOBODY)
            os.setgroups([])
            os.setuid(NOBODY)
            write_text_atomic(target, "new")
            code = WROTE
        except AtomicWriteError as error:
            message_file.write_text(str(error))  # the message file is writable by nobody
            code = REFUSED
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="without root, tests/core/test_atomic.py tests a read-only folder directly",
)
def test_read_only_folder_as_an_unprivileged_user() -> None:
    base = Path(tempfile.mkdtemp(prefix="shaplens-ro-"))
    try:
        os.chmod(base, 0o755)
        folder = base / "locked"
        folder.mkdir()
        (folder / "keep.txt").write_text("old")
        message = base / "message.txt"
        message.write_text("")
        for path in (folder, folder / "keep.txt", message):
            os.chown(path, NOBODY, NOBODY)
        folder.chmod(READ_ONLY)
        assert write_as_nobody(folder / "keep.txt", message) == REFUSED
        text = message.read_text()
        assert "read-only" in text and "keep.txt" in text
        assert (folder / "keep.txt").read_text() == "old"
        assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    finally:
        shutil.rmtree(base, ignore_errors=True)
