"""Category colours for the beeswarm, and the legend that names them inside the figure.

Categorical lanes are coloured by category (a qualitative palette), not on the numeric
low → high gradient, and a figure read on paper has no tooltips: so the legend is drawn in the
figure itself, one line per categorical lane under the plot, its feature name in the same
column as the lane names and its entries ordered by mean SHAP (most negative first), so the
legend reads left to right the way the lane's dots do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from app.core.base import formatting
from app.core.explain.views import GROUP_MISSING, GROUP_OTHER, BeeswarmLane, CategoryEntry
from app.plots import style

LEGEND_PT = 8.5
SWATCH = 8.0  # px, the coloured square before each label
SWATCH_GAP = 3.0
ENTRY_GAP = 11.0
STACK_INDENT = 16.0  # px: a stacked legend's entries, indented under their lane's name
MIN_LABEL_CHARS = 5  # below this an elided label says nothing; drop entries instead
HEADER = "Categorical features: colour = category, ordered by mean SHAP (low → high)"
# In a view too short for the full legend (docked at laptop size, the legend took most of the
# height and squeezed twelve lanes into 60 px), one line says where the colours are named.
COMPACT_HEADER = (
    "Categorical features: colour = category. Hover a lane to name its colours; "
    "a taller view or an export shows the legend."
)


def group_colour(group: int, pal: style.Palette | None = None) -> str:
    """The colour of one legend group: a palette slot, "other" or "missing"."""
    pal = pal or style.palette()
    if group == GROUP_MISSING:
        return pal.missing
    if group == GROUP_OTHER or not 0 <= group < len(pal.categories):
        return pal.other
    return pal.categories[group]


def group_table(pal: style.Palette | None = None) -> np.ndarray:
    """(k + 2, 3) uint8: rows 0..k-1 the palette's category colours, then other, then missing."""
    pal = pal or style.palette()
    hexes = [*pal.categories, pal.other, pal.missing]
    return np.array(
        [[QColor(h).red(), QColor(h).green(), QColor(h).blue()] for h in hexes], np.uint8
    )


def group_index(group: np.ndarray, pal: style.Palette | None = None) -> np.ndarray:
    """Rows of `group_table` for legend groups (palette slots beyond the palette count as other)."""
    pal = pal or style.palette()
    k = len(pal.categories)
    g = np.asarray(group, dtype=np.int64)
    out = np.where((g >= 0) & (g < k), g, k)
    out[g == GROUP_MISSING] = k + 1
    return out


def group_rgba(group: np.ndarray, pal: style.Palette | None = None) -> np.ndarray:
    """(n, 4) uint8 RGBA for each row's legend group."""
    rgb = group_table(pal)[group_index(group, pal)]
    return np.concatenate([rgb, np.full((rgb.shape[0], 1), 255, np.uint8)], axis=1)


def tooltip_lines(lane: BeeswarmLane, pal: style.Palette | None = None) -> list[str]:
    """HTML lines naming each colour of a categorical lane, with rows and mean SHAP."""
    lines = ["categories (colour, rows, mean SHAP):"]
    for e in lane.legend or []:
        colour = group_colour(e.group, pal)
        mean = formatting.signed(e.mean_shap)
        rows = f"{e.rows:,} row" + ("" if e.rows == 1 else "s")
        lines.append(f"<span style='color:{colour}'>■</span> {e.label}: {rows}, {mean}")
    categories = lane.categories or []
    named = {e.label for e in lane.legend or []}
    rest = [c for c in categories if c not in named]
    if rest:
        more = f" … (+{len(rest) - 20})" if len(rest) > 20 else ""
        lines.append("other: " + ", ".join(rest[:20]) + more)
    return lines


def _shorten(labels: list[str], cap: int, keep: set[str]) -> list[str]:
    """Middle-elide to `cap` characters, but never the `keep` labels ("other (7)", "missing");
    labels that would collide ("Marri…pouse" twice) keep their start instead ("Married-A…")."""
    short = [t if t in keep else style.elide(t, cap) for t in labels]
    for i, t in enumerate(short):
        if short.count(t) > 1 and t != labels[i]:
            short[i] = labels[i][: cap - 1] + "…"
    return short


