"""Beeswarm at 1M rows: the raster (ImageItem) against one dot per row (ScatterPlotItem).

`run()` returns rows {target, measured, reference, ratio}: measured is the raster path the app
uses, reference the per-point scatter it replaces, ratio = measured / reference (lower is better).
Run alone with `python -m benchmarks.bench_beeswarm`.
"""

from __future__ import annotations

import os
import time

import numpy as np

ROWS = 1_000_000
LANES = 10
FRAMES = 5


def _data(rows: int, lanes: int, seed: int = 0):
    from app.core.base.types import Unit
    from app.core.explain import views
    from app.core.explain.models.base import FeatureSpec

    rng = np.random.default_rng(seed)
    specs = [FeatureSpec(f"feature_{j}") for j in range(lanes)]
    X = rng.normal(size=(rows, lanes))
    values = (X * rng.uniform(0.1, 1.0, lanes) + rng.normal(0, 0.2, (rows, lanes)))[:, :, None]
    names = [s.name for s in specs]
    return views.beeswarm(values.astype(np.float32), X, specs, None, Unit.LOG_ODDS, names)


def _measure(plot, data) -> tuple[float, float]:
    """Seconds to build (set_data) and for one frame (painting the scene), best of FRAMES."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    start = time.perf_counter()
    plot.set_data(data)
    QApplication.processEvents()
    build = time.perf_counter() - start
    image = QImage(plot.view.size(), QImage.Format.Format_ARGB32)
    frames = []
    for _ in range(FRAMES):
        painter = QPainter(image)
        start = time.perf_counter()
        plot.view.render(painter)
        painter.end()
        frames.append(time.perf_counter() - start)
    return build, min(frames)


def _plot(dot_limit: int):
    from PySide6.QtCore import Qt

    from app.plots.beeswarm import BeeswarmPlot

    plot = BeeswarmPlot(dot_limit=dot_limit)
    plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    plot.resize(1000, 640)
    plot.show()
    return plot


def run(rows: int = ROWS, lanes: int = LANES) -> list[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.plots.export import ensure_app

    ensure_app()
    start = time.perf_counter()
    data = _data(rows, lanes)
    layout = time.perf_counter() - start
    raster = _plot(dot_limit=20_000)
    raster_build, raster_frame = _measure(raster, data)
    assert raster.mode == "raster"
    # The reference draws one lane of the same rows as individual dots (1M points, not 10M:
    # ten lanes of dots would not fit the machine's patience).
    one_lane = type(data)(data.lanes[:1], data.unit, data.rows_total)
    dots = _plot(dot_limit=10**12)
    dots_build, dots_frame = _measure(dots, one_lane)
    assert dots.mode == "dots"
    for plot in (raster, dots):
        plot.close()
    return [
        {
            "target": f"beeswarm build, {rows:,} rows x {lanes} lanes < 1 s (s)",
            "measured": round(raster_build, 4),
            "reference": round(dots_build, 4),
            "ratio": round(raster_build / dots_build, 4),
        },
        {
            "target": f"beeswarm frame, {rows:,} rows x {lanes} lanes < 0.1 s (s)",
            "measured": round(raster_frame, 4),
            "reference": round(dots_frame, 4),
            "ratio": round(raster_frame / dots_frame, 4),
        },
        {
            "target": f"beeswarm layout (views.beeswarm), {rows:,} x {lanes}, off the GUI thread (s)",
            "measured": round(layout, 4),
            "reference": None,
            "ratio": None,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
