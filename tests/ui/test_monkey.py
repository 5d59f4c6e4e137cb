"""A monkey in the window: thousands of random but valid user actions with a fixed seed.

Opening good and bad files, selecting rows, switching views/outputs/labels, sorting, filtering,
what-if edits, cancelling and recomputing, exporting. At the end: no unhandled exception, no Qt
warning, no worker or thread left behind, and the window still works (a last open completes).

The default run (2,000 actions, ~20 s) is short, for `make test`; SHAPLENS_MONKEY_ACTIONS=20000
runs longer (add --timeout=0: pytest-timeout stops a test at 300 s) and SHAPLENS_MONKEY_SEED
picks another sequence. A failure names the seed and the last actions.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.exceptions import TimeoutError as WaitTimeout

from app.core.explain.engine.engine import default_threads
from app.workers import MIN_POOL_THREADS, Workers
from tests.ui._hardening import (
    TIMEOUT,
    engine_pool_threads,
    make_window,
    open_and_wait,
    python_threads,
    record_trouble,
)
from tests.ui._monkey import ROWS, Files, Monkey, write_monkey_files

DEFAULT_ACTIONS = 2_000


def _actions_wanted(config: pytest.Config) -> int:
    """--monkey-actions N, else SHAPLENS_MONKEY_ACTIONS, else the quick default."""
    option = config.getoption("monkey_actions")
    if option is not None:
        return int(option)
    return int(os.environ.get("SHAPLENS_MONKEY_ACTIONS", DEFAULT_ACTIONS))


def _wait_quiet(qtbot) -> None:
    try:
        qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    except WaitTimeout as error:
        raise WaitTimeout(f"jobs still running: {Workers.live_jobs()}") from error


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample_data_path) -> Files:
    return write_monkey_files(tmp_path_factory.mktemp("monkey"), sample_data_path)


def test_random_actions_never_crash_warn_or_leak_threads(
    qtbot, tmp_path, files, request: pytest.FixtureRequest
) -> None:
    seed = int(os.environ.get("SHAPLENS_MONKEY_SEED", "20261127"))
    n = _actions_wanted(request.config)
    pool = QThreadPool.globalInstance()
    threads_before = python_threads()
    active_before = threading.active_count()
    # Python keeps an entry for every Qt pool thread that ever ran Python code, even after Qt
    # retires it when idle; keeping pool threads alive makes threading.active_count() meaningful.
    expiry = pool.expiryTimeout()
    pool.setExpiryTimeout(-1)
    with record_trouble() as trouble:
        window = make_window(qtbot)
        monkey = Monkey(window, files, tmp_path, seed, lambda: _wait_quiet(qtbot))
        open_and_wait(qtbot, window, files.models[0], files.data[0])
        failures = monkey.run(n)
        # Still usable after all that: a fresh open completes with correct values. (First let
        # the monkey's last run finish, so its explanation_finished is not taken for ours.)
        monkey.wait_until_quiet()
        open_and_wait(qtbot, window, files.models[0], files.data[0])
        state = window.state
        assert state.explanation.complete and state.explanation.n_rows == ROWS
        raw = state.model.predict_raw(state.data.X)
        total = state.explanation.values.sum(axis=1, dtype=np.float64)
        assert np.allclose(total + state.explanation.base_values, raw, atol=1e-4)
        window.close()
        _wait_quiet(qtbot)
        assert pool.waitForDone(TIMEOUT)
    pool.setExpiryTimeout(expiry)
    context = f"seed {seed}, {n} actions"
    assert not failures, f"{context}: {len(failures)} actions raised; first:\n{failures[0]}"
    assert not trouble.exceptions, f"{context}: unhandled:\n{trouble.summary()}"
    assert not trouble.qt_messages, f"{context}: Qt warnings:\n{trouble.summary()}"
    assert pool.activeThreadCount() == 0
    assert python_threads() == threads_before, f"{context}: Python threads left running"
    assert engine_pool_threads() <= default_threads()  # the engine's pool never grows
    assert threading.active_count() <= active_before + default_threads() + MIN_POOL_THREADS
    assert monkey.exports == 0 or any(tmp_path.glob("view*"))
