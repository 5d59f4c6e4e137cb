"""File > Export view offers PNG, SVG and PDF at twice the screen size, slide or half-A4
presets, or a custom width in the view's proportions."""

from __future__ import annotations

from pathlib import Path

from app.plots.export import PRESETS
from app.ui.dialogs import ExportDialog


def test_default_is_png_at_twice_the_screen_size(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog("waterfall", (900, 500), tmp_path / "waterfall.png")
    qtbot.addWidget(dialog)
    choice = dialog.choice()
    assert choice.path.suffix == ".png"
    assert (choice.width, choice.height) == (1800, 1000)
    assert not dialog.width.isEnabled()  # a preset is chosen: its size is fixed


def test_presets_and_pdf(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog("beeswarm", (900, 500), tmp_path / "beeswarm.png")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(2)  # PDF
    dialog.size.setCurrentIndex(1)  # slide
    choice = dialog.choice()
    assert choice.path == tmp_path / "beeswarm.pdf"
    assert (choice.width, choice.height) == PRESETS["slide"]
    dialog.size.setCurrentIndex(2)
    assert (dialog.choice().width, dialog.choice().height) == PRESETS["a4-half"]


def test_custom_width_keeps_the_views_proportions(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog("importance", (800, 400), tmp_path / "importance.png")
    qtbot.addWidget(dialog)
    dialog.size.setCurrentIndex(3)  # custom
    assert dialog.width.isEnabled()
    dialog.width.setValue(3000)
    choice = dialog.choice()
    assert (choice.width, choice.height) == (3000, 1500)
    assert "3000 × 1500" in dialog.size_hint.text()
