"""How numbers read in a report: table cells, percentages, a row's prediction."""

from __future__ import annotations

import math

import numpy as np

from app.core.base.types import Task
from app.core.explain.models.base import ModelAdapter, display_output_name
from app.core.review.glossary import Glossary


def fmt(value: object, digits: int = 4) -> str:
    """A table cell: numbers to `digits` significant digits, missing as an empty cell."""
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


def pct(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value * 100:.1f}%"


def prediction_text(model: ModelAdapter, prediction: np.ndarray, output: int, g: Glossary) -> str:
    """'P(earning over 50K) = 0.123' for a classifier, 'prediction = 212,000 USD' otherwise."""
    if model.task is Task.REGRESSION or prediction.max() > 1 or prediction.min() < 0:
        unit = f" {g.target.unit}" if g.target.unit else ""
        return f"prediction = {fmt(float(prediction[output]))}{unit}"
    name = g.target.outcome if model.task is Task.BINARY and g.target.outcome else None
    name = name or display_output_name(model.output_names[output])
    return f"P({name}) = {float(prediction[output]):.3f}"
