"""Exported figures load back at the requested size, are not blank, and carry their caption."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.plots import export
from app.plots.export import Caption, ExportError
from app.plots.waterfall import WaterfallPlot
from tests.ui import test_plots_data as plot_data
from tests.ui.test_plots import not_blank, pixels, share_near

CAPTION = Caption(
    "adult_lgbm.txt", "adult.parquet", 17, "log-odds", "exact TreeSHAP",
    model_hash="efec47a3", data_hash="ea5918a7", date="2026-01-02",
)  # fmt: skip

DATA = {
    "importance": plot_data.importance,
    "beeswarm": plot_data.beeswarm,
    "waterfall": plot_data.waterfall,
}


@pytest.mark.parametrize("view", sorted(DATA))
def test_render_view_is_exactly_the_size_asked_and_not_blank(qapp, view: str) -> None:
    image = export.render_view(view, DATA[view](), 1000, 640, CAPTION)
    assert (image.width(), image.height()) == (1000, 640)
    assert not_blank(pixels(image))


def test_png_export_at_a_preset_size_with_caption_strip(qapp, tmp_path: Path) -> None:
    path = export.export_view("waterfall", plot_data.waterfall(), tmp_path / "w.png",
                              *export.PRESETS["slide"], caption=CAPTION)  # fmt: skip
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1920, 1080)
    rgb = pixels(image)
    assert share_near(rgb, "#ff0051", 20) > 0.003 and share_near(rgb, "#008bfb", 20) > 0.003
    # The caption is the last strip of the figure; without a caption that strip is plain.
    assert not_blank(rgb[-30:])
    bare = pixels(export.render_view("waterfall", plot_data.waterfall(), 1920, 1080, None))
    assert not not_blank(bare[-12:])


def test_svg_has_the_full_long_name_as_text_and_renders(qapp, tmp_path: Path) -> None:
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    path = export.export_view("waterfall", plot_data.waterfall(), tmp_path / "w.svg", 1200, 800,
                              CAPTION)  # fmt: skip
    text = path.read_text(encoding="utf-8")
    assert plot_data.LONG_NAME in text  # not elided in exports
    assert "efec47a3" in text and "Row 17" in text
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    box = renderer.viewBox()
    assert (box.width(), box.height()) == (1200, 800)
    assert 'width="317.5mm"' in text  # 1200 px at 96 dpi
    image = QImage(600, 400, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert not_blank(pixels(image))


def test_pdf_is_one_page_of_the_requested_size(qapp, tmp_path: Path) -> None:
    path = export.export_view("beeswarm", plot_data.beeswarm(3_000), tmp_path / "b.pdf", 1200,
                              800, CAPTION)  # fmt: skip
    raw = path.read_bytes()
    assert raw.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", raw)
    assert box is not None
    assert float(box.group(3)) == pytest.approx(900, abs=1)  # 1200 px at 96 dpi = 900 pt
    assert float(box.group(4)) == pytest.approx(600, abs=1)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: PDF checked by structure only")
    subprocess.run(["pdftoppm", "-r", "48", "-png", str(path), str(tmp_path / "page")], check=True)
    page = QImage(str(tmp_path / "page-1.png"))
    assert (page.width(), page.height()) == (600, 400)  # 900 x 600 pt at 48 dpi
    rgb = pixels(page)
    assert not_blank(rgb) and share_near(rgb, "#ff0051", 60) > 0.001


def test_export_widget_defaults_to_twice_the_screen_size(qtbot, tmp_path: Path) -> None:
    plot = WaterfallPlot()
    qtbot.addWidget(plot)
    plot.resize(640, 420)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_data(plot_data.waterfall())
    path = export.export_widget(plot, tmp_path / "w.png", caption=CAPTION)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 840)
    assert plot.width() == 640  # the window's plot is untouched
    assert png_roundtrip(export.png_bytes("importance", plot_data.importance(), 800, 500)) == (
        800,
        500,
    )


def png_roundtrip(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    image = QImage.fromData(data, "PNG")
    assert not_blank(pixels(image))
    return image.width(), image.height()


def test_bad_exports_are_refused_with_a_message(qtbot, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.png, \.svg or \.pdf"):
        export.export_view("waterfall", plot_data.waterfall(), tmp_path / "w.jpg", 800, 600)
    with pytest.raises(ExportError, match="out of range"):
        export.render_view("waterfall", plot_data.waterfall(), 10, 10)
    with pytest.raises(ExportError, match="Unknown view"):
        export.render_view("pie", plot_data.waterfall(), 800, 600)
    empty = WaterfallPlot()
    qtbot.addWidget(empty)
    with pytest.raises(ExportError, match="nothing to export"):
        export.export_widget(empty, tmp_path / "w.png")
    assert not list(tmp_path.iterdir())


def test_caption_names_model_data_row_unit_and_date() -> None:
    text = CAPTION.text()
    for part in ("adult_lgbm.txt (efec47a3)", "adult.parquet (ea5918a7)", "Row 17", "log-odds",
                 "exact TreeSHAP", "2026-01-02"):  # fmt: skip
        assert part in text
    cohort = Caption("m", "d", None, "log-odds", "exact", cohort="age > 50 (1,204 rows)")
    assert "age > 50 (1,204 rows)" in cohort.text()


def test_short_hash_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(np.arange(1000).tobytes())
    assert export.short_hash(path) == export.short_hash(path)
    assert len(export.short_hash(path)) == 8
