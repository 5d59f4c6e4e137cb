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
from dataclasses import dataclass, field

import numpy as np

from app.core.debugging.counterfactuals.cpsat import CounterfactualModel, Solution
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
from app.core.debugging.counterfactuals.goal import Goal, goal_for, predicted_class, reached
from app.core.debugging.counterfactuals.small_changes import (
    MAX_ROWS,
    count_rows,
    extended,
    flipping,
    pick_diverse,
)
from app.core.debugging.counterfactuals.trees import Ensemble
from app.core.fairness import suggest_sensitive
from app.core.models.base import ModelAdapter

MAX_ANSWERS = 5
MAX_REJECTED = 25  # answers the model refused before the search gives up


@dataclass
class CounterfactualOptions:
    locked: Sequence[str] = ()  # features that must keep their value
    max_changes: int | None = None
    seconds: float = 2.0  # the whole search, all answers together
    answers: int = MAX_ANSWERS
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # instead of observed
    directions: dict[str, int] = field(default_factory=dict)  # +1 may only increase, -1 decrease
    threshold: float = 0.5  # binary decision threshold on the probability
    target: float | None = None  # regression: the value to reach
    target_class: int | None = None  # multiclass: a class to reach (default: any other)
    workers: int = 1  # CP-SAT search threads
    enumerate: int = 2  # try every change of up to this many features first (0: solver only)


@dataclass
class Change:
    feature: str
    before: object  # as the user reads it (category label, number)
    after: object
    before_code: float  # as the model reads it
    after_code: float


@dataclass
class Counterfactual:
    changes: list[Change]
    x: np.ndarray  # the edited row as the model reads it
    prediction: np.ndarray  # (n_outputs,) from the model itself
    predicted_class: int | None
    minimal: bool  # proven best (under the earlier answers' diversity rule)
    distance: float  # sum of changes in robust deviations (categories count 1)

    def changed(self) -> list[str]:
        return [c.feature for c in self.changes]


@dataclass
class CounterfactualResult:
    row: int
    x: np.ndarray
    prediction: np.ndarray
    predicted_class: int | None
    goal: str
    answers: list[Counterfactual]
    locked: list[str]
    exhausted: bool  # proven: no further answer exists under the options
    seconds: float
    rejected: int = 0  # solver answers the model did not confirm
    wanted: int = MAX_ANSWERS

    def message(self) -> str:
        n = len(self.answers)
        if n >= self.wanted:
            return f"{n} answers in {self.seconds:.1f} s."
        if self.exhausted:
            if n:
                return f"{n} answer(s); no answer of another kind exists with these options."
            return (
                f"No change of the unlocked features reaches {self.goal}: proven impossible "
                "with these options."
            )
        if n:
            return f"{n} answer(s); the search for more stopped at the time limit."
        return f"No answer found within {self.seconds:.1f} s; allow more time or fewer locks."


def suggest_locked(feature_names: Sequence[str]) -> list[str]:
    """Features that should not be changed by default: the names the fairness panel flags as
    sensitive (age, sex, race, marital status, country …)."""
    return suggest_sensitive(list(feature_names))


def display_value(model: ModelAdapter, j: int, code: float) -> object:
    spec = model.features[j]
    if math.isnan(code):
        return None
    if spec.is_categorical and spec.categories and 0 <= code < len(spec.categories):
        return spec.categories[int(code)]
    return int(code) if code == int(code) and abs(code) < 2**53 else float(code)


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


def _answer(
    model: ModelAdapter, x0: np.ndarray, domains: dict[int, Domain], solution: Solution
) -> tuple[np.ndarray, list[Change], float]:
    x = x0.copy()
    changes, distance = [], 0.0
    for j, cell in sorted(solution.cells.items()):
        if cell == 0:
            continue
        d = domains[j]
        x[j] = d.values[cell]
        distance += d.costs[cell]
        changes.append(
            Change(
                model.features[j].name,
                display_value(model, j, float(x0[j])),
                display_value(model, j, float(x[j])),
                float(x0[j]),
                float(x[j]),
            )
        )
    return x, changes, distance


def _confirmed(
    model: ModelAdapter, goal: Goal, x0: np.ndarray, domains: dict[int, Domain], solution: Solution
) -> Counterfactual | None:
    """The answer for `solution` if the model itself confirms it, else None."""
    x, changes, distance = _answer(model, x0, domains, solution)
    raw = model.predict_raw(x.reshape(1, -1))
    if not changes or not bool(reached(model, goal, raw)[0]):
        return None
    prediction = model.raw_to_prediction(raw)[0]
    return Counterfactual(
        changes,
        x,
        prediction,
        predicted_class(model, prediction, goal.threshold),
        solution.optimal,
        distance,
    )


