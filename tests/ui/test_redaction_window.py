"""Personal columns in the window: exported figures, their caption, the copied sentence and the
bookmarks CSV read "redacted"; the window itself still shows the values; the session keeps the
choice."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtGui import QGuiApplication

from app.core.review.redaction import Redaction
from app.core.review.session import load_session, save_session
from app.ui.main_window import MainWindow
from app.ui.state_contexts import restore_review, session_from_state

TIMEOUT = 60_000
ROW = 12


@pytest.fixture
def loaded(qtbot, small_model_path, small_data_path) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    window.state.select_row(ROW)
    qtbot.waitUntil(lambda: getattr(window.plots.waterfall_data, "row", None) == ROW)
    yield window
    window.close()


def test_exports_copies_and_csv_withhold_redacted_values(qtbot, loaded, tmp_path) -> None:
    frame = loaded.state.data.frame
    age, job = int(frame["age"].iloc[ROW]), str(frame["occupation"].iloc[ROW])
    status = str(frame["marital_status"].iloc[ROW])
    loaded.show_view("waterfall")
    plain = loaded.exporter.export_view(tmp_path / "plain.svg").read_text()
    assert f"age = {age}" in plain  # the test can fail
    assert status in loaded.exporter.caption().extra  # the sentence names its top driver

    review = loaded.state.review
    review.set_redaction(Redaction.of(["age", "occupation", "marital_status"]))
    svg = loaded.exporter.export_view(tmp_path / "hidden.svg").read_text()
    assert f"age = {age}" not in svg and "age = redacted" in svg and job not in svg
    assert status not in svg
    sentence = loaded.exporter.caption().extra
    assert "marital_status (value redacted)" in sentence and status not in sentence
    # The window keeps showing the value: only what leaves it is redacted.
    labels = [s.label for s in loaded.plots.view_widget("waterfall").data.steps]
    assert f"age = {age}" in labels

    summary = loaded.dock_set.by_module["app.ui.panels.review_summary"].widget()
    qtbot.waitUntil(lambda: summary.summary is not None and "redacted" in summary.shared_text)
    summary.copy()
    copied = QGuiApplication.clipboard().text()
    assert "marital_status (value redacted)" in copied and status not in copied

    review.bookmarks.add(ROW, "check", f"is {job} right?")
    panel = loaded.dock_set.by_module["app.ui.panels.review_bookmarks"].widget()
    qtbot.waitUntil(lambda: len(panel.shown) == 1)
    csv = panel.export_csv(tmp_path / "marks.csv").read_text()
    assert job not in csv and "is redacted right?" in csv
    body = pd.read_csv(tmp_path / "marks.csv")
    assert body["age"].tolist() == ["redacted"] and body["sex"].tolist() == [frame["sex"][ROW]]


def test_session_remembers_personal_columns(qtbot, loaded, tmp_path) -> None:
    review = loaded.state.review
    review.set_redaction(Redaction.of(["sex", "race"]))
    path = save_session(tmp_path / "s.shaplens.json", session_from_state(loaded.state))
    review.set_redaction(Redaction())
    session, _warnings = load_session(path)
    assert session.redacted_columns == ["race", "sex"]
    restore_review(loaded.state, session)
    assert review.redaction.sorted() == ["race", "sex"]
