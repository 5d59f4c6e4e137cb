"""What-if's two waterfalls: the row as it is and the row as edited, side by side, so the user
sees which contributions moved and by how much (the table lists the numbers). Where two would
each be too narrow to read, one is shown at a time and a tab bar picks it."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QTabBar, QVBoxLayout, QWidget

from app.core.debugging.whatif import WhatIfResult
from app.core.explain import views
from app.plots.base import MIN_READABLE
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


# Below this width each, the two waterfalls take turns (a tab bar) instead of sharing the row.
SIDE_BY_SIDE_MIN_PX = MIN_READABLE[0] + 140


class WhatIfWaterfalls(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = WaterfallPlot(self)
        self.edited = WaterfallPlot(self)
        self.choice = QTabBar(self)
        self.choice.addTab("Edited")
        self.choice.addTab("As it is")
        self.choice.setToolTip("Too narrow for both waterfalls side by side: pick one")
        self.choice.setDrawBase(False)
        self.choice.currentChanged.connect(lambda _i: self._arrange())
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.original, 1)
        plots.addWidget(self.edited, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.choice)
        layout.addLayout(plots, 1)
        self._arrange()

    def one_at_a_time(self) -> bool:
        return self.width() < 2 * SIDE_BY_SIDE_MIN_PX

    def _arrange(self) -> None:
        single = self.one_at_a_time()
        self.choice.setVisible(single)
        edited_first = self.choice.currentIndex() == 0
        self.edited.setVisible(not single or edited_first)
        self.original.setVisible(not single or not edited_first)

    def resizeEvent(self, event) -> None:  # type: ignore[override]
        super().resizeEvent(event)
        if self.one_at_a_time() != self.choice.isVisibleTo(self):
            self._arrange()

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
