"""Counterfactual explanations for tree ensembles: the smallest plausible changes to a row that
change the model's decision, found exactly with CP-SAT over the trees' own splits.

    result = find_counterfactuals(model, data.X, row, CounterfactualOptions(locked=["age"]))

Modules: trees (one tree shape for every framework), extract (a model's trees, checked against
its predictions), domains (the values each feature may take), goal (what must change), cpsat
(the solver model), small_changes (exact 1-2 change enumeration), phases (enumerate, then
solve, confirming each answer with the model), results, search (the entry points), report
(JSON).
"""

from app.core.debugging.counterfactuals.errors import CounterfactualError
from app.core.debugging.counterfactuals.extract import ensemble_of
from app.core.debugging.counterfactuals.results import (
    Change,
    Counterfactual,
    CounterfactualOptions,
    CounterfactualResult,
)
from app.core.debugging.counterfactuals.search import (
    counterfactual_steps,
    find_counterfactuals,
    suggest_locked,
)

__all__ = [
    "Change",
    "Counterfactual",
    "CounterfactualError",
    "CounterfactualOptions",
    "CounterfactualResult",
    "counterfactual_steps",
    "ensemble_of",
    "find_counterfactuals",
    "suggest_locked",
]
