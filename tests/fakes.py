"""Stand-ins shared by the core and command tests."""

from __future__ import annotations

import errno


class FullDiskFile:
    """A file object that fills up: what a stream producer (numpy, pyarrow) meets on a full disk."""

    def __init__(self, inner, capacity: int) -> None:
        self.inner, self.left = inner, capacity

    def write(self, data) -> int:
        size = memoryview(data).nbytes
        if size > self.left:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.left -= size
        return self.inner.write(data)

    def __getattr__(self, name):
        return getattr(self.inner, name)
