"""How ShapLens writes a number, in one place: the window, the plots, the reports and the
commands call these by the job the number does, so the same number reads the same everywhere.

The styles differ on purpose (a SHAP value is signed and short, a data value is written as the
user would, a table cell keeps thousands separators); each is a named function here rather than
a private copy beside its caller.
"""

from __future__ import annotations

import math

import numpy as np

MINUS = "−"  # U+2212: a real minus sign lines up with "+" in plots and tables


def _short(value: float, sign: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    spec = f"{sign}.3g" if abs(value) >= 1e-4 or value == 0 else f"{sign}.2e"
    return format(value, spec).replace("-", MINUS)


def signed(value: float) -> str:
    """A SHAP-sized number: 3 significant digits, always signed, a real minus sign, no '-0.00'."""
    return _short(value, "+")


def plain(value: float) -> str:
    """As `signed` without the plus: base values, outputs, importances, axis ticks."""
    return _short(value, "")


def feature_value(value: object) -> str:
    """A feature's value in a label or table: 4 significant digits, "missing" for None/NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def data_number(value: float) -> str:
    """A data value as a person would write it: 39, 2174, 48,842, 0.3125, 432,201."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
        return text.replace(",", "") if abs(value) < 10_000 else text
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def cell(value: object, digits: int = 4) -> str:
    """A report's table cell: `digits` significant digits, thousands separated, NaN empty."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "" if math.isnan(float(value)) else str(value)
        if (float(value).is_integer() or abs(value) >= 1000) and abs(value) < 1e15:
            return f"{float(value):,.0f}"
        return f"{float(value):.{digits}g}"
    return str(value)


def metric(value: object) -> str:
    """A metric in a comparison table: counts with separators, scores to 4 decimals, '–' when
    undefined (4 decimals, not significant digits, so AUC 0.8123 and 0.8100 align)."""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    v = float(value)  # type: ignore[arg-type]
    if not np.isfinite(v):
        return "–"
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:,.0f}"


def percent(value: float | None, unknown: str = "") -> str:
    """A rate in a table: one decimal ('12.5%'); `unknown` (empty, or "n/a" where a blank
    would read as missing text) for None, NaN or an infinity."""
    if value is None or not math.isfinite(value):
        return unknown
    return f"{float(value) * 100:.1f}%"


def spoken_percent(p: float) -> str:
    """A chance in a sentence: 83%, or 0.4% / 99.6% near the ends where a whole percent would
    say 0% or 100%."""
    if not math.isfinite(p):
        return "unknown"
    pct = p * 100
    if 1 <= pct <= 99:
        return f"{pct:.0f}%"
    return f"{pct:.1f}%".replace(".0%", "%")


def effect(value: float, digits: int = 2) -> str:
    """A signed SHAP value in a sentence: `digits` significant digits, never scientific."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    size = abs(value)
    magnitude = math.floor(math.log10(size))
    if round(size, max(digits - 1 - magnitude, 0)) >= 10 ** (magnitude + 1):
        magnitude += 1  # 0.996 rounds up to 1.0: keep two significant digits, not three
    decimals = max(digits - 1 - magnitude, 0)
    return ("+" if value > 0 else "-") + f"{round(size, decimals):,.{decimals}f}"
