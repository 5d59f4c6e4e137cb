"""Hostile glossary and session files opened in the window: it keeps responding, shows one
message naming the file, and keeps what was loaded.

These files once froze the window for good (a FIFO read on the GUI thread blocks until a writer
appears) or filled memory (/dev/zero); the timeout turns such a regression into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui._hardening import TIMEOUT, make_window, open_and_wait, record_trouble

pytestmark = pytest.mark.timeout(240)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _endless(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _huge(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(200 * 1024**2)  # sparse
    return path


def _deep(path: Path) -> Path:
    opening = "[" if path.suffix == ".json" else "features: ["
    path.write_text(opening + "[" * 100_000 + "]" * 100_001)
    return path


def _nan_threshold(path: Path) -> Path:
    path.write_text('{"format": "shaplens-session", "version": 1, "threshold": NaN}')
    return path


MAKERS = {"fifo": _fifo, "dev-zero": _endless, "huge": _huge, "deep": _deep}


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    yield w
    w.close()


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_hostile_glossary_leaves_the_window_working(
    qtbot, window, tmp_path, small_model_path, small_data_path, kind
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model, explanation = state.model, state.explanation
    path = MAKERS[kind](tmp_path / "glossary.yaml")
    with record_trouble() as trouble:
        with qtbot.waitSignal(state.error_raised, timeout=TIMEOUT) as blocker:
            window.files.open_glossary(path)  # returns at once: the read is on a worker
        qtbot.waitUntil(lambda: "glossary.yaml" in window.message_bar.text(), timeout=TIMEOUT)
    assert "glossary.yaml" in blocker.args[0] and "\n" not in blocker.args[0]
    assert window.message_bar.isVisibleTo(window)
    assert state.model is model and state.explanation is explanation
    assert not trouble.exceptions, trouble.summary()


@pytest.mark.parametrize("kind", [*sorted(MAKERS), "nan-threshold"])
def test_hostile_session_leaves_the_window_working(
    qtbot, window, tmp_path, small_model_path, small_data_path, kind
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model, threshold = state.model, state.threshold
    maker = _nan_threshold if kind == "nan-threshold" else MAKERS[kind]
    path = maker(tmp_path / "bad.shaplens.json")
    with record_trouble() as trouble:
        window.sessions.open_session(path)  # returns at once: the read is on a worker
        qtbot.waitUntil(lambda: "bad.shaplens.json" in window.message_bar.text(), timeout=TIMEOUT)
    assert window.message_bar.isVisibleTo(window)
    assert state.model is model and state.threshold == threshold
    assert not trouble.exceptions, trouble.summary()


def test_threshold_outside_0_1_is_refused_by_the_state(qtbot, window) -> None:
    state = window.state
    before = state.threshold
    with qtbot.waitSignal(state.error_raised, timeout=TIMEOUT):
        state.set_threshold(float("nan"))
    assert state.threshold == before
    state.set_threshold(0.25)
    assert state.threshold == 0.25


def test_session_with_a_300_deep_filter_restores_the_rest(
    qtbot, window, tmp_path, small_model_path, small_data_path
) -> None:
    import json

    path = tmp_path / "deep-filter.shaplens.json"
    session = {
        "format": "shaplens-session",
        "version": 1,
        "model": {"path": str(small_model_path)},
        "data": {"path": str(small_data_path)},
        "threshold": 0.3,
        "filter_expression": "(" * 300 + "age > 30" + ")" * 300,
    }
    path.write_text(json.dumps(session))
    state = window.state
    with (
        record_trouble() as trouble,
        qtbot.waitSignal(state.error_raised, timeout=TIMEOUT) as blocker,
    ):
        window.sessions.open_session(path)
    assert "filter was not restored" in blocker.args[0] and "64 levels" in blocker.args[0]
    qtbot.waitUntil(lambda: state.threshold == 0.3, timeout=TIMEOUT)
    assert state.data is not None and state.data.n_rows > 0
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert not trouble.exceptions, trouble.summary()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("role", ["model", "data"])
def test_model_or_data_that_never_ends_leaves_the_window_working(
    qtbot, window, tmp_path, small_model_path, small_data_path, kind, role
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model, explanation = state.model, state.explanation
    path = MAKERS[kind](tmp_path / ("model.txt" if role == "model" else "data.parquet"))
    with (
        record_trouble() as trouble,
        qtbot.waitSignal(state.error_raised, timeout=TIMEOUT) as blocker,
    ):
        window.controller.open(**{f"{role}_path": path})  # the read is on a worker
    message = blocker.args[0]
    assert path.name in message and "not a" in message and "\n" not in message, message
    assert "still loaded" in message
    assert state.model is model and state.explanation is explanation
    assert not trouble.exceptions, trouble.summary()
