"""The two phases of one row's search: every change of one or two features predicted in
batches (exact), then CP-SAT for larger changes, with confirmed guesses as its starting point
and as the fallback when time runs out. Every answer is confirmed by the model itself."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator

import numpy as np

from app.core.debugging.counterfactuals.cpsat import CounterfactualModel, Solution
from app.core.debugging.counterfactuals.domains import Domain
from app.core.debugging.counterfactuals.goal import Goal, predicted_class, reached
from app.core.debugging.counterfactuals.results import (
    Change,
    Counterfactual,
    CounterfactualOptions,
)
from app.core.debugging.counterfactuals.small_changes import (
    MAX_ROWS,
    Candidate,
    count_rows,
    extended,
    flipping,
    pick_diverse,
)
from app.core.debugging.counterfactuals.trees import Ensemble
from app.core.explain.models.base import ModelAdapter

MAX_REJECTED = 25  # answers the model refused before the search gives up


def display_value(model: ModelAdapter, j: int, code: float) -> object:
    spec = model.features[j]
    if math.isnan(code):
        return None
    if spec.is_categorical and spec.categories and 0 <= code < len(spec.categories):
        return spec.categories[int(code)]
    return int(code) if code == int(code) and abs(code) < 2**53 else float(code)


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


class Run:
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
        self.guesses: list[Candidate] = []  # confirmed, not proven best: hints and fallback

    def done(self) -> bool:
        return self.finished() or time.monotonic() >= self.deadline

    def finished(self) -> bool:
        """Nothing more to look for: enough answers, none left, or the user stopped it."""
        return self.exhausted or len(self.answers) >= self.options.answers or self.should_stop()

    def _accept(self, cells: dict[int, int], minimal: bool) -> Counterfactual | None:
        answer = _confirmed(self.model, self.goal, self.x0, self.domains, Solution(cells, minimal))
        if answer is not None:
            self.answers.append(answer)
            self.taken.append({j for j, c in cells.items() if c})
        return answer

    def small_changes(self) -> Generator[Counterfactual, None, None]:
        """Every change of one, then two features, predicted in batches: proven answers."""
        for size in range(1, min(self.options.enumerate, self.limit) + 1):
            out_of_time = size > 1 and time.monotonic() >= self.deadline
            if self.finished() or out_of_time:
                return
            if size == 2 and count_rows(self.domains, 2) > MAX_ROWS:
                return
            # Single changes are a few hundred rows: always tried in full, whatever the budget.
            deadline = self.deadline if size > 1 else math.inf
            found = flipping(
                self.model, self.x0, self.domains, self.goal, size, self.taken, deadline
            )
            if not found.complete:  # out of time: what it found is good, but not proven best
                self.guesses = found.flips
                return
            self.seeds = found.misses
            for candidate in pick_diverse(found.flips, list(self.taken), self.wanted()):
                answer = self._accept(candidate.cells, True)
                if answer is not None:  # always: flipping() predicted this very row
                    yield answer
            self.enumerated = size
        if self.enumerated >= self.limit and len(self.answers) < self.options.answers:
            self.exhausted = True  # every allowed change was tried: there is no other answer

    def wanted(self) -> int:
        return self.options.answers - len(self.answers)

    def solve(self, ensemble: Ensemble) -> Generator[Counterfactual, None, None]:
        """CP-SAT for larger changes, knowing no smaller one is left. Confirmed answers one
        change larger, found by extending the closest misses, start it from a good point and
        are the fallback (not proven minimal) when it runs out of time."""
        seeds = [s for s in self.seeds if not any(t <= {j for j, _ in s} for t in self.taken)]
        if seeds and not self.done():
            self.guesses += extended(
                self.model, self.x0, self.domains, self.goal, seeds, self.taken, self.deadline
            ).flips
        if not self.done():
            yield from self._solver(ensemble)
        if not self.exhausted and not self.should_stop():
            # Out of time: the confirmed guesses, cheapest first, marked as not proven.
            for guess in pick_diverse(self.guesses, list(self.taken), self.wanted()):
                answer = self._accept(guess.cells, False)
                if answer is not None:
                    yield answer

    def _solver(self, ensemble: Ensemble) -> Generator[Counterfactual, None, None]:
        search = CounterfactualModel(ensemble, self.domains, self.goal, self.options.max_changes)
        for features in self.taken:
            search.forbid_superset(sorted(features))
        search.require_changes(self.enumerated + 1)
        while not self.done() and self.rejected <= MAX_REJECTED:
            hint = pick_diverse(self.guesses, list(self.taken), 1)
            search.set_hint(hint[0].cells if hint else {})
            left = self.deadline - time.monotonic()
            outcome = search.solve(left, self.options.workers, self.should_stop)
            if outcome.solution is None:
                # Proven impossible, unless a guess the solver's rounding margin excluded
                # came through (the fallback then offers it).
                self.exhausted = outcome.infeasible and not self.guesses
                return
            answer = self._accept(outcome.solution.cells, outcome.solution.optimal)
            changed = [j for j, c in outcome.solution.cells.items() if c]
            if answer is None:
                self.rejected += 1
                search.forbid_assignment({j: outcome.solution.cells[j] for j in changed})
                continue
            search.forbid_superset(changed)
            yield answer
