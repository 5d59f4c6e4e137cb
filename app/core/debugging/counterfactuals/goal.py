"""What the edited row's prediction must become: the other class, another class, or past a
target value; checked on the model's own prediction and expressed on raw outputs for the solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.base.types import Task, Unit
from app.core.debugging.counterfactuals.errors import CounterfactualError
from app.core.explain.models.base import ModelAdapter


@dataclass(frozen=True)
class Goal:
    task: Task
    original_class: int | None  # binary 0/1, multiclass index; None for regression
    raw_threshold: float = 0.0  # binary: class 1 when raw >= it; regression: the target
    want_above: bool = True  # binary / regression: reach raw >= threshold (else raw < / <=)
    target_class: int | None = None  # multiclass: this class, or None for any other
    threshold: float = 0.5  # binary: on the prediction the user reads (probability)

    def describe(self) -> str:
        if self.task is Task.REGRESSION:
            return f"prediction {'≥' if self.want_above else '≤'} {self.raw_threshold:g}"
        if self.task is Task.BINARY:
            return f"class {1 - int(self.original_class or 0)}"
        return "another class" if self.target_class is None else f"class {self.target_class}"


def predicted_class(model: ModelAdapter, prediction: np.ndarray, threshold: float) -> int | None:
    """The class a user reads from one row's prediction (None for regression)."""
    if model.task is Task.BINARY:
        return int(float(prediction[0]) >= threshold)
    if model.task is Task.MULTICLASS:
        return int(np.argmax(prediction))
    return None


def goal_for(
    model: ModelAdapter,
    raw: np.ndarray,
    threshold: float = 0.5,
    target: float | None = None,
    target_class: int | None = None,
) -> Goal:
    """The goal for a row whose raw output is `raw` (n_outputs,)."""
    prediction = model.raw_to_prediction(raw.reshape(1, -1))[0]
    task = model.task
    if task is Task.REGRESSION:
        if target is None or not math.isfinite(target):
            raise CounterfactualError(
                "For a regression model, say which value the prediction should reach (a target)."
            )
        if float(prediction[0]) == target:
            raise CounterfactualError(
                f"The prediction is already {target:g}; choose a target above or below it."
            )
        return Goal(task, None, float(target), want_above=float(prediction[0]) < target)
    original = predicted_class(model, prediction, threshold)
    if task is Task.BINARY:
        if not 0.0 < threshold < 1.0 and model.unit in (Unit.LOG_ODDS, Unit.PROBABILITY):
            raise CounterfactualError("The decision threshold must lie between 0 and 1.")
        raw_t = math.log(threshold / (1 - threshold)) if model.unit is Unit.LOG_ODDS else threshold
        return Goal(task, original, raw_t, want_above=original == 0, threshold=threshold)
    k = model.n_outputs
    if target_class is not None and not (0 <= target_class < k and target_class != original):
        raise CounterfactualError(
            f"The target class must be one of 0…{k - 1} other than the predicted class {original}."
        )
    return Goal(task, original, target_class=target_class)


def reached(model: ModelAdapter, goal: Goal, raw: np.ndarray) -> np.ndarray:
    """Per row of the model's own raw outputs `raw` (n_rows, n_outputs): is the goal met?"""
    prediction = model.raw_to_prediction(np.atleast_2d(raw))
    if goal.task is Task.REGRESSION:
        value = prediction[:, 0]
        return value >= goal.raw_threshold if goal.want_above else value <= goal.raw_threshold
    if goal.task is Task.BINARY:
        return (prediction[:, 0] >= goal.threshold).astype(int) != goal.original_class
    new = np.argmax(prediction, axis=1)
    if goal.target_class is not None:
        return new == goal.target_class
    return new != goal.original_class


def margin(model: ModelAdapter, goal: Goal, raw: np.ndarray) -> np.ndarray:
    """Per row: how far the prediction has come toward the goal (>= 0 once there, roughly)."""
    prediction = model.raw_to_prediction(np.atleast_2d(raw))
    if goal.task is Task.MULTICLASS:
        c0 = int(goal.original_class or 0)
        if goal.target_class is not None:
            others = np.delete(prediction, goal.target_class, axis=1)
            return prediction[:, goal.target_class] - others.max(axis=1)
        return np.delete(prediction, c0, axis=1).max(axis=1) - prediction[:, c0]
    value = prediction[:, 0]
    target = goal.threshold if goal.task is Task.BINARY else goal.raw_threshold
    return value - target if goal.want_above else target - value
