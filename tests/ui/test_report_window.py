"""File > Export Report: the window's report is the CLI's report for the same state, carries the
fairness table the user looked at, and the sections dialog remembers its choice."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QPushButton

from app.commands import report as report_command
from app.commands._common import load_inputs
from app.core.review.report_build import build_report_model
from app.core.review.report_model import SECTIONS
from app.core.review.session import save_session
from app.ui.main_window import MainWindow
from app.ui.report_request import request_from_window
from app.ui.settings import Settings
from app.ui.state_contexts import session_from_state
from app.workers import Workers
from tests.ui._hardening import TIMEOUT, open_and_wait

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FAIRNESS = "app.ui.panels.debug_fairness"


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    yield w
    w.close()


def _quiet(qtbot) -> None:
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)


def _choose_sensitive(qtbot, window: MainWindow, column: str) -> None:
    """As a user does: show the Fairness panel and pick the column."""
    window.show()
    qtbot.waitExposed(window)
    dock = window.dock_set.by_module[FAIRNESS]
    dock.show()
    dock.raise_()
    dock.widget().set_column(column)
    qtbot.waitUntil(lambda: window.state.review.sensitive == column, timeout=TIMEOUT)


def _cli_request(*argv: str):
    parser = argparse.ArgumentParser()
    report_command.add_arguments(parser)
    args = parser.parse_args(list(argv))
    model, data = load_inputs(args)
    return report_command.request_from_args(args, model, data)


def test_window_and_cli_make_the_same_report(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    _choose_sensitive(qtbot, window, "sex")
    state.set_threshold(0.4)
    state.debug.set_filter(expression="age > 40")
    review = state.review
    review.bookmarks.add(5, "odd", "looks odd")
    state.select_row(9)
    _quiet(qtbot)

    from_window = build_report_model(request_from_window(state), now=NOW)
    session = tmp_path / "review.shaplens.json"
    save_session(session, session_from_state(state, filter_expression="age > 40"))
    from_cli = build_report_model(
        _cli_request(
            "--model", str(small_model_path), "--data", str(small_data_path),
            "--out", str(tmp_path / "r.html"), "--session", str(session),
            "--sensitive", "sex", "--rows", "5,9",
        ),
        now=NOW,
    )  # fmt: skip

    assert from_window.keys() == from_cli.keys()
    assert from_window.keys() == [
        "overview", "importance", "beeswarm", "fairness", "slices", "rows", "provenance"
    ]  # fmt: skip
    for a, b in zip(from_window.sections, from_cli.sections, strict=True):
        assert a.title == b.title
        assert a.numbers() == b.numbers(), a.key
    # The window's state is in it: the fairness table with per-group mean SHAP, the filter and
    # its size, the threshold, the bookmark.
    fairness = from_window.section("fairness").numbers()
    assert any(r[0] == "Female" for r in fairness if isinstance(r, tuple)) and any(
        "Feature" in r and "Male" in r for r in fairness if isinstance(r, tuple)
    )
    overview = dict(p for p in from_window.section("overview").numbers() if len(p) == 2)
    assert overview["Decision threshold"] == "0.4"
    assert overview["Filter expression"] == "age > 40"
    n_age = int((state.data.frame["age"] > 40).sum())
    assert overview["Rows in the filter"].startswith(f"{n_age:,} of 2,500")
    assert any("looks odd" in str(r) for r in from_window.section("rows").numbers())
    _quiet(qtbot)


def test_window_report_carries_fairness_and_the_chosen_sections(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:
    """The reported bug: a sensitive column chosen in the Fairness panel gave no fairness
    section. The report now has it, and only the sections chosen last time."""
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    _choose_sensitive(qtbot, window, "race")
    window.settings.set_report_sections(("overview", "fairness"))
    job = window.exporter.export_report(tmp_path / "report.html")
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.report.keys() == ["overview", "fairness", "provenance"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "By group: race" in html and "Mean SHAP value per group" in html
    assert "Four-fifths ratio" in html
    _quiet(qtbot)


def test_sections_dialog_remembers_the_choice(qtbot) -> None:
    from app.ui.report_dialog import ReportSectionsDialog

    settings = Settings()
    dialog = ReportSectionsDialog(settings, {"drift": "run File > Compare with Data first"})
    qtbot.addWidget(dialog)
    assert dialog.sections() == SECTIONS  # everything on a fresh profile
    assert "Compare with Data" in dialog.boxes["drift"].text()
    for key in ("beeswarm", "slices", "latency"):
        dialog.boxes[key].setChecked(False)
    dialog.accept()
    chosen = tuple(s for s in SECTIONS if s not in ("beeswarm", "slices", "latency"))
    assert Settings().report_sections(SECTIONS) == chosen  # a new Settings reads the file

    again = ReportSectionsDialog(Settings())
    qtbot.addWidget(again)
    assert again.sections() == chosen
    assert not again.boxes["beeswarm"].isChecked() and again.boxes["fairness"].isChecked()
    for box in again.boxes.values():
        box.setChecked(False)
    again.accept()
    assert Settings().report_sections(SECTIONS) == ()  # "nothing" is remembered too


def test_personal_columns_dialog_suggests_and_marks(qtbot) -> None:
    from app.core.review.redaction import Redaction
    from app.ui.report_dialog import PersonalColumnsDialog

    columns = ["customer_id", "email", "age", "zip", "width"]
    dialog = PersonalColumnsDialog(columns, Redaction.of(["age"]))
    qtbot.addWidget(dialog)
    assert "suggested" in dialog.boxes["email"].text()
    assert "suggested" not in dialog.boxes["width"].text()
    assert dialog.redaction().sorted() == ["age"]
    mark = next(b for b in dialog.findChildren(QPushButton) if b.text().startswith("Mark"))
    mark.click()
    assert dialog.redaction().sorted() == ["age", "customer_id", "email", "zip"]


def test_drift_is_reported_while_its_dialog_is_open(
    qtbot, window, small_model_path, small_data_path, other_data_path, tmp_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    dialog = window.files.compare_with_data()
    dialog.set_path(other_data_path)
    with qtbot.waitSignal(dialog.finished_computing, timeout=TIMEOUT):
        dialog.run()
    job = window.exporter.export_report(tmp_path / "r.html", sections=("drift",))
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.report.keys() == ["drift", "provenance"]
    facts = dict(job.report.section("drift").blocks[0].pairs)
    assert facts["Current"] == f"{other_data_path.name}, 2,000 rows"
    dialog.close()  # closed: what the user looks at no longer includes it
    assert window.state.review.drift is None
    job = window.exporter.export_report(tmp_path / "r2.html", sections=("drift",))
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.report.keys() == ["provenance"]
    _quiet(qtbot)


def test_model_comparison_and_latency_are_reported_when_open(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:
    from app.core.production.latency import measure_latency

    open_and_wait(qtbot, window, small_model_path, small_data_path)
    dialog = window.files.compare_with_model()
    dialog.set_path(small_model_path)
    with qtbot.waitSignal(dialog.finished_computing, timeout=TIMEOUT):
        dialog.run()
    review = window.state.review
    # As the Latency panel leaves it after Measure (measured here, briefly).
    review.latency = measure_latency(window.state.model, window.state.data.X[:50], seconds=0.5)
    job = window.exporter.export_report(tmp_path / "r.html", sections=("compare", "latency"))
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.report.keys() == ["compare", "latency", "provenance"]
    facts = dict(job.report.section("compare").blocks[0].pairs)
    assert facts["Model B"] == small_model_path.name
    assert facts["Rows whose class flipped"] == "0 (0.0%)"  # the same model twice
    dialog.close()
    assert review.comparison is None
    _quiet(qtbot)
