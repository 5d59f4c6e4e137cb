"""Issue 21's cases in the window: a Parquet feature that is nested or binary, a filter of 300
parentheses typed in the filter bar, a session with a negative bookmark row, and a cache folder
the program cannot use each end in a message (or, for the cache, in the values computed again),
never an exception, and what was loaded stays loaded."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.core.data.cache import ExplanationCache
from app.ui import cache_jobs
from app.ui.panels import debug_filter
from tests.ui._debug_state import filled_state
from tests.ui._hardening import TIMEOUT, make_window, open_and_wait, record_trouble

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setenv(cache_jobs.ENV_OFF, "1")  # the user's cache folder is never touched
    w = make_window(qtbot)
    yield w
    w.close()


NESTED = {
    "struct": lambda n: pa.array([{"a": 1}] * n),
    "list": lambda n: pa.array([[1, 2]] * n),
    "binary": lambda n: pa.array([b"\x00\x01"] * n, pa.binary()),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_nested_or_binary_parquet_feature_is_a_message(
    qtbot, window, tmp_path, small_model_path, small_data_path, kind
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model, data = state.model, state.data
    table = pa.Table.from_pandas(pd.read_parquet(small_data_path), preserve_index=False)
    table = table.replace_schema_metadata(None)
    i = table.schema.get_field_index("age")
    path = tmp_path / f"{kind}.parquet"
    pq.write_table(table.set_column(i, "age", NESTED[kind](table.num_rows)), path)
    with record_trouble() as trouble:
        with qtbot.waitSignal(state.error_raised, timeout=TIMEOUT) as blocker:
            window.controller.open(data_path=path)
        qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    message = blocker.args[0]
    says = "binary values" if kind == "binary" else "nested values"
    assert f"column 'age' holds {says}" in message and "still loaded" in message, message
    assert "Traceback" not in message
    assert state.model is model and state.data is data
    assert not trouble.exceptions, trouble.summary()


def test_filter_bar_with_300_parentheses(qtbot, small_model_path, small_data_path) -> None:
    state = filled_state(small_model_path, small_data_path)
    panel = debug_filter.create(state)
    qtbot.addWidget(panel)
    before = state.visible_rows.copy()
    with record_trouble() as trouble:
        panel.expression.setText("(" * 300 + "age > 30" + ")" * 300)
        panel.apply_expression()
    assert "more than 64 levels deep" in panel.message.text()
    assert not trouble.exceptions, trouble.summary()
    assert (state.visible_rows == before).all()  # the old filter stays
    panel.expression.setText("age > 30")  # the bar still works
    panel.apply_expression()
    assert "levels" not in panel.message.text()


def test_session_with_a_negative_bookmark_row(
    qtbot, window, tmp_path, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model = state.model
    path = tmp_path / "negative.shaplens.json"
    path.write_text('{"format": "shaplens-session", "version": 1, "bookmarks": [{"row": -1}]}')
    with record_trouble() as trouble:
        window.sessions.open_session(path)  # the read is on a worker
        qtbot.waitUntil(
            lambda: "negative.shaplens.json" in window.message_bar.text(), timeout=TIMEOUT
        )
    assert ">= 0" in window.message_bar.text()
    assert state.model is model
    assert not trouble.exceptions, trouble.summary()


def test_files_open_and_explain_with_a_cache_folder_that_cannot_be_used(
    qtbot, window, tmp_path, monkeypatch, small_model_path, small_data_path
) -> None:
    """A cache path the OS refuses to look into (here a name too long for the file system, as a
    folder another user made is for anyone but root): the files open and are explained, and
    storing the values says it could not."""
    monkeypatch.delenv(cache_jobs.ENV_OFF)
    window.controller.cache = ExplanationCache(tmp_path / ("c" * 300))
    window.controller.cache_min_rows = 0
    messages: list[str] = []
    window.state.status_changed.connect(messages.append)
    with record_trouble() as trouble:
        open_and_wait(qtbot, window, small_model_path, small_data_path)
        qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert window.state.explanation is not None and window.state.explanation.complete
    assert any("Could not cache" in m for m in messages), messages
    assert not trouble.exceptions, trouble.summary()
