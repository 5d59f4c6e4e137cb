"""The window's File-menu objects as the user reaches them: drag-and-drop events on the
window, the Open Recent menu, and the compare dialogs opened from the menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from app.ui.dialogs_compare import CompareDataDialog, CompareModelsDialog
from app.ui.main_window import MainWindow

TIMEOUT = 60_000  # generous: the machine may be busy; waits end as soon as the signal arrives


def _mime(urls: list[QUrl]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(urls)
    return mime


def _drag_enter(window: MainWindow, urls: list[QUrl]) -> bool:
    mime = _mime(urls)  # the event does not own its mime data: keep it alive while it is sent
    event = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.ignore()
    window.dragEnterEvent(event)  # the virtual Qt calls during a real drag
    return event.isAccepted()


def test_drag_enter_accepts_local_files_only(window, small_model_path: Path) -> None:
    assert _drag_enter(window, [QUrl.fromLocalFile(str(small_model_path))])
    assert not _drag_enter(window, [QUrl("https://example.com/model.txt")])
    assert not _drag_enter(window, [])


def test_dropped_files_open_and_the_compare_menu_opens_dialogs_on_the_window(
    qtbot, window, small_model_path: Path, small_data_path: Path
) -> None:
    urls = [QUrl.fromLocalFile(str(p)) for p in (small_data_path, small_model_path)]
    mime = _mime(urls)  # the event does not own its mime data: keep it alive while it is sent
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        # Qt calls this virtual on a real drop (QApplication only delivers drops mid-drag).
        window.dropEvent(event)
    assert event.isAccepted()
    assert window.state.model_path == small_model_path
    assert window.state.data_path == small_data_path

    window.menu_actions.compare_model.trigger()
    window.menu_actions.compare_data.trigger()
    models, data = window.files.open_dialogs
    assert isinstance(models, CompareModelsDialog) and isinstance(data, CompareDataDialog)
    assert models.parent() is window and data.parent() is window
    assert models.isVisible() and data.isVisible()
    models.close()
    data.close()


def test_recent_menu_reports_a_missing_file_and_clears(window, tmp_path: Path) -> None:
    gone = tmp_path / "gone.csv"
    gone.write_text("a,b\n1,2\n")
    window.recent.add(gone)
    menu = window.menu_actions.recent_menu
    assert menu.isEnabled() and menu.actions()[0].toolTip() == str(gone.resolve())
    gone.unlink()
    menu.actions()[0].trigger()
    assert "no longer exists" in window.message_bar.text()
    clear = next(a for a in menu.actions() if a.text() == "Clear Menu")
    clear.trigger()
    assert window.settings.recent_files() == [] and not menu.isEnabled()
