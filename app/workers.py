"""Background jobs for the GUI: the only module that starts threads.

Jobs run on the global QThreadPool. A job has a key; starting a job under a key that is already
running cancels the old one, and anything the old job still delivers (progress, result, error)
is dropped, so a slow run for the previous model can never overwrite the current one. Callbacks
always run on the GUI thread: a job's thread posts what it has to one relay QObject that lives
there (a queued signal), and the relay hands it to the job, which checks that it is still
current before calling back.

A generator function yields progress between steps; cancelling asks the job to stop at the
next yield (it cannot interrupt a step already running, but that step's result is dropped),
and the generator is then closed on its thread so its clean-up runs at once.

Why not superqt's workers (used here until 2026-12): each is a Python subclass of QRunnable
handed to the pool, and PySide 6.11 leaks the Python side of a few percent of such runnables
after the pool deletes them (measured: 26 of 500 with no signal connected, up to half when
started back to back). A leaked worker keeps its arguments (models, datasets, generators of
half-done explanations): the soak grew ~200 MB an hour from it. The pool is now given a plain
Python callable, which PySide wraps itself and releases every time (0 of 2,000), and no
object the pool deletes has a Python wrapper (tests/ui/test_workers_memory.py).
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from app.core.base.priority import background_niceness, lower_this_thread

log = logging.getLogger(__name__)

# Bulk SHAP, a clicked row, a file load, a partial snapshot, a cache write, a plot layout and
# panels' own jobs can all be in flight at once; with the default pool size (one thread per
# core) a clicked row would queue behind them. Threads waiting on I/O or GIL-free kernels cost
# little; what matters is that a click never waits for a free thread.
MIN_POOL_THREADS = 8

Callback = Callable[[Any], None]

# Background jobs (`run(..., background=True)`) run on one thread of their own at this nice
# level, next to the engine's bulk threads (app/core/explain/engine): work nobody is waiting for, such
# as copying a partial explanation, must not take a core from the GUI thread or a clicked row.
# SHAPLENS_BACKGROUND_NICENESS sets it (0-19; see app.core.base.priority.background_niceness).
BACKGROUND_NICENESS = background_niceness()
_background_lock = threading.Lock()
_background: ThreadPoolExecutor | None = None


def _background_executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(
                1,
                thread_name_prefix="shaplens-background",
                initializer=lower_this_thread,
                initargs=(BACKGROUND_NICENESS,),
            )
        return _background


def _in_background(fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn` on the low-priority thread; the pool thread calling this just waits for it."""
    return _background_executor().submit(fn, *args).result()


# What a job's thread posts to the GUI thread.
_YIELDED, _RETURNED, _ERRORED, _FINISHED = range(4)


class _Ticket:
    """The only part of a job its thread holds: a number to post under and the cancel flag.

    Callbacks stay on the GUI thread (in _Job), so the thread never drops the last reference
    to anything of the GUI's (a lambda holding a widget would otherwise be freed there).
    """

    __slots__ = ("cancelled", "number")

    def __init__(self, number: int) -> None:
        self.number = number
        self.cancelled = False


class _Relay(QObject):
    """One per process, on the GUI thread, never deleted: jobs' threads post here, so a thread
    never emits on an object that its window may have deleted meanwhile."""

    posted = Signal(int, int, object)  # ticket number, what (_YIELDED...), value

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[int, _Job] = {}  # unfinished jobs by ticket number
        # Queued even if a job ever ran on the GUI thread: callbacks never run inside run().
        self.posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(int, int, object)
    def _deliver(self, number: int, what: int, value: object) -> None:
        job = self.jobs.get(number)
        if job is None:
            return
        if what == _FINISHED:
            del self.jobs[number]
        job.deliver(what, value)


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:  # made by the first Workers, on the GUI thread
        _relay = _Relay()
    return _relay


