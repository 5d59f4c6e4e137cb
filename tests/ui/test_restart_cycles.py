"""Start, cancel and restart the SHAP computation many times; close the window mid-run.

No thread is left behind, memory returns near its baseline, a closed window stops computing,
and no result of an old run ever reaches newer data."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import psutil
import pytest
from PySide6.QtCore import QThreadPool

from app.core.explain import chunked as explain_module
from app.ui import explain_runner as runner_module
from app.workers import Workers
from tests.ui._hardening import (
    TIMEOUT,
    make_window,
    open_and_wait,
    python_threads,
    record_trouble,
)

CYCLES = 100
ROWS = 1_000
# RSS is noisy (allocator caches, Qt's pixmap caches): "near" means no per-cycle growth that
# 100 cycles would turn into something visible. A leaked explanation of 1,000 rows is ~50 KB,
# a leaked model or frame several MB; 100 of those would exceed this.
RSS_TOLERANCE = 120 * 1024**2


@pytest.fixture(scope="module")
def data_path(tmp_path_factory, sample_data_path):
    path = tmp_path_factory.mktemp("cycles") / "cycles.parquet"
    pd.read_parquet(sample_data_path).iloc[:ROWS].to_parquet(path)
    return path


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    yield w
    w.close()


def _rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def _wait_quiet(qtbot) -> None:
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)


@pytest.fixture
def held_runs(monkeypatch) -> threading.Event:
    """Each run stops after its first chunk until the event is set, so a cancel always lands
    mid-run (unheld, a loaded machine finished some runs before the GUI thread cancelled)."""
    release = threading.Event()
    real = runner_module.iter_explanation

    def held(*args, **kwargs):
        chunks = real(*args, **kwargs)
        first = True
        while True:
            if not first:
                release.wait(30)
            first = False
            try:
                progress = next(chunks)
            except StopIteration as stop:
                return stop.value
            yield progress

    monkeypatch.setattr(runner_module, "iter_explanation", held)
    return release


def test_hundred_cancel_restart_cycles_leave_no_thread_and_no_memory_behind(
    qtbot, window, small_model_path, data_path, held_runs
) -> None:
    controller, state = window.controller, window.state
    held_runs.set()  # the first run (the open) goes to the end
    controller.first_chunk = controller.chunk_rows = 50  # 20 chunks: cancels land mid-run
    pool = QThreadPool.globalInstance()
    with record_trouble() as trouble:
        open_and_wait(qtbot, window, small_model_path, data_path)
        _wait_quiet(qtbot)
        threads_before = python_threads()
        rss_before = _rss()
        cancelled_mid_run = 0
        for cycle in range(CYCLES):
            held_runs.clear()
            controller.start_computation()
            assert window.workers.is_running("explain")
            if cycle % 2:
                # Let the run get going, then stop it between chunks.
                qtbot.waitUntil(lambda: state.rows_explained() > 0, timeout=TIMEOUT)
            cancelled_mid_run += state.rows_explained() < ROWS
            # The Cancel button's slot (the action is disabled once the last chunk has arrived,
            # a moment before the job itself reports finished).
            controller.cancel_computation()
            held_runs.set()  # the cancelled worker stops at its next chunk
            assert not window.workers.is_running("explain")
            assert not window.cancel_button.isVisibleTo(window)
        _wait_quiet(qtbot)
        assert pool.waitForDone(TIMEOUT)
        rss_after = _rss()
        # One more, to the end: still correct after all the cancelling.
        with qtbot.waitSignal(state.explanation_finished, timeout=TIMEOUT):
            controller.start_computation()
        _wait_quiet(qtbot)
    assert cancelled_mid_run == CYCLES  # every cancel interrupted work in progress
    explanation = state.explanation
    assert explanation.complete and explanation.n_rows == ROWS
    expected, _ = state.model.contributions(state.data.X)
    assert np.allclose(explanation.values, expected, atol=1e-5)
    assert pool.activeThreadCount() == 0
    assert python_threads() == threads_before
    growth = rss_after - rss_before
    assert growth < RSS_TOLERANCE, f"RSS grew {growth / 1024**2:.0f} MB over {CYCLES} cycles"
    assert not trouble.exceptions and not trouble.qt_messages, trouble.summary()


class CountedRuns(list):
    """Every run of the controller's explanation generator: chunks computed, finished or not."""

    # Seconds each chunk after the first takes, standing in for a big model on big data (the
    # small test model computes a chunk in well under a millisecond, faster than a user acts).
    chunk_seconds = 0.02
    # Set by a test: every chunk after the first waits for this event instead of sleeping, so
    # the run is surely still going whenever the test acts.
    hold: threading.Event | None = None


