"""Category labels along a horizontal axis, thinned so that no two labels overlap."""

from __future__ import annotations

import math

import pyqtgraph as pg

from app.plots import style
from app.plots.base import TICK_FONT_PT

GAP_PX = 10
MIN_LABEL_PX = 48  # shortened below this, a label says nothing: show fewer labels instead


def thinned_ticks(labels: list[str], axis_px: float) -> list[tuple[float, str]]:
    """Labels at positions 0, 1, 2 …, shortened to their share of the axis while that leaves
    them MIN_LABEL_PX; then every k-th (k as small as fits), the rest left blank. (A label
    wider than its share also overhung the axis's ends, where pyqtgraph drops it.)"""
    if not labels:
        return []
    per_label = max(axis_px, 1.0) / len(labels)
    labels = fit_labels(labels, max(per_label - GAP_PX, MIN_LABEL_PX))
    width = style.text_width(labels, style.base_font(TICK_FONT_PT)) + GAP_PX
    step = max(1, math.ceil(width / per_label))
    return [(float(i), label) for i, label in enumerate(labels) if i % step == 0]


def set_category_ticks(axis: pg.AxisItem, labels: list[str], axis_px: float) -> None:
    axis.setTicks([thinned_ticks(labels, axis_px), []])


def compact(count: float) -> str:
    """A count in at most four characters: 950, 9.5k, 27k, 1.2M."""
    if count >= 1e6:
        return f"{count / 1e6:.1f}M" if count < 1e7 else f"{count / 1e6:.0f}M"
    if count >= 1e3:
        return f"{count / 1e3:.1f}k" if count < 1e4 else f"{count / 1e3:.0f}k"
    return f"{count:.0f}"


def set_count_ticks(axis: pg.AxisItem, top: float) -> None:
    """Two ticks, 0 and the largest count: a short strip has room for no more."""
    axis.setTicks([[(0.0, "0"), (float(top), compact(top))], []])


def fit_labels(labels: list[str], max_px: float, font_pt: float = TICK_FONT_PT) -> list[str]:
    """Labels shortened (with an ellipsis) just enough that the widest fits in `max_px`, and
    never to the same text: six "A long category label, number k, …" read "…number 3…", not
    six times "A lon… them"."""
    font = style.base_font(font_pt)
    if not labels or style.text_width(labels, font) <= max_px:
        return labels
    lo, hi = 4, max(len(s) for s in labels)
    while lo < hi:  # the longest length that fits
        mid = (lo + hi + 1) // 2
        if style.text_width(style.elide_distinct(labels, mid), font) <= max_px:
            lo = mid
        else:
            hi = mid - 1
    return style.elide_distinct(labels, lo)
