"""The summary and bookmarks panels follow the state and keep their promises."""

from __future__ import annotations

import csv

import pytest

from app.core.review.glossary import FeatureInfo, Glossary, TargetInfo
from app.core.review.sentences import summarize_explained_row
from app.ui.panels import review_bookmarks, review_summary
from tests.ui._debug_state import filled_state


@pytest.fixture
def state(qapp, sample_model_path, sample_data_path):
    return filled_state(sample_model_path, sample_data_path, rows=300)


def test_summary_follows_selection_and_glossary(qtbot, state, tmp_path) -> None:
    panel = review_summary.create(state)
    qtbot.addWidget(panel)
    assert "Select a row" in panel.sentence.text()
    state.select_row(17)
    values, base = state.row_values(17)
    average = state.predictions().mean(axis=0)
    expected = summarize_explained_row(state.model, state.data, 17, values, base, average=average)
    assert panel.sentence.text() == expected.text
    assert panel.heading.text() == "Row 17"
    state.review.set_glossary(
        Glossary(
            features={"marital_status": FeatureInfo("marital_status", "marital status")},
            target=TargetInfo(outcome="earning over 50K", subject="applicant"),
        )
    )
    assert "this applicant" in panel.sentence.text()
    assert "chance of earning over 50K" in panel.sentence.text()
    panel.resize(640, 180)
    panel.grab().save(str(tmp_path / "summary.png"))
    panel.bookmark()
    assert 17 in state.review.bookmarks


def test_bookmarks_panel_add_filter_edit_jump_export(qtbot, state, tmp_path) -> None:
    panel = review_bookmarks.create(state)
    qtbot.addWidget(panel)
    assert not panel.add_button.isEnabled()
    for row, tag, note in [(3, "check", "label looks wrong"), (42, "odd", "young, high P")]:
        state.select_row(row)
        panel.tag_edit.setCurrentText(tag)
        panel.note_edit.setText(note)
        qtbot.mouseClick(panel.add_button, review_bookmarks.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)
    assert [panel.table.item(i, 0).text() for i in range(2)] == ["3", "42"]
    assert panel.table.item(1, 2).text() == "young, high P"
    # Filter by tag, then by text.
    panel.tag_filter.setCurrentIndex(panel.tag_filter.findText("odd"))
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == "42"
    panel.tag_filter.setCurrentIndex(0)
    panel.search.setText("LABEL")
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == "3"
    panel.search.clear()
    # Clicking a bookmark selects its row; editing the note changes the bookmark.
    state.select_row(0)
    panel._on_cell_clicked(1, 0)
    assert state.selected_row == 42
    panel.table.item(1, 2).setText("edited note")
    assert state.review.bookmarks.get(42).note == "edited note"
    qtbot.waitUntil(lambda: panel.table.item(1, 2).text() == "edited note")
    panel.resize(720, 220)
    panel.grab().save(str(tmp_path / "bookmarks.png"))
    # Export writes the rows shown, with the data.
    written = panel.export_csv(tmp_path / "marks.csv")
    rows = list(csv.DictReader(written.read_text().splitlines()))
    assert [r["row"] for r in rows] == ["3", "42"]
    assert rows[1]["age"] == str(state.data.frame.loc[42, "age"])
    panel.table.setCurrentCell(0, 0)
    panel.remove_current()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)


def test_session_from_state_round_trips_bookmarks(qtbot, state, tmp_path) -> None:
    from app.core.review.session import load_session, save_session
    from app.ui.state_contexts import restore_review, session_from_state

    glossary = tmp_path / "g.yaml"
    glossary.write_text("features:\n  age: {display: Age in years}\n")
    review = state.review
    with qtbot.waitSignal(review.glossary_changed, timeout=10_000):
        review.open_glossary(glossary)  # read on a worker thread
    review.bookmarks.add(5, "odd", "why so high?")
    state.set_threshold(0.3)
    path = save_session(tmp_path / "s.shaplens.json", session_from_state(state, "AAEC"))
    session, warnings = load_session(path)
    assert warnings == [] and session.threshold == 0.3 and session.view_layout == "AAEC"
    assert session.data.path == str(state.data_path.resolve())
    review.set_bookmarks(type(review.bookmarks)())
    review.set_glossary(None)
    with qtbot.waitSignal(review.glossary_changed, timeout=10_000):
        restore_review(state, session)
    assert review.bookmarks.get(5).note == "why so high?"
    assert review.glossary.display_name("age") == "Age in years"
