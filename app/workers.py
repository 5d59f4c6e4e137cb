"""Background jobs for the GUI: the only module that starts threads.

Built on `superqt.utils.create_worker` (QRunnables on the global QThreadPool). A job has a key;
starting a job under a key that is already running cancels the old one, and anything the old job
still delivers (progress, result, error) is dropped, so a slow run for the previous model can
never overwrite the current one. Callbacks always run on the GUI thread: each job's signals go
through a relay QObject that lives there (queued connections), and the relay checks whether its
job is still current before calling back.

A generator function yields progress between steps; cancelling asks the worker to stop at the
next yield (it cannot interrupt a step already running, but that step's result is dropped).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from superqt.utils import WorkerBase, create_worker

from app.core.priority import background_niceness, lower_this_thread

log = logging.getLogger(__name__)

# Bulk SHAP, a clicked row, a file load, a partial snapshot, a cache write, a plot layout and
# panels' own jobs can all be in flight at once; with the default pool size (one thread per
# core) a clicked row would queue behind them. Threads waiting on I/O or GIL-free kernels cost
# little; what matters is that a click never waits for a free thread.
MIN_POOL_THREADS = 8

Callback = Callable[[Any], None]

# Background jobs (`run(..., background=True)`) run on one thread of their own at this nice
# level, next to the engine's bulk threads (app/core/engine): work nobody is waiting for, such
# as copying a partial explanation, must not take a core from the GUI thread or a clicked row.
# SHAPLENS_BACKGROUND_NICENESS sets it (0-19; see app.core.priority.background_niceness).
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


class _Job(QObject):
    """Relays one worker's signals to the GUI thread and drops them once the job is stale."""

    def __init__(
        self,
        owner: Workers,
        key: str,
        worker: WorkerBase,
        on_result: Callback | None,
        on_error: Callback | None,
        on_progress: Callback | None,
    ) -> None:
        # No Qt parent and no deleteLater: the job lives exactly as long as Workers holds it
        # (until its worker's last signal); deleting it from Qt's side crashed under pytest-qt.
        super().__init__()
        self.owner, self.key, self.worker = owner, key, worker
        self.on_result, self.on_error, self.on_progress = on_result, on_error, on_progress
        self.cancelled = False
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        if on_progress is not None and hasattr(worker.signals, "yielded"):
            worker.signals.yielded.connect(self._on_yielded)

    def cancel(self) -> None:
        self.cancelled = True
        self.worker.quit()

    @Slot(object)
    def _on_yielded(self, value: object) -> None:
        if not self.cancelled and self.on_progress is not None:
            self.on_progress(value)

    @Slot(object)
    def _on_returned(self, value: object) -> None:
        if not self.cancelled and self.on_result is not None:
            self.on_result(value)

    @Slot(object)
    def _on_errored(self, error: object) -> None:
        if self.cancelled:
            log.info("dropped error of cancelled job %s: %r", self.key, error)
            return
        if self.on_error is not None:
            self.on_error(error)
        else:
            log.error("unhandled error in job %s: %r", self.key, error)

    @Slot()
    def _on_finished(self) -> None:
        if not shiboken6.isValid(self.owner):  # its window was deleted while we ran
            Workers._live.discard(self)
            return
        self.owner._job_finished(self)


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
        worker = create_worker(fn, *args, _start_thread=False, _ignore_errors=True)
        job = _Job(self, key, worker, on_result, on_error, on_progress)
        job.setObjectName(f"{key}#{next(self._counter)}")
        self._current[key] = job
        self._mine.add(job)
        Workers._live.add(job)
        worker.start()

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
        return sorted(
            job.objectName() + (" (cancelled)" if job.cancelled else "") for job in cls._live
        )

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
    own = widget.findChild(Workers, "panel-own-workers")
    if own is None:
        own = Workers(widget)
        own.setObjectName("panel-own-workers")
    return own
