"""The Qt-free workspace: events fire on a change and only then, everything is consistent when
they fire, and sub-states are plain attributes. No Qt here: the window's adapter is tested
through the ui tests."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import FilterSyntaxError
from app.core.data.align import AlignedData, align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.explain.chunked import filed_into, iter_explanation
from app.core.explain.models.base import ModelAdapter
from app.core.review.bookmarks import Bookmarks
from app.core.review.redaction import Redaction
from app.core.workspace import (
    DebugState,
    Explained,
    Messages,
    ReviewState,
    Selection,
    Workspace,
)
from app.core.workspace.sessions import restore_review, session_of
from tests.conftest import SAMPLE_DATA, SAMPLE_MODEL

ROWS = 1_500


@lru_cache(maxsize=1)
def _model_and_frame() -> tuple[ModelAdapter, pd.DataFrame]:
    model = load_model(SAMPLE_MODEL)
    return model, load_dataset(SAMPLE_DATA).iloc[:ROWS].reset_index(drop=True)


def fresh_data() -> AlignedData:
    """A new AlignedData each time: the workspace changes its label column in place."""
    model, frame = _model_and_frame()
    return align(model, frame.copy())


class Recorder:
    """Collects (name, args) of every event it is connected to, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, tuple]] = []

    def on(self, signal, name: str) -> None:
        signal.connect(lambda *args: self.events.append((name, args)))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def loaded() -> Workspace:
    model, _ = _model_and_frame()
    data = fresh_data()
    ws = Workspace()
    ws.set_inputs(model, SAMPLE_MODEL, data, SAMPLE_DATA, model.predict_raw(data.X))
    return ws


def test_sub_states_are_attributes_of_their_own_types() -> None:
    ws = Workspace()
    assert isinstance(ws.explained, Explained)
    assert isinstance(ws.selection, Selection)
    assert isinstance(ws.debug, DebugState)
    assert isinstance(ws.review, ReviewState)
    assert isinstance(ws.messages, Messages)
    assert not ws.ready and ws.explained.explanation is None and ws.output_names == []


def test_every_piece_of_state_is_an_attribute_of_the_workspace() -> None:
    """Issue 20's list, each reached by attribute (never searched for) on a loaded workspace."""
    ws = loaded()
    pieces = {
        "model": ws.model, "data": ws.data, "alignment": ws.data.report,
        "explanation (partial or complete)": ws.explained, "selection": ws.selection.selected_row,
        "visible rows": ws.selection.visible_rows, "filter": (ws.debug.preset, ws.debug.expression),
        "cohorts": ws.debug.cohorts, "cohort": ws.debug.cohort, "threshold": ws.selection.threshold,
        "output": ws.selection.output_index, "bookmarks": ws.review.bookmarks,
        "glossary": ws.review.glossary, "sensitive column": ws.review.sensitive,
        "redaction": ws.review.redaction, "waiting dataset": ws.unaligned,
    }  # fmt: skip
    assert set(pieces) >= {"model", "data", "alignment", "bookmarks", "redaction"}
    assert ws.data.report.lines(label=ws.data.label_column)  # the alignment's own words
    assert ws.selection.threshold == 0.5 and ws.selection.output_index == 0


def test_a_dataset_opened_before_its_model_waits_in_the_workspace() -> None:
    model, frame = _model_and_frame()
    ws = Workspace()
    ws.set_inputs(None, None, None, None, unaligned=(frame, SAMPLE_DATA))
    assert ws.unaligned == (frame, SAMPLE_DATA) and ws.data is None and not ws.ready
    data = fresh_data()
    ws.set_inputs(model, SAMPLE_MODEL, data, SAMPLE_DATA, unaligned=(frame, SAMPLE_DATA))
    assert ws.unaligned is None and ws.ready  # aligned now: the waiting frame is let go
    ws.set_inputs(None, None, None, None)  # File > Close
    assert ws.unaligned is None


def test_new_inputs_announce_themselves_once_everything_is_consistent() -> None:
    model, _ = _model_and_frame()
    data = fresh_data()
    ws = Workspace()
    ws.selection.visible_rows = np.array([3], dtype=np.int64)
    rec = Recorder()
    seen: list[int] = []
    ws.model_changed.connect(lambda: seen.append(ws.selection.visible_rows.size))
    for signal, name in [
        (ws.model_changed, "model"),
        (ws.data_changed, "data"),
        (ws.selection.visible_rows_changed, "visible"),
        (ws.explained.changed, "explained"),
    ]:
        rec.on(signal, name)
    ws.set_inputs(model, SAMPLE_MODEL, data, SAMPLE_DATA, model.predict_raw(data.X))
    assert rec.names() == ["model", "data", "visible", "explained"]
    assert seen == [data.n_rows]  # listeners already see the new rows
    rec.events.clear()
    ws.set_inputs(model, SAMPLE_MODEL, fresh_data(), SAMPLE_DATA)  # same model, new data
    assert rec.names() == ["data", "visible", "explained"]


