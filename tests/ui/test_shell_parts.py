"""Smaller parts of the shell: file kinds, settings, the exception hook, logging."""

from __future__ import annotations

import threading

from PySide6.QtCore import QByteArray

from app.ui.crash import ExceptionHook, setup_logging, shutdown_logging
from app.ui.file_kinds import classify, split_paths
from app.ui.settings import MAX_RECENT, Settings
from tests.ui._hardening import TIMEOUT


def test_classify_by_suffix_and_content(tmp_path, small_model_path, small_data_path) -> None:
    csv_txt = tmp_path / "table.txt"
    csv_txt.write_text("a,b\n1,2\n")
    assert classify(small_model_path) == "model"  # a LightGBM .txt, recognised by its header
    assert classify(csv_txt) == "data"
    assert classify(small_data_path) == "data"
    assert classify(tmp_path / "m.json") == "model"
    assert classify(tmp_path / "notes.docx") is None
    model, data, unknown = split_paths([small_data_path, tmp_path / "x.docx", small_model_path])
    assert (model, data, unknown) == (small_model_path, small_data_path, [tmp_path / "x.docx"])


def test_recent_files_most_recent_first_without_duplicates(qapp, tmp_path) -> None:
    settings = Settings()
    paths = [tmp_path / f"f{i}.csv" for i in range(MAX_RECENT + 3)]
    for path in paths:
        settings.add_recent(path)
    settings.add_recent(paths[5])
    recent = Settings().recent_files()  # a fresh object reads what was stored
    assert recent[0] == paths[5].resolve()
    assert len(recent) == MAX_RECENT and len(set(recent)) == MAX_RECENT
    assert recent[1] == paths[-1].resolve()
    settings.clear_recent()
    assert Settings().recent_files() == []


def test_window_layout_round_trip(qapp) -> None:
    Settings().save_window(QByteArray(b"geo"), QByteArray(b"state"), QByteArray(b"split"))
    assert Settings().window() == (QByteArray(b"geo"), QByteArray(b"state"), QByteArray(b"split"))


def test_exception_hook_logs_and_reports_on_gui_thread(qtbot, tmp_path) -> None:
    log_path = setup_logging(verbose=True)
    shown = []
    hook = ExceptionHook(
        lambda summary, details, path: shown.append((summary, details, path)), log_path
    )
    hook.install()
    try:
        try:
            raise ValueError("something odd")
        except ValueError as error:
            import sys

            sys.excepthook(type(error), error, error.__traceback__)
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=TIMEOUT)

        def crash() -> None:
            raise RuntimeError("in a thread")

        thread = threading.Thread(target=crash)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=TIMEOUT)
    finally:
        hook.uninstall()
    assert shown[0][0] == "ValueError: something odd"
    assert "Traceback" in shown[0][1] and shown[0][2] == log_path
    assert shown[1][0] == "RuntimeError: in a thread"
    shutdown_logging()
    text = log_path.read_text()
    assert "something odd" in text and "in a thread" in text


def test_panels_listed_in_panel_modules_become_dock_tabs(qtbot, monkeypatch) -> None:
    import sys
    import types

    from PySide6.QtWidgets import QLabel

    import app.ui.main_window as main_window

    created = []
    for name, title in (("_fake_panel_a", "Alpha"), ("_fake_panel_b", "Beta")):
        module = types.ModuleType(name)
        module.TITLE = title

        def create(state, title=title):
            created.append(state)
            return QLabel(title)

        module.create = create
        monkeypatch.setitem(sys.modules, name, module)
    broken = types.ModuleType("_fake_panel_broken")  # no create(): skipped, app still opens
    monkeypatch.setitem(sys.modules, "_fake_panel_broken", broken)
    monkeypatch.setattr(
        main_window, "PANEL_MODULES", ["_fake_panel_a", "_fake_panel_broken", "_fake_panel_b"]
    )
    window = main_window.MainWindow()
    qtbot.addWidget(window)
    assert [d.windowTitle() for d in window.docks] == ["Alpha", "Beta"]
    assert all(state is window.state for state in created)
    assert window.tabifiedDockWidgets(window.docks[0]) == [window.docks[1]]
    window.close()
