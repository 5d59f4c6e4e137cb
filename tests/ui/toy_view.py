"""A whole view in one file, as docs/ARCHITECTURE.md tells a newcomer to write one: plot-ready
data, the function that computes it from the loaded explanation, and the widget that draws it.

Register it with one line:
    register_view("toy", "tests.ui.toy_view:ToyPlot", title="Toy", data="tests.ui.toy_view:toy_data")
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.explain.view_inputs import ViewInputs


@dataclass(frozen=True)
class ToyData:
    """The most important feature among the filtered, explained rows (plot-ready: no SHAP)."""

    feature: str
    mean_abs: float
    rows: int


def toy_data(inputs: ViewInputs) -> ToyData:
    """Runs in a worker: numpy only."""
    explanation = inputs.explanation
    keep = np.isin(explanation.rows, inputs.visible_rows)
    values = np.abs(explanation.values[keep, :, inputs.output]).mean(axis=0)
    best = int(np.argmax(values))
    return ToyData(inputs.model.feature_names[best], float(values[best]), int(keep.sum()))


class ToyPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        QVBoxLayout(self).addWidget(self.label)
        self.data: ToyData | None = None

    def set_data(self, data: ToyData) -> None:
        self.data = data
        self.label.setText(f"{data.feature}: mean |SHAP| {data.mean_abs:.3g} over {data.rows} rows")

    def clear(self) -> None:
        self.data = None
        self.label.clear()
