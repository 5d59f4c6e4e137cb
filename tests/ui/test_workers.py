"""app.workers: keyed jobs, cancellation, dropped late results, callbacks on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from app.workers import Workers
from tests.ui._hardening import TIMEOUT


def _count(n: int, gate: threading.Event | None = None):
    for i in range(n):
        if gate is not None:
            gate.wait(5)
        yield i
    return n


def test_generator_job_reports_progress_and_result_on_gui_thread(qtbot) -> None:
    workers = Workers()
    progress, results, threads = [], [], []

    def on_progress(v):
        progress.append(v)
        threads.append(QThread.currentThread())

    with qtbot.waitSignal(workers.all_done, timeout=TIMEOUT):
        workers.run(
            "count", _count, 4, on_result=results.append, on_error=None, on_progress=on_progress
        )
    assert progress == [0, 1, 2, 3]
    assert results == [4]
    gui = QThread.currentThread()
    assert all(t is gui for t in threads)
    assert workers.running() == []


def test_new_job_under_same_key_cancels_old_and_drops_its_results(qtbot) -> None:
    workers = Workers()
    gate = threading.Event()
    results = []
    workers.run(
        "job",
        _count,
        100,
        gate,
        on_result=lambda r: results.append(("old", r)),
        on_error=None,
        on_progress=lambda v: results.append(("old-progress", v)),
    )
    workers.run("job", _count, 3, on_result=lambda r: results.append(("new", r)), on_error=None)
    gate.set()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)
    assert results == [("new", 3)]


def test_errors_reach_on_error(qtbot) -> None:
    workers = Workers()
    errors = []

    def boom():
        raise ValueError("bad input")

    with qtbot.waitSignal(workers.all_done, timeout=TIMEOUT):
        workers.run("boom", boom, on_result=None, on_error=errors.append)
    assert len(errors) == 1 and str(errors[0]) == "bad input"


def test_cancel_all_stops_running_generator(qtbot) -> None:
    workers = Workers()
    gate = threading.Event()
    seen = []
    workers.run(
        "a", _count, 1000, gate, on_result=seen.append, on_error=None, on_progress=seen.append
    )
    assert workers.running() == ["a"]
    workers.cancel_all()
    assert workers.running() == []
    gate.set()
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    assert seen == []


def test_background_jobs_run_at_low_priority_and_report_like_others(qtbot) -> None:
    import sys

    from app.core.base.priority import this_thread_niceness
    from app.workers import BACKGROUND_NICENESS

    workers = Workers()
    results, errors = [], []

    def where() -> tuple[str, int]:
        return threading.current_thread().name, this_thread_niceness()

    def fail() -> None:
        raise ValueError("copy failed")

    with qtbot.waitSignal(workers.all_done, timeout=TIMEOUT):
        workers.run("snap", where, on_result=results.append, on_error=None, background=True)
    with qtbot.waitSignal(workers.all_done, timeout=TIMEOUT):
        workers.run("bad", fail, on_result=None, on_error=errors.append, background=True)
    (name, niceness), *_ = results
    assert name.startswith("shaplens-background")
    if sys.platform.startswith("linux"):
        assert niceness == BACKGROUND_NICENESS
    assert this_thread_niceness() == 0  # the GUI thread keeps its priority
    assert [str(e) for e in errors] == ["copy failed"]