def test_selection_events_fire_on_change_only() -> None:
    ws = loaded()
    rec = Recorder()
    sel = ws.selection
    rec.on(sel.row_selected, "row")
    rec.on(sel.output_changed, "output")
    rec.on(sel.threshold_changed, "threshold")
    rec.on(ws.messages.error_raised, "error")
    sel.select_row(7)
    sel.select_row(7)  # unchanged
    sel.select_row(ws.data.n_rows)  # out of range: ignored
    sel.set_threshold(0.3)
    sel.set_threshold(0.3)  # unchanged
    sel.set_output(0)  # unchanged (a binary model has one output)
    sel.set_output(5)  # no such output
    assert rec.events == [("row", (7,)), ("threshold", (0.3,))]
    sel.set_threshold(float("nan"))
    assert rec.names()[-1] == "error" and sel.threshold == 0.3


def test_visible_rows_are_sorted_and_distinct() -> None:
    ws = loaded()
    ws.selection.set_visible_rows(np.array([9, 2, 9, 4]))
    assert ws.selection.visible_rows.tolist() == [2, 4, 9]


def test_label_column_events_and_errors() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.label_changed, "label")
    rec.on(ws.messages.error_raised, "error")
    current = ws.data.label_column
    ws.set_label_column(current)  # unchanged
    ws.set_label_column("no such column")
    ws.set_label_column(None)
    assert rec.names() == ["error", "label"] and ws.data.label_column is None


def test_a_bulk_run_streams_into_the_explained_state_and_finishes_once() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.explained.changed, "changed")
    rec.on(ws.explained.finished, "finished")
    ws.start_explanation()
    assert ws.explained.computing and ws.explained.explanation is None
    chunks = filed_into(ws.explained.builder, iter_explanation(ws.model, ws.data.X, 200, 500))
    while True:
        try:
            ws.explained.chunk_filed(next(chunks))
        except StopIteration as stop:
            base = stop.value
            break
        if ws.explained.rows_explained() == 200:
            partial = ws.explained.explanation
            assert partial is not None and partial.n_rows == 200 and not partial.complete
    ws.explained.finish(base)
    assert rec.names().count("finished") == 1 and rec.names()[-2:] == ["changed", "finished"]
    explanation = ws.explained.explanation
    assert explanation.complete and explanation.n_rows == ws.data.n_rows
    values, row_base = ws.explained.row_values(11)
    assert np.allclose(values.sum(axis=0) + row_base, ws.raw_output()[11], atol=1e-4)


def test_a_row_explained_ahead_of_the_bulk_run_is_announced() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.explained.row_explained, "row")
    values, base = ws.model.contributions(ws.data.X[42:43])
    ws.explained.set_row_values(42, values[0], base)
    assert rec.events == [("row", (42,))]
    assert np.array_equal(ws.explained.row_values(42)[0], values[0].astype(np.float32))
    assert ws.explained.row_values(43) is None


def test_debug_evaluation_without_a_window_is_computed_at_once() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.debug.evaluation_changed, "evaluation")
    ev = ws.debug.evaluation_if_ready()  # the default runner works on the caller's thread
    assert ev is not None and ev.y_true.size == ws.data.n_rows and not ws.debug.evaluating
    assert rec.names() == ["evaluation"]
    ws.selection.set_threshold(0.9)
    assert ws.debug.evaluation_if_ready().threshold == 0.9  # re-judged, not re-encoded


def test_filter_applies_to_the_visible_rows_and_a_bad_one_changes_nothing() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.debug.filter_changed, "filter")
    rec.on(ws.selection.visible_rows_changed, "visible")
    shown = ws.debug.set_filter(expression="age > 40")
    expected = np.flatnonzero(ws.data.frame["age"].to_numpy() > 40)
    assert shown == expected.size and np.array_equal(ws.selection.visible_rows, expected)
    assert rec.names() == ["visible", "filter"]
    with pytest.raises(FilterSyntaxError):
        ws.debug.set_filter(expression="age >")
    assert ws.debug.expression == "age > 40" and rec.names() == ["visible", "filter"]


def test_a_threshold_change_refilters_a_filter_on_the_prediction() -> None:
    ws = loaded()
    ws.debug.set_filter(expression="predicted == 1")
    before = ws.selection.visible_rows.size
    ws.selection.set_threshold(0.9)  # no event loop: the deferred re-filter runs at once
    after = ws.selection.visible_rows.size
    assert 0 < after < before


