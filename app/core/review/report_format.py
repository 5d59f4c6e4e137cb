"""A row's prediction as a report states it (numbers themselves: app.core.base.formatting)."""

from __future__ import annotations

import numpy as np

from app.core.base.formatting import cell
from app.core.base.types import Task
from app.core.explain.models.base import ModelAdapter, display_output_name
from app.core.review.glossary import Glossary


def prediction_text(model: ModelAdapter, prediction: np.ndarray, output: int, g: Glossary) -> str:
    """'P(earning over 50K) = 0.123' for a classifier, 'prediction = 212,000 USD' otherwise."""
    if model.task is Task.REGRESSION or prediction.max() > 1 or prediction.min() < 0:
        unit = f" {g.target.unit}" if g.target.unit else ""
        return f"prediction = {cell(float(prediction[output]))}{unit}"
    name = g.target.outcome if model.task is Task.BINARY and g.target.outcome else None
    name = name or display_output_name(model.output_names[output])
    return f"P({name}) = {float(prediction[output]):.3f}"