def fit_labels(entries: list[str], width: float, metrics: QFontMetricsF) -> tuple[list[str], int]:
    """Labels shortened just enough to fit `width` in one line; how many entries are shown.

    Only the longest labels are shortened (to a common cap), so "Wife" stays whole while
    "Married-civ-spouse" becomes "Marri…pouse"; if even short labels do not fit, trailing
    entries are dropped (the tooltip still names them).
    """
    keep = {t for t in entries if t == "missing" or t.startswith("other")}

    def total(labels: list[str]) -> float:
        return sum(SWATCH + SWATCH_GAP + metrics.horizontalAdvance(t) + ENTRY_GAP for t in labels)

    longest = max((len(t) for t in entries), default=0)
    for cap in range(longest, MIN_LABEL_CHARS - 1, -1):
        labels = _shorten(entries, cap, keep)
        if total(labels) - ENTRY_GAP <= width:
            return labels, len(labels)
    labels = _shorten(entries, MIN_LABEL_CHARS, keep)
    while labels and total(labels) - ENTRY_GAP > width:
        labels.pop()
    return labels, len(labels)


class CategoryLegend(pg.GraphicsWidget):
    """One line per categorical lane: "feature  ■ a  ■ b  ■ other (3)", under the plot."""

    def __init__(self, name_column: pg.AxisItem) -> None:
        super().__init__()
        self._names = name_column  # the plot's left axis: lane names are right-aligned in it
        self.rows: list[tuple[str, list[CategoryEntry]]] = []
        self.compact = False
        # Exports wrap a lane's entries onto more lines instead of shortening them: a figure
        # that leaves the app must name its categories in full ("arre…arge" says nothing).
        self.wrap = False
        self.width_hint = 0.0
        self.names_hint = 0.0
        # (text, rect) of every text the last paint drew, for the layout tests' checker.
        self.drawn_text: list[tuple[str, QRectF]] = []
        self.setFlag(self.GraphicsItemFlag.ItemClipsToShape, False)
        self.set_rows([])

    def line_height(self) -> float:
        return QFontMetricsF(style.base_font(LEGEND_PT)).height() + 3

    def set_rows(self, rows: list[tuple[str, list[CategoryEntry]]]) -> None:
        """(lane name as shown, its legend entries) per categorical lane, top lane first."""
        self.rows = rows
        self._apply_height()

    def set_wrap(self, wrap: bool, width: float, names_px: float) -> None:
        """Wrap entries at `width` px (exports) instead of shortening them to one line;
        `names_px` is the widest lane name: the name column is laid out after this runs, so
        its real width is not known yet and the estimate errs on the narrow side."""
        key = (wrap, float(width), float(names_px))
        if key != (self.wrap, self.width_hint, self.names_hint):
            self.wrap, self.width_hint, self.names_hint = key
            self._apply_height()

    def _entry_width(self) -> float:
        name_w = max(float(self._names.width()) - 10, self.names_hint, 40.0)
        return max(self.width_hint - name_w - 24, 80.0)

    def _wrap_entries(
        self, entries: list[CategoryEntry], width: float, metrics: QFontMetricsF
    ) -> list[list[CategoryEntry]]:
        lines: list[list[CategoryEntry]] = [[]]
        used = 0.0
        for entry in entries:
            w = SWATCH + SWATCH_GAP + metrics.horizontalAdvance(entry.label) + ENTRY_GAP
            if lines[-1] and used + w - ENTRY_GAP > width:
                lines.append([])
                used = 0.0
            lines[-1].append(entry)
            used += w
        return lines

    def stacked(self, metrics: QFontMetricsF) -> bool:
        """Whether a wrapped legend puts each lane's entries under its name, from the left
        margin: when the widest entry would not fit beside the name column (long category
        labels in a small export were cut at the figure's edge)."""
        widest = max(
            (SWATCH + SWATCH_GAP + metrics.horizontalAdvance(e.label)
             for _, entries in self.rows for e in entries),
            default=0.0,
        )  # fmt: skip
        names = max(float(self._names.width()), self.names_hint + 10)  # as paint places them
        return self.wrap and widest > self.width_hint - names - 8

    def _line_width(self, metrics: QFontMetricsF) -> float:
        if self.stacked(metrics):
            return max(self.width_hint - STACK_INDENT - 8, 80.0)
        return self._entry_width()

    def wrapped_lines(self, metrics: QFontMetricsF) -> list[tuple[str, list[CategoryEntry]]]:
        """(lane name or "", its entries on that line) for every drawn line when wrapping."""
        stacked, width = self.stacked(metrics), self._line_width(metrics)
        out: list[tuple[str, list[CategoryEntry]]] = []
        for name, entries in self.rows:
            lines = self._wrap_entries(entries, width, metrics)
            if stacked:  # the name on a line of its own, its entries under it
                out += [(name, []), *[("", line) for line in lines]]
            else:
                out += [(name if i == 0 else "", line) for i, line in enumerate(lines)]
        return out

    def lines_for(self, entries: list[CategoryEntry], metrics: QFontMetricsF) -> int:
        """How many lines one lane's entries take (1 unless wrapping)."""
        if not self.wrap:
            return 1
        lines = len(self._wrap_entries(entries, self._line_width(metrics), metrics))
        return lines + 1 if self.stacked(metrics) else lines

    def _n_lines(self) -> int:
        if not self.wrap:
            return len(self.rows)
        return len(self.wrapped_lines(QFontMetricsF(style.base_font(LEGEND_PT))))

    def full_height(self) -> float:
        """The height the legend needs to name every category line."""
        return (self._n_lines() + 1) * self.line_height() + 8 if self.rows else 0.0

    def set_compact(self, compact: bool) -> None:
        """One line pointing to the tooltips instead of the full legend."""
        if compact != self.compact:
            self.compact = compact
            self._apply_height()

    def _apply_height(self) -> None:
        height = self.line_height() + 8 if self.compact and self.rows else self.full_height()
        self.setFixedHeight(height)
        self.setVisible(bool(self.rows))
        self.update()

    def _text(self, painter: QPainter, metrics: QFontMetricsF, x: float, y: float, text: str):
        """Draw `text` with its baseline's left end at (x, y), and record where it went."""
        painter.drawText(QPointF(x, y), text)
        width = metrics.horizontalAdvance(text)
        self.drawn_text.append((text, QRectF(x, y - metrics.ascent(), width, metrics.ascent())))

    def paint(self, painter: QPainter, *args: Any) -> None:
        self.drawn_text = []
        if not self.rows:
            return
        pal = style.palette()
        rect = self.boundingRect()
        font = style.base_font(LEGEND_PT)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        line = self.line_height()
        name_w = max(float(self._names.width()) - 10, 40.0)
        left = rect.left() + name_w + 10
        width = rect.right() - left - 4
        ascent = metrics.ascent() + 1
        painter.setPen(QPen(QColor(pal.muted)))
        text = COMPACT_HEADER if self.compact else HEADER
        header = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 8)
        self._text(painter, metrics, rect.left() + 4, rect.top() + 6 + ascent, header)
        if self.compact:
            return
        if self.wrap:
            self._paint_wrapped(painter, metrics, left, ascent, line)
            return
        for i, (name, entries) in enumerate(self.rows):
            top = rect.top() + 6 + (i + 1) * line
            baseline = top + ascent
            painter.setPen(QPen(QColor(pal.text)))
            shown_name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, name_w)
            name_x = left - 10 - metrics.horizontalAdvance(shown_name)
            self._text(painter, metrics, name_x, baseline, shown_name)
            labels, n = fit_labels([e.label for e in entries], width, metrics)
            x = left
            for entry, label in zip(entries[:n], labels, strict=True):
                swatch = QRectF(x, baseline - metrics.ascent() / 2 - SWATCH / 2 + 1, SWATCH, SWATCH)
                painter.fillRect(swatch, QColor(group_colour(entry.group, pal)))
                x += SWATCH + SWATCH_GAP
                self._text(painter, metrics, x, baseline, label)
                x += metrics.horizontalAdvance(label) + ENTRY_GAP

    def _paint_wrapped(
        self, painter: QPainter, metrics: QFontMetricsF, left: float, ascent: float, line: float
    ) -> None:
        pal = style.palette()
        rect = self.boundingRect()
        start = rect.left() + STACK_INDENT if self.stacked(metrics) else left
        for i, (name, entries) in enumerate(self.wrapped_lines(metrics)):
            baseline = rect.top() + 6 + (i + 1) * line + ascent
            painter.setPen(QPen(QColor(pal.text)))
            if name:
                name_x = left - 10 - metrics.horizontalAdvance(name)
                self._text(painter, metrics, name_x, baseline, name)
            x = start
            for entry in entries:
                swatch = QRectF(x, baseline - metrics.ascent() / 2 - SWATCH / 2 + 1, SWATCH, SWATCH)
                painter.fillRect(swatch, QColor(group_colour(entry.group, pal)))
                x += SWATCH + SWATCH_GAP
                # Only a label wider than the whole figure is shortened (the last resort).
                room = rect.right() - 4 - x
                label = metrics.elidedText(entry.label, Qt.TextElideMode.ElideMiddle, room)
                self._text(painter, metrics, x, baseline, label)
                x += metrics.horizontalAdvance(label) + ENTRY_GAP
