"""The one palette every plot draws with, and a colour-blind-safe alternative.

shap's conventions: feature values run from blue (low) to red (high) — shap's `red_blue` map,
#008bfb → #ff0051 — and a contribution that pushes the output up is red, down is blue. The
alternative swaps red for orange (Okabe–Ito blue #0072b2 / orange #e69f00), which stays distinct
under all common colour-vision deficiencies. Switching is global: `set_palette(name)` changes
the module-level setting and emits `notifier().changed`, and every plot redraws itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics

from app.core.base.formatting import plain as format_plain  # noqa: F401 (the plots' old names)
from app.core.base.formatting import signed as format_number  # noqa: F401


@dataclass(frozen=True)
class Palette:
    name: str
    title: str
    value_stops: tuple[str, ...]  # feature value low → high, evenly spaced
    positive: str  # contribution pushing the output up
    negative: str  # contribution pushing the output down
    bar: str  # neutral bars (mean |SHAP|)
    missing: str = "#a6a6a6"
    text: str = "#222222"
    muted: str = "#666666"
    grid: str = "#d9d9d9"
    background: str = "#ffffff"
    # Categorical features: one qualitative colour per frequent category (most frequent first),
    # the rest in `other`, a darker grey than `missing` so the two never read as one.
    categories: tuple[str, ...] = ()
    other: str = "#595959"


# Qualitative colours for categories (slot 0 first). Paul Tol's "muted" scheme: colour-blind
# safe, and far from both value gradients. Okabe–Ito was tried for the colour-blind palette,
# but its blue and orange are that gradient's two ends: a category would read as "low"/"high".
TOL_MUTED = (
    "#332288",
    "#cc6677",
    "#117733",
    "#ddcc77",
    "#88ccee",
    "#882255",
    "#44aa99",
    "#aa4499",
)

SHAP = Palette(
    name="shap",
    title="SHAP (blue → red)",
    # shap's red_blue passes through purple; three stops reproduce it closely.
    value_stops=("#008bfb", "#8c3ee0", "#ff0051"),
    positive="#ff0051",
    negative="#008bfb",
    bar="#008bfb",
    categories=TOL_MUTED,
)

COLOUR_BLIND = Palette(
    name="colour-blind",
    title="Colour-blind safe (blue → orange)",
    value_stops=("#0072b2", "#8f7fa8", "#e69f00"),
    positive="#e69f00",
    negative="#0072b2",
    bar="#0072b2",
    categories=TOL_MUTED,
)

PALETTES: dict[str, Palette] = {p.name: p for p in (SHAP, COLOUR_BLIND)}

_current: Palette = SHAP


class _Notifier(QObject):
    changed = Signal(str)  # the new palette's name


_notifier: _Notifier | None = None


def notifier() -> _Notifier:
    """The object whose `changed(name)` signal tells plots to redraw in the new palette."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


def palette() -> Palette:
    return _current


def set_palette(name: str) -> None:
    """Switch every plot to the named palette ("shap" or "colour-blind")."""
    global _current
    if name not in PALETTES:
        raise ValueError(f"unknown palette {name!r}; choose one of {', '.join(PALETTES)}")
    if PALETTES[name] is _current:
        return
    _current = PALETTES[name]
    notifier().changed.emit(name)


def _rgb(hex_colour: str) -> np.ndarray:
    c = QColor(hex_colour)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def value_lut(pal: Palette | None = None, n: int = 256) -> np.ndarray:
    """(n, 3) uint8 colours for feature values 0 → 1, interpolated between the palette's stops."""
    pal = pal or _current
    stops = np.array([_rgb(s) for s in pal.value_stops])
    positions = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, n)
    channels = [np.interp(t, positions, stops[:, c]) for c in range(3)]
    return np.round(np.stack(channels, axis=1)).astype(np.uint8)


