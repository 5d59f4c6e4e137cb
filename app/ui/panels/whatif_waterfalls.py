"""What-if's two waterfalls: the row as it is and the row as edited, side by side, so the user
sees which contributions moved and by how much (the table lists the numbers)."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.core.debugging.whatif import WhatIfResult
from app.core.explain import views
from app.plots.waterfall import WaterfallPlot
from app.ui.state import AppState

TOP_STEPS = 8  # a docked panel is short: the rest fold into "N other features"


def edited_display_values(state: AppState, result: WhatIfResult) -> list[object]:
    """The edited row as a person reads it: category labels, numbers, "missing"."""
    shown: list[object] = []
    for spec, value in zip(state.model.features, result.x, strict=True):
        if math.isnan(float(value)):
            shown.append(None)
        elif spec.is_categorical and spec.categories and 0 <= int(value) < len(spec.categories):
            shown.append(spec.categories[int(value)])
        elif float(value).is_integer() and abs(value) < 1e15:
            shown.append(int(value))  # "20000", not the "2e+04" a float prints as
        else:
            shown.append(float(value))
    return shown


def _named(which: str, state: AppState, output: int) -> str:
    names = list(state.model.output_names) if state.model is not None else []
    return f"{names[output]}, {which}" if len(names) > 1 and output < len(names) else which


class WhatIfWaterfalls(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = WaterfallPlot(self)
        self.edited = WaterfallPlot(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.original, 1)
        layout.addWidget(self.edited, 1)

    def clear(self) -> None:
        self.original.clear()
        self.edited.clear()

    def show_result(self, state: AppState, result: WhatIfResult | None, output: int) -> None:
        model, data = state.model, state.data
        known = state.row_values(result.row) if result is not None else None
        if result is None or model is None or data is None or known is None:
            self.clear()
            return
        names = model.feature_names
        values, base = known
        raw_before = values.sum(axis=0, dtype=np.float64) + np.asarray(base, dtype=np.float64)
        before = views.waterfall(
            result.row, values[:, output], float(base[output]),
            views.display_values(data.frame, names, result.row), names, model.unit,
            views.prediction_text(model, raw_before, output), top=TOP_STEPS,
            output_name=_named("as it is", state, output),
        )  # fmt: skip
        after = views.waterfall(
            result.row, result.values[:, output], float(result.base_values[output]),
            edited_display_values(state, result), names, model.unit,
            views.prediction_text(model, result.raw, output), top=TOP_STEPS,
            output_name=_named("edited", state, output),
        )  # fmt: skip
        self.original.set_data(before)
        self.edited.set_data(after)