@pytest.fixture
def counted_runs(monkeypatch) -> Iterator[CountedRuns]:
    runs = CountedRuns()
    real = explain_module.iter_explanation

    def counting(*args, **kwargs):
        run = {"chunks": 0, "finished": False}
        runs.append(run)
        for progress in real(*args, **kwargs):
            if run["chunks"] and runs.hold is not None:
                runs.hold.wait(TIMEOUT / 1000)
            elif run["chunks"]:
                time.sleep(runs.chunk_seconds)  # in the worker thread: a slow chunk
            run["chunks"] += 1
            yield progress
        run["finished"] = True
        return None  # the controller falls back to the base values seen in the chunks

    monkeypatch.setattr(runner_module, "iter_explanation", counting)
    yield runs
    if runs.hold is not None:
        runs.hold.set()  # never leave a worker waiting


def test_closing_the_window_mid_run_stops_the_work(
    qtbot, small_model_path, data_path, counted_runs
) -> None:
    window = make_window(qtbot)
    controller, state = window.controller, window.state
    controller.first_chunk = controller.chunk_rows = 10  # 100 chunks
    counted_runs.hold = threading.Event()  # held after the first chunk until the close
    with qtbot.waitSignal(
        state.explanation_changed,
        timeout=TIMEOUT,
        check_params_cb=lambda *a: state.rows_explained() > 0,
    ):
        controller.open(small_model_path, data_path)
    run = counted_runs[-1]
    after_close: list[int] = []
    state.explanation_changed.connect(lambda: after_close.append(state.rows_explained()))
    at_cancel: list[int] = []
    cancel_all = window.workers.cancel_all
    window.workers.cancel_all = lambda: (
        at_cancel.append(run["chunks"]) or cancel_all() or counted_runs.hold.set()
    )
    with qtbot.waitSignal(window.workers.all_done, timeout=TIMEOUT):
        window.close()
    chunks_at_close = at_cancel[0]
    # Every job of the window was cancelled, the panels' own (slices, fairness …) included.
    assert [w.running() for w in window.findChildren(Workers) if w.running()] == []
    _wait_quiet(qtbot)
    # The worker stopped at its next yield: at most the chunk in progress was computed.
    assert not run["finished"], run
    assert run["chunks"] <= chunks_at_close + 1
    assert after_close == []  # and nothing computed after the close reached the state
    assert not state.explanation.complete


def test_no_stale_chunk_reaches_newer_data(
    qtbot, window, small_model_path, data_path, other_data_path, counted_runs
) -> None:
    controller, state = window.controller, window.state
    controller.first_chunk = controller.chunk_rows = 20
    arrivals: list[tuple[object, int]] = []
    real_add = state.chunk_filed

    def recording_add(progress):
        arrivals.append((state.data, progress.total))
        real_add(progress)

    state.chunk_filed = recording_add
    with qtbot.waitSignal(
        state.explanation_changed,
        timeout=TIMEOUT,
        check_params_cb=lambda *a: state.rows_explained() > 0,
    ):
        controller.open(small_model_path, data_path)
    # Switch data while the first run is still going, several times in a row.
    for _ in range(3):
        controller.open(data_path=other_data_path)
        controller.open(data_path=data_path)
    counted_runs.chunk_seconds = 0.0  # the last run may go at full speed
    open_and_wait(qtbot, window, None, other_data_path)
    _wait_quiet(qtbot)
    for data, total in arrivals:
        assert total == data.n_rows  # every chunk fitted the data loaded when it arrived
    final = state.data
    assert any(data is final for data, _ in arrivals)
    assert state.explanation.complete
    assert state.explanation.n_rows == final.n_rows == 2_000
    expected, _ = state.model.contributions(final.X)
    assert np.allclose(state.explanation.values, expected, atol=1e-5)


def test_jobs_of_a_deleted_window_deliver_nothing(qtbot) -> None:
    """A panel's job still running when its window is deleted (not just closed) must not call
    back into deleted widgets, nor fail reporting that it finished."""
    import threading

    import shiboken6
    from PySide6.QtWidgets import QWidget

    gate = threading.Event()
    delivered: list[object] = []

    def slow() -> int:
        gate.wait(TIMEOUT / 1000)
        return 42

    with record_trouble() as trouble:
        owner = QWidget()
        workers = Workers(owner)
        workers.run("panel-job", slow, on_result=delivered.append, on_error=delivered.append)
        shiboken6.delete(owner)  # the window and its children are gone, the thread is not
        gate.set()
        _wait_quiet(qtbot)
    assert delivered == []
    assert not trouble.exceptions, trouble.summary()
