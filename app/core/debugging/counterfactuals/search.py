"""Find counterfactuals for one row: build the domains, solve, check with the real model, repeat.

`counterfactual_steps` is a generator (it yields each confirmed answer, so a worker can show
progress and be cancelled between answers) whose return value is the CounterfactualResult;
`find_counterfactuals` runs it to the end. Every answer is predicted with the model itself: an
answer the model does not confirm (leaf values are rounded for the solver) is excluded and the
search goes on. Later answers must leave at least one feature of each earlier answer unchanged,
so the list offers different ways, not one way with more edits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Sequence

import numpy as np

from app.core.debugging.counterfactuals.domains import (
    Domain,
    FeatureStats,
    categorical_domain,
    feature_stats,
    fixed_domain,
    numeric_domain,
)
from app.core.debugging.counterfactuals.errors import CounterfactualError
from app.core.debugging.counterfactuals.extract import ensemble_of
from app.core.debugging.counterfactuals.goal import Goal, goal_for
from app.core.debugging.counterfactuals.phases import Run
from app.core.debugging.counterfactuals.results import (
    MAX_ANSWERS,
    Counterfactual,
    CounterfactualOptions,
    CounterfactualResult,
)
from app.core.debugging.counterfactuals.trees import Ensemble
from app.core.debugging.fairness import suggest_sensitive
from app.core.explain.models.base import ModelAdapter


def suggest_locked(feature_names: Sequence[str]) -> list[str]:
    """Features that should not be changed by default: the names the fairness panel flags as
    sensitive (age, sex, race, marital status, country …)."""
    return suggest_sensitive(list(feature_names))


def _check_options(model: ModelAdapter, options: CounterfactualOptions) -> None:
    names = set(model.feature_names)
    named = [*options.locked, *options.ranges, *options.directions]
    unknown = [n for n in named if n not in names]
    if unknown:
        raise CounterfactualError(
            f"The model has no feature named {', '.join(map(repr, unknown))}."
        )
    if options.seconds <= 0 or not math.isfinite(options.seconds):
        raise CounterfactualError("The time budget must be a positive number of seconds.")
    if options.max_changes is not None and options.max_changes < 1:
        raise CounterfactualError("At least one feature must be allowed to change.")
    if not 1 <= options.answers <= MAX_ANSWERS:
        raise CounterfactualError(f"Ask for between 1 and {MAX_ANSWERS} answers.")
    for name, (low, high) in options.ranges.items():
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise CounterfactualError(f"The range of {name} must be two numbers, low ≤ high.")


def build_domains(
    model: ModelAdapter,
    ensemble: Ensemble,
    x0: np.ndarray,
    stats: list[FeatureStats],
    options: CounterfactualOptions,
) -> dict[int, Domain]:
    locked = set(options.locked)
    domains: dict[int, Domain] = {}
    for j, splits in ensemble.splits_by_feature().items():
        spec = model.features[j]
        bounds = options.ranges.get(spec.name, stats[j].bounds)
        if spec.name in locked or bounds is None:
            domains[j] = fixed_domain(j, float(x0[j]), splits)
        elif spec.is_categorical or any(s.is_categorical for s in splits):
            labels = len(spec.categories) if spec.categories else None
            domains[j] = categorical_domain(j, float(x0[j]), splits, stats[j], labels)
        else:
            direction = options.directions.get(spec.name, 0)
            domains[j] = numeric_domain(j, float(x0[j]), splits, stats[j], bounds, direction)
    return domains


def counterfactual_steps(
    model: ModelAdapter,
    X: np.ndarray,
    row: int,
    options: CounterfactualOptions | None = None,
    stats: list[FeatureStats] | None = None,
    ensemble: Ensemble | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Generator[Counterfactual, None, CounterfactualResult]:
    """Yield confirmed answers, best first; return the CounterfactualResult.

    `stats` (feature_stats of X) and `ensemble` (ensemble_of the model) may be computed once
    and reused across rows."""
    options = options or CounterfactualOptions()
    started = time.monotonic()
    if not 0 <= row < X.shape[0]:
        raise CounterfactualError(f"Row {row} is not in the dataset (it has {X.shape[0]} rows).")
    _check_options(model, options)
    x0 = np.asarray(X[row], dtype=np.float64).copy()
    if ensemble is None:
        ensemble = ensemble_of(model, X, np.unique(np.r_[np.arange(min(X.shape[0], 16)), row]))
    if stats is None:
        stats = feature_stats(X, [f.is_categorical for f in model.features])
    raw0 = model.predict_raw(x0.reshape(1, -1))[0]
    prediction0 = model.raw_to_prediction(raw0.reshape(1, -1))[0]
    goal: Goal = goal_for(model, raw0, options.threshold, options.target, options.target_class)
    # The budget is for the search: reading the model's trees and the columns (once per model
    # when the caller passes them in) does not count against it.
    domains = build_domains(model, ensemble, x0, stats, options)
    run = Run(model, goal, x0, domains, options, time.monotonic() + options.seconds, should_stop)
    yield from run.small_changes()
    if not run.finished():
        yield from run.solve(ensemble)
    answers, exhausted, rejected = run.answers, run.exhausted, run.rejected
    return CounterfactualResult(
        row=row,
        x=x0,
        prediction=prediction0,
        predicted_class=goal.original_class,
        goal=goal.describe(),
        answers=answers,
        locked=[n for n in model.feature_names if n in set(options.locked)],
        exhausted=exhausted,
        seconds=time.monotonic() - started,
        rejected=rejected,
        wanted=options.answers,
    )


def find_counterfactuals(
    model: ModelAdapter,
    X: np.ndarray,
    row: int,
    options: CounterfactualOptions | None = None,
    stats: list[FeatureStats] | None = None,
    ensemble: Ensemble | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CounterfactualResult:
    """Run the whole search (see counterfactual_steps)."""
    steps = counterfactual_steps(model, X, row, options, stats, ensemble, should_stop)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
