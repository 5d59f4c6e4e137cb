"""What a counterfactual search is asked (options) and what it answers (results)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_ANSWERS = 5


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
