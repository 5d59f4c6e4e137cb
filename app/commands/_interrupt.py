"""Ctrl+C for long commands, made to land even inside libraries that catch too much.

Python turns SIGINT into KeyboardInterrupt wherever the main thread happens to be; raised inside a
finaliser or a library's broad `except`, it is lost and the run goes on. While `interruptible()`
is active, a Ctrl+C also sets a flag that the command's loops poll, so it is never lost; around
steps that must not be torn in half (starting a cluster, which would leave worker processes
behind), the interrupt is deferred to the flag alone and raised once the step is done.

A process that was started with SIGINT ignored (a shell script's `cmd &`) keeps ignoring it, as
the Unix convention for background jobs asks; SIGTERM still stops it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptFlag:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._deferring = 0

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl+C arrived since the command started."""
        if self._event.is_set():
            raise KeyboardInterrupt

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold a Ctrl+C that arrives inside the block until the block has finished."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        self.check()

    def _on_sigint(self, _signum: int, _frame: FrameType | None) -> None:
        self._event.set()
        if not self._deferring:
            raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[InterruptFlag]:
    flag = InterruptFlag()
    previous = signal.getsignal(signal.SIGINT)
    owns_signal = (
        previous is signal.default_int_handler
        and threading.current_thread() is threading.main_thread()
    )
    if owns_signal:
        signal.signal(signal.SIGINT, flag._on_sigint)
    try:
        yield flag
    finally:
        if owns_signal:
            signal.signal(signal.SIGINT, previous)
