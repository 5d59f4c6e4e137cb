"""app.workers keeps nothing of a finished job: repeated jobs leave no arguments, results,
generators or job records behind (a few percent of superqt's QRunnable workers leaked, with
their arguments, under PySide 6.11; see app/workers.py)."""

from __future__ import annotations

import gc
import itertools
import time
import weakref

from app.workers import Workers, _the_relay
from tests.ui._hardening import TIMEOUT

JOBS = 300


class _Payload:
    """Stands for a model or dataset handed to a job; tracked through weak references."""


def _plain(payload: _Payload) -> _Payload:
    return _Payload()


def _endless(payload: _Payload, closed: list[int]):
    """Steps until cancelled, paced so that its progress does not flood the event queue."""
    try:
        for step in itertools.count():
            yield step
            time.sleep(0.001)
    finally:
        closed.append(1)


def _settle(qtbot) -> None:
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    gc.collect()


def test_many_jobs_leave_no_arguments_results_or_records_behind(qtbot) -> None:
    workers = Workers()
    alive: weakref.WeakSet[_Payload] = weakref.WeakSet()
    results: list[int] = []
    for i in range(JOBS):
        payload = _Payload()
        alive.add(payload)
        # Back to back under a few keys, as the window starts them: most are superseded.
        workers.run(
            f"k{i % 3}",
            _plain,
            payload,
            on_result=lambda r: (alive.add(r), results.append(1)),
            on_error=None,
        )
        del payload
    _settle(qtbot)
    assert results  # the last job of each key at least delivered
    assert len(alive) == 0, f"{len(alive)} of {JOBS} jobs' arguments or results still held"
    assert _the_relay().jobs == {}
    assert workers.running() == [] and not workers.busy()


def test_cancelled_generators_are_closed_and_released(qtbot) -> None:
    workers = Workers()
    alive: weakref.WeakSet[_Payload] = weakref.WeakSet()
    closed: list[int] = []
    started: list[int] = []
    runs = JOBS // 3
    for i in range(runs):
        payload = _Payload()
        alive.add(payload)
        # Each run cancels the one before it, which is mid-way (it has reported a step).
        workers.run(
            "gen",
            _endless,
            payload,
            closed,
            on_result=None,
            on_error=None,
            on_progress=lambda step, i=i: started.append(i) if step == 0 else None,
        )
        del payload
        qtbot.waitUntil(lambda i=i: i in started, timeout=TIMEOUT)
    workers.cancel_all()
    _settle(qtbot)
    assert len(started) == runs
    assert len(closed) == runs  # every generator's clean-up ran, none waits for the gc
    assert len(alive) == 0