def test_new_data_keeps_a_filter_that_fits_and_drops_one_that_does_not() -> None:
    ws = loaded()
    rec = Recorder()
    rec.on(ws.messages.error_raised, "error")
    ws.debug.set_filter(expression="age > 40")
    ws.set_inputs(ws.model, SAMPLE_MODEL, fresh_data(), SAMPLE_DATA, ws.raw_output())
    assert ws.debug.expression == "age > 40" and rec.names() == []
    assert ws.selection.visible_rows.size < ws.data.n_rows  # applied again, not all rows
    data = fresh_data()
    data.frame = data.frame.drop(columns=["age"])
    ws.set_inputs(ws.model, SAMPLE_MODEL, data, SAMPLE_DATA, ws.raw_output())
    assert ws.debug.expression == "" and rec.names() == ["error"]
    assert ws.selection.visible_rows.size == ws.data.n_rows


def test_locked_features_event_on_change_only() -> None:
    ws = Workspace()
    rec = Recorder()
    rec.on(ws.debug.locked_changed, "locked")
    ws.debug.set_locked_features(["age", "sex", "age"])
    ws.debug.set_locked_features(["age", "sex"])  # unchanged once deduplicated
    assert rec.names() == ["locked"] and ws.debug.locked_features == ["age", "sex"]


class HeldJobs:
    """A job runner that keeps jobs until the test lets them finish (as a worker would)."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple] = {}

    def run(self, key, fn, *args, on_result, on_error) -> None:
        self.jobs[key] = (fn, args, on_result)

    def cancel(self, key: str) -> None:
        self.jobs.pop(key, None)

    def finish(self, key: str) -> None:
        fn, args, on_result = self.jobs.pop(key)
        on_result(fn(*args))


class Pending:
    def __init__(self) -> None:
        self.armed = False

    def start(self) -> None:
        self.armed = True

    def stop(self) -> None:
        self.armed = False


def test_a_background_evaluation_of_replaced_inputs_is_dropped() -> None:
    ws = loaded()
    jobs = HeldJobs()
    ws.debug.attach(jobs, Pending())
    assert ws.debug.evaluation_if_ready() is None and ws.debug.evaluating
    (key,) = jobs.jobs
    stale = jobs.jobs[key]
    ws.set_label_column(None)  # the inputs change while the job runs: it is cancelled
    assert jobs.jobs == {}
    stale[2](stale[0](*stale[1]))  # a late result still arrives
    assert ws.debug.evaluation_if_ready() is None and ws.debug.label_problem


def test_a_deferred_refilter_waits_for_its_timer() -> None:
    ws = loaded()
    pending = Pending()
    ws.debug.attach(HeldJobs(), pending)
    ws.debug.set_filter(expression="age > 40")
    ws.selection.set_threshold(0.8)
    assert pending.armed  # the window's timer would call reapply once the slider rests
    ws.debug.set_filter(expression="age > 50")
    assert not pending.armed  # a filter set meanwhile already judged at the new threshold


def test_review_follows_the_data_and_announces_changes() -> None:
    ws = loaded()
    review = ws.review
    rec = Recorder()
    rec.on(review.bookmarks_changed, "bookmarks")
    rec.on(review.redaction_changed, "redaction")
    review.bookmarks.add(3, tag="odd")
    review.set_bookmarks(Bookmarks())
    review.bookmarks.add(5)  # the new list is the one followed
    review.set_redaction(Redaction.of(["sex", "age"]))
    review.sensitive = "race"
    assert rec.names() == ["bookmarks"] * 3 + ["redaction"]
    rec.events.clear()
    data = fresh_data()
    data.frame = data.frame.drop(columns=["sex", "race"])
    ws.set_inputs(ws.model, SAMPLE_MODEL, data, SAMPLE_DATA)
    assert len(review.bookmarks) == 0 and rec.names() == ["bookmarks", "redaction"]
    assert review.redaction == Redaction.of(["age"]) and review.sensitive is None


def test_a_glossary_opens_through_the_runner_and_a_bad_one_changes_nothing(tmp_path) -> None:
    ws = Workspace()
    rec = Recorder()
    rec.on(ws.review.glossary_changed, "glossary")
    rec.on(ws.messages.error_raised, "error")
    good = tmp_path / "g.yaml"
    good.write_text("features:\n  age: {display: Age, unit: years}\n")
    done: list[bool] = []
    ws.review.open_glossary(good, then=lambda: done.append(True))
    assert rec.names() == ["glossary"] and done == [True] and ws.review.glossary_path == good
    ws.review.open_glossary(tmp_path / "missing.yaml")
    assert rec.names() == ["glossary", "error"] and ws.review.glossary_path == good


def test_a_session_carries_the_review_there_and_back() -> None:
    ws = loaded()
    ws.selection.set_threshold(0.7)
    ws.review.bookmarks.add(12, tag="odd", note="check")
    ws.review.set_redaction(Redaction.of(["sex"]))
    session = session_of(ws, filter_expression="age > 40")
    assert session.threshold == 0.7 and session.filter_expression == "age > 40"
    assert session.redacted_columns == ["sex"] and [b.row for b in session.bookmarks] == [12]
    other = loaded()
    restore_review(other, session)
    assert [b.tag for b in other.review.bookmarks] == ["odd"]
    assert other.review.redaction == Redaction.of(["sex"])
