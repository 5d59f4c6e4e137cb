"""How the workspace runs slow work and deferred work without knowing about threads or timers.

The window hands in its own (app.workers.Workers for jobs, a single-shot QTimer for a deferred
call); a command or a test uses the defaults here, which do the work at once on the caller's
thread. Core code stays Qt-free and thread-free: app/workers.py is the only module that starts
threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class JobRunner(Protocol):
    """Runs `fn(*args)` under a key, replacing a job already under it (app.workers.Workers)."""

    def run(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callback | None,
        on_error: Callback | None,
    ) -> None: ...

    def cancel(self, key: str) -> None: ...


class Deferred(Protocol):
    """A call made a little later, once (a single-shot QTimer): `start` (re)arms, `stop` drops."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class InlineJobs:
    """A JobRunner that runs each job at once on the calling thread (commands, tests)."""

    def run(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callback | None,
        on_error: Callback | None,
    ) -> None:
        try:
            result = fn(*args)
        except Exception as error:  # a worker delivers failures the same way: to on_error
            log.debug("job %s failed: %r", key, error)
            if on_error is not None:
                on_error(error)
            return
        if on_result is not None:
            on_result(result)

    def cancel(self, key: str) -> None:
        """Nothing runs after `run` returned."""


class CallNow:
    """A Deferred that does not defer: `start` calls at once (no event loop to wait on)."""

    def __init__(self, call: Callable[[], None]) -> None:
        self._call = call

    def start(self) -> None:
        self._call()

    def stop(self) -> None:
        """Nothing is pending."""
