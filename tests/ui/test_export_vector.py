"""Exports keep the README's word: the caption of File > Export View names the model file and
the dataset with their hashes, and an SVG is vectors and text only (no raster <image>, which
other SVG readers such as ImageMagick choked on)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.plots import export
from app.plots.export import short_hash
from app.plots.svg_flatten import flatten_hairlines
from tests.ui import test_plots_data as plot_data

TIMEOUT = 60_000
README = Path(__file__).resolve().parents[2] / "README.md"
DATA = {
    "importance": plot_data.importance,
    "beeswarm": plot_data.beeswarm,
    "waterfall": plot_data.waterfall,
}


@pytest.fixture
def loaded(qtbot, small_model_path, small_data_path):
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    window.state.select_row(3)
    qtbot.waitUntil(lambda: window.plots.beeswarm_data is not None, timeout=TIMEOUT)
    yield window
    window.close()


def raster_images(svg_text: str) -> list[str]:
    root = ET.fromstring(svg_text)  # also: the file is well-formed XML
    return [el.tag for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "image"]


def test_window_caption_names_model_and_data_with_their_hashes(
    qtbot,
    loaded,
    small_model_path,
    small_data_path,
    tmp_path,
) -> None:
    promise = " ".join(README.read_text(encoding="utf-8").split())
    assert "names the model file and a short SHA-256 of it, the dataset and its hash" in promise
    loaded.show_view("importance")
    caption = loaded.exporter.caption()
    model_hash, data_hash = short_hash(small_model_path), short_hash(small_data_path)
    assert (caption.model_hash, caption.data_hash) == (model_hash, data_hash)
    text = caption.text()
    assert f"Model: {small_model_path.name} ({model_hash})" in text
    assert f"Data: {small_data_path.name} ({data_hash})" in text
    svg = loaded.exporter.export_view(tmp_path / "importance.svg")
    assert model_hash in svg.read_text(encoding="utf-8")


def test_files_are_hashed_off_the_gui_thread(
    qtbot, monkeypatch, small_model_path, small_data_path
) -> None:
    """The caption's digests are computed by a worker after loading, never by the GUI thread
    (a multi-gigabyte dataset would freeze the window at its first export)."""
    import threading

    from app.core.base import file_digests
    from app.ui.main_window import MainWindow

    threads: list[int] = []
    real = file_digests.short_hash

    def recording(path, length=8):
        threads.append(threading.get_ident())
        return real(path, length)

    file_digests._cached.cache_clear()
    monkeypatch.setattr(file_digests, "short_hash", recording)
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    qtbot.waitUntil(lambda: len(threads) == 2, timeout=TIMEOUT)
    assert threading.main_thread().ident not in threads
    caption = window.exporter.caption()  # now only reads the cache
    assert len(threads) == 2
    assert caption.model_hash == real(small_model_path)
    window.close()


@pytest.mark.parametrize("view", sorted(DATA))
def test_svg_is_pure_vector(qapp, view, tmp_path) -> None:
    path = export.export_view(view, DATA[view](), tmp_path / f"{view}.svg", 1200, 800)
    text = path.read_text(encoding="utf-8")
    assert "<image" not in text and raster_images(text) == []
    assert "<path" in text or "<polyline" in text  # drawn, not empty


def test_window_svg_export_is_pure_vector(qtbot, loaded, tmp_path) -> None:
    for view in ("importance", "beeswarm", "waterfall"):
        loaded.show_view(view)
        if loaded.plots.view_widget().__class__.__name__ == "QLabel":
            continue  # a view with nothing to show yet (no row selected) is not exported
        path = loaded.exporter.export_view(tmp_path / f"{view}.svg")
        assert path is not None
        assert raster_images(path.read_text(encoding="utf-8")) == [], view


@pytest.mark.skipif(shutil.which("convert") is None, reason="ImageMagick is not installed")
def test_imagemagick_reads_the_svg(qapp, tmp_path) -> None:
    path = export.export_view("beeswarm", DATA["beeswarm"](), tmp_path / "b.svg", 900, 600)
    out = tmp_path / "b.png"
    done = subprocess.run(
        ["convert", str(path), str(out)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-500:]
    assert out.stat().st_size > 1000


def test_hairline_groups_lose_their_scaling_transform() -> None:
    group = (
        '<g stroke="#d9d9d9" stroke-width="1" transform="matrix(50,0,0,-200,900,550)"\n>\n'
        '<polyline fill="none" vector-effect="non-scaling-stroke" points="-1,0 1.5,0 " />\n'
        '<path vector-effect="non-scaling-stroke" d="M0,1 L2,1e-1 Z" />\n</g>'
    )
    text = '<g transform="matrix(2,0,0,2,5,5)"\n><text x="1" y="2">age</text>\n</g>'
    flat = flatten_hairlines(group + text)
    assert "matrix(50" not in flat and 'points="850,550 975,550 "' in flat
    assert 'd="M900,350 L1000,530 Z"' in flat
    assert flat.endswith(text)  # a group with text keeps its transform


def test_exported_lines_have_no_scaled_hairlines(qapp, tmp_path) -> None:
    path = export.export_view("importance", DATA["importance"](), tmp_path / "i.svg", 1200, 800)
    text = path.read_text(encoding="utf-8")
    scaled = re.compile(r'transform="matrix\([^)]*\)"[^>]*>\s*<(?:polyline|path)[^>]*non-scaling')
    assert scaled.search(text) is None  # ImageMagick drew those as bands hundreds of px wide