class _Run:
    """One row's search: exact enumeration of small changes, then the solver."""

    def __init__(
        self,
        model: ModelAdapter,
        goal: Goal,
        x0: np.ndarray,
        domains: dict[int, Domain],
        options: CounterfactualOptions,
        deadline: float,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.model, self.goal, self.x0, self.domains = model, goal, x0, domains
        self.options, self.deadline = options, deadline
        self.should_stop = should_stop or (lambda: False)
        self.answers: list[Counterfactual] = []
        self.taken: list[set[int]] = []  # each answer's changed features (the diversity rule)
        self.exhausted = False
        self.rejected = 0
        free = sum(not d.fixed for d in domains.values())  # features that can change at all
        self.limit = free if options.max_changes is None else min(options.max_changes, free)
        self.enumerated = 0  # every change of up to this many features has been tried
        self.seeds: list = []  # the closest misses of the largest size tried

    def done(self) -> bool:
        return (
            self.exhausted
            or len(self.answers) >= self.options.answers
            or time.monotonic() >= self.deadline
            or self.should_stop()
        )

    def _accept(self, cells: dict[int, int], minimal: bool) -> Counterfactual | None:
        answer = _confirmed(self.model, self.goal, self.x0, self.domains, Solution(cells, minimal))
        if answer is not None:
            self.answers.append(answer)
        return answer

    def small_changes(self) -> Generator[Counterfactual, None, None]:
        """Every change of one, then two features, predicted in batches: proven answers."""
        for size in range(1, min(self.options.enumerate, self.limit) + 1):
            if self.done() or (size == 2 and count_rows(self.domains, 2) > MAX_ROWS):
                return
            found, self.seeds = flipping(
                self.model, self.x0, self.domains, self.goal, size, self.taken
            )
            wanted = self.options.answers - len(self.answers)
            for candidate in pick_diverse(found, self.taken, wanted):
                answer = self._accept(candidate.cells, True)
                if answer is not None:  # always: flipping() predicted this very row
                    yield answer
            self.enumerated = size
        if self.enumerated >= self.limit and len(self.answers) < self.options.answers:
            self.exhausted = True  # every allowed change was tried: there is no other answer

    def solve(self, ensemble: Ensemble) -> Generator[Counterfactual, None, None]:
        """CP-SAT for larger changes, knowing no smaller one is left. Confirmed answers one
        change larger, found by extending the closest misses, start it from a good point and
        are the fallback (not proven minimal) when it runs out of time."""
        seeds = [s for s in self.seeds if not any(t <= {j for j, _ in s} for t in self.taken)]
        guesses = (
            extended(self.model, self.x0, self.domains, self.goal, seeds, self.taken)[0]
            if seeds
            else []
        )
        search = CounterfactualModel(ensemble, self.domains, self.goal, self.options.max_changes)
        for features in self.taken:
            search.forbid_superset(sorted(features))
        search.require_changes(self.enumerated + 1)
        while not self.done() and self.rejected <= MAX_REJECTED:
            hint = pick_diverse(guesses, [set(t) for t in self.taken], 1)
            search.set_hint(hint[0].cells if hint else {})
            left = self.deadline - time.monotonic()
            outcome = search.solve(left, self.options.workers, self.should_stop)
            if outcome.solution is None:
                if not self.should_stop():
                    wanted = self.options.answers - len(self.answers)
                    for guess in pick_diverse(guesses, self.taken, wanted):
                        answer = self._accept(guess.cells, False)
                        if answer is not None:
                            yield answer
                # Proven impossible, unless a guess the solver's rounding margin excluded
                # came through.
                self.exhausted = outcome.infeasible and not guesses
                return
            changed = [j for j, c in outcome.solution.cells.items() if c]
            answer = self._accept(outcome.solution.cells, outcome.solution.optimal)
            if answer is None:
                self.rejected += 1
                search.forbid_assignment({j: outcome.solution.cells[j] for j in changed})
                continue
            self.taken.append(set(changed))
            search.forbid_superset(changed)
            yield answer


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
    domains = build_domains(model, ensemble, x0, stats, options)
    run = _Run(model, goal, x0, domains, options, started + options.seconds, should_stop)
    yield from run.small_changes()
    if not run.done():
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