def colours_for(values: np.ndarray, pal: Palette | None = None, n: int = 256) -> np.ndarray:
    """(len, 4) uint8 RGBA for values in [0, 1]; NaN (missing) gets the palette's grey."""
    pal = pal or _current
    lut = value_lut(pal, n)
    values = np.asarray(values, dtype=np.float64)
    missing = ~np.isfinite(values)
    index = np.clip(np.nan_to_num(values, nan=0.0) * (n - 1), 0, n - 1).round().astype(np.int64)
    out = np.empty((values.size, 4), dtype=np.uint8)
    out[:, :3] = lut[index]
    out[:, 3] = 255
    out[missing, :3] = _rgb(pal.missing).astype(np.uint8)
    return out


# ------------------------------------------------------------------ text
MAX_LABEL_CHARS = 32  # on screen; exports show names in full


def base_font(point_size: float = 9.0, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def elide(text: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """Shorten a long label in the middle, keeping its start and its (often telling) end."""
    if len(text) <= max_chars:
        return text
    keep = max_chars - 1
    head = (keep + 1) // 2
    return text[:head] + "…" + text[len(text) - (keep - head) :]


def _shared_start(texts: list[str]) -> int:
    """Characters every text starts with, cut back to the start of a word."""
    n = 0
    while all(len(t) > n and t[n] == texts[0][n] for t in texts):
        n += 1
    return texts[0][:n].rfind(" ") + 1


def elide_distinct(labels: list[str], max_chars: int = MAX_LABEL_CHARS) -> list[str]:
    """Labels shortened as `elide` does, unless that makes two of them equal ("A long ca…has
    them" six times): then the words those labels share at their start and end give way, so
    what tells them apart stays ("…label, number 3…")."""
    short = [elide(t, max_chars) for t in labels]
    clash = [i for i, t in enumerate(short) if short.count(t) > 1 and labels[i] != t]
    if not clash:
        return short
    texts = [labels[i] for i in clash]
    if len(set(texts)) < 2:
        return short  # the same label twice: nothing tells them apart
    head = _shared_start(texts)
    tail = _shared_start([t[::-1] for t in texts])
    for i in clash:
        t = labels[i]
        before, core, after = t[:head], t[head : max(len(t) - tail, head)], t[len(t) - tail :]
        room = max_chars - 2
        # As much of the shared words next to what differs as still fits, for context.
        while before and len(core) + len(before.split(" ")[-2]) + 1 <= room:
            word = before.split(" ")[-2]
            before, core = before[: -len(word) - 1], word + " " + core
        core = core.rstrip(" ,;:") if after else core  # "number 3…", not "number 3,…"
        short[i] = ("…" if before else "") + elide(core, room) + ("…" if after else "")
    return short


_FOLDED = re.compile(r"^(?:Sum of )?([\d,]+) other features$")


def elide_px(text: str, width_px: float, font: QFont) -> str:
    """Shorten `text` in the middle to fit `width_px` in `font` (unchanged when it fits)."""
    metrics = QFontMetrics(font)
    if metrics.horizontalAdvance(text) <= width_px:
        return text
    folded = _FOLDED.match(text)
    if folded:
        # Cut in the middle, "Sum of 3…features" would lose the count, the one thing it says.
        count = folded.group(1)
        for short in (f"{count} other features", f"{count} others", f"+{count}"):
            if metrics.horizontalAdvance(short) <= width_px:
                return short
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, int(max(width_px, 1)))


def elide_pair(text: str, width_px: float, font: QFont) -> str:
    """A "name = value" label fitted to `width_px`: both parts keep their ends, and the value
    keeps at least a fair share, since it is what differs from row to row."""
    metrics = QFontMetrics(font)
    name, sep, value = text.partition(" = ")
    if not sep or metrics.horizontalAdvance(text) <= width_px:
        return elide_px(text, width_px, font)
    room = width_px - metrics.horizontalAdvance(sep)
    value_px = min(metrics.horizontalAdvance(value), room * 0.45)
    value_text = elide_px(value, value_px, font)
    name_px = room - metrics.horizontalAdvance(value_text)
    return elide_px(name, name_px, font) + sep + value_text


def text_width(texts: list[str], font: QFont) -> int:
    """Width in pixels of the widest text, so axes can be made wide enough never to crop."""
    metrics = QFontMetrics(font)
    return max((metrics.horizontalAdvance(t) for t in texts), default=0)
