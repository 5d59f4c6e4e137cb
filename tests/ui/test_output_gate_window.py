"""The window's writers go through the output gate: exporting a view, the bookmarks or a session
over the open data or model shows a message and leaves the file as it was."""

from __future__ import annotations

import errno
import os
import shutil

import pytest

from app.core.base import atomic
from app.ui.main_window import MainWindow

pytest.importorskip("app.plots.export")
TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path, small_model_path, small_data_path) -> MainWindow:
    model = shutil.copy(small_model_path, tmp_path / "model.txt")
    data = shutil.copy(small_data_path, tmp_path / "data.parquet")
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(model, data)
    qtbot.waitUntil(lambda: window.plots.importance_data is not None, timeout=TIMEOUT)
    yield window
    window.close()


def test_export_view_over_the_data_is_refused_with_a_message(qtbot, window, tmp_path) -> None:
    data = tmp_path / "data.parquet"
    before = data.read_bytes()
    link = tmp_path / "importance.png"
    link.symlink_to(data)
    assert window.exporter.export_view(link) is None
    assert "is the input" in window.message_bar.text()
    assert data.read_bytes() == before


def test_export_view_on_a_full_disk_keeps_the_old_figure(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    out = tmp_path / "importance.svg"
    assert window.exporter.export_view(out) == out
    good = out.read_bytes()

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", full)
    assert window.exporter.export_view(out) is None
    assert "is full" in window.message_bar.text()
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.parquet", "importance.svg",
                                                          "model.txt"]  # fmt: skip


def test_session_over_the_model_is_refused(qtbot, window, tmp_path) -> None:
    """A session's model, data and glossary are its inputs: saving over one is refused."""
    before = (tmp_path / "model.txt").read_bytes()
    link = tmp_path / "s.shaplens.json"
    link.symlink_to(tmp_path / "model.txt")
    assert window.sessions.save_session(link) is None
    assert "is the input" in window.message_bar.text()
    assert (tmp_path / "model.txt").read_bytes() == before