def _execute(relay: _Relay, ticket: _Ticket, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """A job's thread: run `fn`, post its progress, result or error, then that it finished."""
    post = relay.posted.emit
    number = ticket.number
    try:
        if inspect.isgeneratorfunction(fn):
            result = _drive(fn(*args), ticket, lambda value: post(number, _YIELDED, value))
        else:
            result = fn(*args)
        if not ticket.cancelled:
            post(number, _RETURNED, result)
    except Exception as error:  # delivered to on_error on the GUI thread
        post(number, _ERRORED, error)
    finally:
        post(number, _FINISHED, None)


def _drive(generator: Any, ticket: _Ticket, on_yield: Callback) -> Any:
    """Step a generator until it returns or its job is cancelled (then close it here)."""
    try:
        while not ticket.cancelled:
            try:
                on_yield(next(generator))
            except StopIteration as done:
                return done.value
        return None
    finally:
        generator.close()


class _Job:
    """One job's callbacks, on the GUI thread; drops what arrives once the job is stale."""

    def __init__(
        self,
        owner: Workers,
        key: str,
        name: str,
        on_result: Callback | None,
        on_error: Callback | None,
        on_progress: Callback | None,
    ) -> None:
        self.owner, self.key, self.name = owner, key, name
        self.on_result, self.on_error, self.on_progress = on_result, on_error, on_progress
        self.ticket = _Ticket(next(_numbers))

    @property
    def cancelled(self) -> bool:
        return self.ticket.cancelled

    def cancel(self) -> None:
        self.ticket.cancelled = True

    def deliver(self, what: int, value: object) -> None:
        if what == _FINISHED:
            self._finished()
        elif self.cancelled:
            if what == _ERRORED:
                log.info("dropped error of cancelled job %s: %r", self.key, value)
        elif what == _YIELDED and self.on_progress is not None:
            self.on_progress(value)
        elif what == _RETURNED and self.on_result is not None:
            self.on_result(value)
        elif what == _ERRORED:
            if self.on_error is not None:
                self.on_error(value)
            else:
                log.error("unhandled error in job %s: %r", self.key, value)

    def _finished(self) -> None:
        if not shiboken6.isValid(self.owner):  # its window was deleted while we ran
            Workers._live.discard(self)
            return
        self.owner._job_finished(self)


_numbers = itertools.count()


class Workers(QObject):
    """One per window: runs keyed background jobs and cancels the stale ones."""

    all_done = Signal()  # no job of this object is running any more (cancelled ones included)
    job_finished = Signal(str)  # a job under this key ended (returned, failed or cancelled)

    _live: ClassVar[set[_Job]] = set()  # every unfinished job of every Workers, for tests

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: dict[str, _Job] = {}
        self._mine: set[_Job] = set()
        self._counter = itertools.count()
        # Deleted with its window while jobs still run: their callbacks would reach deleted
        # widgets, so drop whatever they deliver (the lambda holds the set, not self).
        mine = self._mine
        self.destroyed.connect(lambda *_: [job.cancel() for job in list(mine)])
        _the_relay()  # made here, so that it lives on the GUI thread
        pool = QThreadPool.globalInstance()
        if pool.maxThreadCount() < MIN_POOL_THREADS:
            pool.setMaxThreadCount(MIN_POOL_THREADS)

    def run(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callback | None,
        on_error: Callback | None,
        on_progress: Callback | None = None,
        background: bool = False,
    ) -> None:
        """Start `fn(*args)` in a thread under `key`, cancelling any job already under it.

        `background`: a plain function (not a generator) that nobody waits for runs on the
        low-priority background thread (see BACKGROUND_NICENESS); jobs there run one at a time.
        """
        self.cancel(key)
        if background:
            fn, args = _in_background, (fn, *args)
        job = _Job(self, key, f"{key}#{next(self._counter)}", on_result, on_error, on_progress)
        self._current[key] = job
        self._mine.add(job)
        Workers._live.add(job)
        relay = _the_relay()
        relay.jobs[job.ticket.number] = job
        # A plain callable, never a QRunnable subclass: see the module docstring.
        QThreadPool.globalInstance().start(partial(_execute, relay, job.ticket, fn, args))

    def cancel(self, key: str) -> None:
        """Stop the job under `key` at its next yield and drop whatever it still delivers."""
        job = self._current.pop(key, None)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        for key in list(self._current):
            self.cancel(key)

    def running(self) -> list[str]:
        """Keys of the current (not cancelled) jobs still running."""
        return sorted(self._current)

    def is_running(self, key: str) -> bool:
        return key in self._current

    def busy(self) -> bool:
        """Any thread of this object still working, including cancelled jobs winding down."""
        return bool(self._mine)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until every thread of the pool is done (only for closing the window)."""
        return QThreadPool.globalInstance().waitForDone(msecs)

    @classmethod
    def live_count(cls) -> int:
        """Unfinished jobs across all Workers objects (tests assert this drops to zero)."""
        return len(cls._live)

    @classmethod
    def live_jobs(cls) -> list[str]:
        """Each unfinished job as 'key#n', marked if cancelled: what a stuck wait reports."""
        return sorted(job.name + (" (cancelled)" if job.cancelled else "") for job in cls._live)

    def _job_finished(self, job: _Job) -> None:
        if self._current.get(job.key) is job:
            del self._current[job.key]
        self._mine.discard(job)
        Workers._live.discard(job)
        self.job_finished.emit(job.key)
        if not self._mine:
            self.all_done.emit()


def workers_for(widget: QObject, given: Workers | None = None) -> Workers:
    """The Workers a panel should use: the one it was given; else, once docked, its window's
    (so closing the window cancels the panel's jobs); else one of its own, created once."""
    if given is not None:
        return given
    window = widget.window() if hasattr(widget, "window") else None
    found = getattr(window, "workers", None)
    if isinstance(found, Workers):
        return found
    own = getattr(widget, "_own_workers", None)
    if not isinstance(own, Workers) or not shiboken6.isValid(own):
        own = Workers(widget)
        own.setObjectName("panel-own-workers")
        widget._own_workers = own  # kept on the widget, not searched for
    return own
