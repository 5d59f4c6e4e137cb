"""A folded bar's label keeps its count when it must be shortened."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from app.plots import style


@pytest.mark.parametrize("text", ["Sum of 33 other features", "1,204 other features"])
def test_a_short_fold_label_keeps_its_count(qapp, text) -> None:
    font = style.base_font(9)
    count = text.split()[-3]
    full = QFontMetrics(font).horizontalAdvance(text)
    seen = []
    for width in range(int(full) - 1, 10, -4):
        short = style.elide_px(text, width, font)
        seen.append(short)
        if QFontMetrics(font).horizontalAdvance(f"+{count}") <= width:
            assert count in short, (width, short)
            assert QFontMetrics(font).horizontalAdvance(short) <= width
    assert f"{count} others" in seen and f"+{count}" in seen


def test_other_long_names_are_still_cut_in_the_middle(qapp) -> None:
    font = style.base_font(9)
    short = style.elide_px("average_monthly_balance_of_the_primary_account", 120, font)
    assert "…" in short and short.startswith("aver") and short.endswith("ount")
