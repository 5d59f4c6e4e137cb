"""A CounterfactualResult as the JSON the CLI writes (plain types, best answer first)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from app.core.base.types import Task
from app.core.debugging.counterfactuals.results import CounterfactualResult
from app.core.explain.models.base import ModelAdapter


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def prediction_value(model: ModelAdapter, prediction: np.ndarray) -> object:
    """Binary: P(positive class); multiclass: one probability per class; regression: value."""
    if model.task is Task.MULTICLASS:
        return [_plain(float(p)) for p in prediction]
    return _plain(float(prediction[0]))


def class_value(model: ModelAdapter, k: int | None) -> object:
    if k is None:
        return None
    if model.task is Task.MULTICLASS and 0 <= k < len(model.output_names):
        return model.output_names[k]
    return int(k)


def result_dict(model: ModelAdapter, result: CounterfactualResult) -> dict[str, object]:
    return {
        "row": result.row,
        "prediction": prediction_value(model, result.prediction),
        "class": class_value(model, result.predicted_class),
        "goal": result.goal,
        "locked": list(result.locked),
        "complete": result.exhausted,
        "seconds": round(result.seconds, 3),
        "counterfactuals": [
            {
                "changes": {
                    c.feature: {"from": _plain(c.before), "to": _plain(c.after)}
                    for c in answer.changes
                },
                "prediction": prediction_value(model, answer.prediction),
                "class": class_value(model, answer.predicted_class),
                "minimal": answer.minimal,
                "distance": round(answer.distance, 4),
            }
            for answer in result.answers
        ],
    }


def result_json(model: ModelAdapter, result: CounterfactualResult) -> str:
    return json.dumps(result_dict(model, result), indent=2, allow_nan=False) + "\n"
