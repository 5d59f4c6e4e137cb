"""File > Export view and Copy view image from the main window (files read back and checked)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication, QImage

from app.ui.main_window import MainWindow

pytest.importorskip("app.plots.export")
TIMEOUT = 60_000


def _distinct_colours(image: QImage) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    )


@pytest.fixture
def loaded(qtbot, small_model_path, small_data_path) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    qtbot.waitUntil(
        lambda: (
            window.plots.importance_data is not None and not window.plots.importance_data.partial
        ),
        timeout=TIMEOUT,
    )
    yield window
    window.close()


def test_export_png_at_chosen_width_and_svg(qtbot, loaded, tmp_path) -> None:
    loaded.show_view("importance")
    png = loaded.exporter.export_view(tmp_path / "importance.png", width=1000)
    assert png is not None and png.exists()
    image = QImage(str(png))
    assert image.width() == 1000 and image.height() > 300
    assert _distinct_colours(image) > 10  # bars, text, axes: not blank
    svg = loaded.exporter.export_view(tmp_path / "importance.svg")
    text = svg.read_text()
    assert "<svg" in text and "marital_status" in text  # the top feature's label is in the file


def test_export_waterfall_caption_names_the_row(qtbot, loaded, tmp_path) -> None:
    loaded.state.select_row(12)
    qtbot.waitUntil(lambda: getattr(loaded.plots.waterfall_data, "row", None) == 12)
    loaded.show_view("waterfall")
    caption = loaded.exporter.caption()
    assert caption.row == 12 and caption.model_name == "adult_small_lgbm.txt"
    assert caption.unit == "log-odds"
    svg = loaded.exporter.export_view(tmp_path / "waterfall.svg")
    assert "Row 12" in svg.read_text()


def test_copy_view_puts_an_image_on_the_clipboard(qtbot, loaded) -> None:
    QGuiApplication.clipboard().clear()
    loaded.show_view("importance")
    loaded.exporter.copy_view()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull() and image.width() >= 400
    assert _distinct_colours(image) > 10


def test_export_with_nothing_loaded_shows_a_message(qtbot, tmp_path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.exporter.export_view(tmp_path / "x.png", width=800) is None
    assert "nothing to export" in window.message_bar.text()
    assert not (tmp_path / "x.png").exists()
