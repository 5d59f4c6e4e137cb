"""The application icon in the window and the About box; Help > Open Sample."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction

from app import bundled
from app.ui.about import about_box
from app.ui.icon import application_icon
from tests.ui._hardening import TIMEOUT


def test_icon_has_every_bundled_size(qapp) -> None:
    icon = application_icon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert {16, 32, 64, 256, 512} <= sizes


def test_about_box_shows_the_icon_and_version(qtbot) -> None:
    from app import __version__

    box = about_box(None)
    qtbot.addWidget(box)
    assert not box.iconPixmap().isNull() and box.iconPixmap().width() == 64
    assert __version__ in box.text()


def test_help_open_sample_opens_the_bundled_files(
    qtbot, window, monkeypatch, small_model_path: Path, small_data_path: Path
) -> None:
    # The real sample's files are checked in tests/core/test_packaging.py and opened by the
    # installed wheel; here the action opens a small stand-in so the test stays quick.
    stand_in = bundled.Sample(small_model_path, small_data_path, "income_gt_50k")
    monkeypatch.setattr(bundled, "sample", lambda: stand_in)
    (action,) = [a for a in window.findChildren(QAction) if "Sample" in a.text()]
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        action.trigger()
    assert window.state.model_path == small_model_path
    assert window.state.data_path == small_data_path
    assert window.state.data.label_column == "income_gt_50k"
