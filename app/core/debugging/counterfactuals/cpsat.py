"""The counterfactual search as a CP-SAT model over the trees' leaves.

After Parmentier & Vidal (ICML 2021, "Optimal Counterfactual Explanations in Tree Ensembles"),
in its constraint-programming form: one boolean per (feature, candidate value) with exactly one
true per feature; one boolean per reachable leaf with exactly one true per tree; a leaf may be
active only if every split above it routes the chosen value its way. The raw output is then a
linear expression of the leaf booleans. Leaf values are scaled to integers (about 1e7 for the
largest leaf); the goal keeps a margin of the worst total rounding, and the caller still checks
every answer with the real model.

Objective, lexicographic through one weight: fewest changed features, then the smallest total
distance (in median absolute deviations).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.base.types import Task
from app.core.debugging.counterfactuals.domains import Domain
from app.core.debugging.counterfactuals.goal import Goal
from app.core.debugging.counterfactuals.trees import Ensemble, Tree

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

LEAF_SCALE = 1e7  # the largest leaf value becomes this integer
COST_SCALE = 1000  # distances to a thousandth of a deviation


def _cp_model() -> Any:
    """ortools, imported on first use: it takes about a second to import, and the window
    (which lists the Counterfactuals panel) should not wait for it at start-up."""
    from ortools.sat.python import cp_model

    return cp_model


@dataclass
class Solution:
    cells: dict[int, int]  # feature -> index into its Domain.values (0 = unchanged)
    optimal: bool


@dataclass
class Outcome:
    """One solve: a solution, or why there is none (proven impossible, or out of time)."""

    solution: Solution | None
    infeasible: bool = False


class CounterfactualModel:
    """One CP-SAT model for one row; `solve` may be called again after adding cuts."""

    def __init__(
        self, ensemble: Ensemble, domains: dict[int, Domain], goal: Goal, max_changes: int | None
    ) -> None:
        self._cp = _cp_model()
        self.model = self._cp.CpModel()
        self.domains = domains
        self.y: dict[int, list[cp_model.IntVar]] = {}
        self._position: dict[int, dict[object, int]] = {}
        for j, d in domains.items():
            self._position[j] = {s: p for p, s in enumerate(d.splits)}
            if not d.fixed:
                self.y[j] = [self.model.new_bool_var(f"x{j}_{c}") for c in range(len(d.values))]
                self.model.add_exactly_one(self.y[j])
        self.n_variable_trees = 0
        self._left: dict[tuple[int, int], cp_model.IntVar] = {}
        self._constant = ensemble.offset.astype(float).copy()
        trees = [(tree, self._tree(tree)) for tree in ensemble.trees]
        largest = max(
            (abs(float(v)) for tree, lam in trees for leaf in lam
             for v in tree.leaf_values[leaf]),
            default=0.0,
        )  # fmt: skip
        self.scale = LEAF_SCALE / largest if largest > 0 else 1.0
        self.scores: list[list[cp_model.LinearExpr]] = [[] for _ in range(ensemble.n_outputs)]
        for tree, lam in trees:
            self._add_scores(tree, lam)
        # Rounding each leaf moves a sum by at most half a unit per tree.
        self.margin = math.ceil(0.5 * self.n_variable_trees) + 1
        self._add_goal(goal)
        changed = [d_vars[0].Not() for d_vars in self.y.values()]
        self.n_changed = sum(changed) if changed else 0
        if max_changes is not None and changed:
            self.model.add(sum(changed) <= max_changes)
        costs = {j: [round(c * COST_SCALE) for c in domains[j].costs] for j in self.y}
        big = sum(max(c) for c in costs.values()) + 1
        distance = sum(
            cost * var for j, vs in self.y.items() for cost, var in zip(costs[j], vs, strict=True)
        )
        self.model.minimize(big * self.n_changed + distance)

    # -------------------------------------------------------------- structure
    def _goes_left(self, j: int, p: int) -> cp_model.IntVar:
        """A boolean for 'the chosen value of feature j goes left at split p', made once per
        distinct split, so each tree node costs two short constraints."""
        key = (j, p)
        if key not in self._left:
            d = self.domains[j]
            var = self.model.new_bool_var(f"left{j}_{p}")
            self.model.add(var == sum(self.y[j][c] for c in range(len(d.values)) if d.routes[c][p]))
            self._left[key] = var
        return self._left[key]

    def _tree(self, tree: Tree) -> dict[int, cp_model.IntVar]:
        """Add one tree as a flow from the root to one leaf: a node is active when its parent
        is and the chosen value goes its way. Returns a boolean per reachable leaf (none when
        only one leaf is reachable: its value joins the constant)."""
        edges: list[tuple[int, int, int, int]] = []  # (node, feature, split, parent node)
        reach: list[int] = []

        def visit(node: int, parent: int) -> None:
            # Nodes of fixed features are skipped: their reachable child takes their place.
            while node >= 0 and self.domains[tree.splits[node].feature].fixed:
                split = tree.splits[node]
                p = self._position[split.feature][split]
                on_left = self.domains[split.feature].routes[0][p]
                node = tree.left[node] if on_left else tree.right[node]
            if node < 0:
                reach.append(~node)
                edges.append((node, -1, -1, parent))
                return
            split = tree.splits[node]
            edges.append((node, split.feature, self._position[split.feature][split], parent))
            visit(tree.left[node], node)
            visit(tree.right[node], node)

        visit(0 if tree.splits else ~0, 0x7FFFFFFF)
        if len(reach) == 1:
            self._constant += tree.leaf_values[reach[0]]
            return {}
        self.n_variable_trees += 1
        active = {node: self.model.new_bool_var("") for node, *_ in edges}
        split_of = {node: (j, p) for node, j, p, _ in edges if node >= 0}
        children: dict[int, list[int]] = {}
        for node, _, _, parent in edges:
            children.setdefault(parent, []).append(node)
        for parent, kids in children.items():
            if parent == 0x7FFFFFFF:
                self.model.add(active[kids[0]] == 1)
                continue
            left_kid, right_kid = kids
            self.model.add(active[left_kid] + active[right_kid] == active[parent])
            goes_left = self._goes_left(*split_of[parent])
            self.model.add_implication(active[left_kid], goes_left)
            self.model.add_implication(active[right_kid], goes_left.Not())
        return {~node: active[node] for node, *_ in edges if node < 0}

    def _add_scores(self, tree: Tree, lam: dict[int, cp_model.IntVar]) -> None:
        for k, terms in enumerate(self.scores):
            for leaf in lam:
                value = round(float(tree.leaf_values[leaf, k]) * self.scale)
                if value:
                    terms.append(value * lam[leaf])

    def _score(self, k: int) -> cp_model.LinearExpr:
        return sum(self.scores[k]) if self.scores[k] else self._cp.LinearExpr.constant(0)

    def _add_goal(self, goal: Goal) -> None:
        m, s, margin = self.model, self.scale, self.margin
        if goal.task is Task.MULTICLASS:
            c0 = int(goal.original_class or 0)
            others = [goal.target_class] if goal.target_class is not None else [
                k for k in range(len(self.scores)) if k != c0
            ]  # fmt: skip
            picks = []
            for k in others:
                pick = m.new_bool_var(f"class{k}")
                rivals = [c0] if goal.target_class is None else [
                    r for r in range(len(self.scores)) if r != k
                ]  # fmt: skip
                for r in rivals:
                    gap = s * (self._constant[r] - self._constant[k])
                    need = math.floor(gap) + 2 * margin + 1
                    m.add(self._score(k) - self._score(r) >= need).only_enforce_if(pick)
                picks.append(pick)
            m.add_exactly_one(picks) if len(picks) > 1 else m.add(picks[0] == 1)
            return
        bound = s * (goal.raw_threshold - self._constant[0])
        if goal.want_above:
            m.add(self._score(0) >= math.ceil(bound) + margin)
        else:
            strict = goal.task is Task.BINARY
            m.add(self._score(0) <= math.floor(bound) - margin - (1 if strict else 0))

    # -------------------------------------------------------------- cuts and solving
    def forbid_superset(self, features: list[int]) -> None:
        """Later answers must leave at least one of these features unchanged (diversity)."""
        kept = [self.y[j][0] for j in features if j in self.y]
        if kept:
            self.model.add_bool_or(kept)

    def set_hint(self, cells: dict[int, int]) -> None:
        """Start the search from this assignment (feature -> value index; others unchanged)."""
        self.model.clear_hints()
        if not cells:
            return
        for j, vs in self.y.items():
            for c, var in enumerate(vs):
                self.model.add_hint(var, c == cells.get(j, 0))

    def require_changes(self, at_least: int) -> None:
        """No answer with fewer changes exists (they were all tried): say so to the solver."""
        if self.y and at_least > 1:
            self.model.add(self.n_changed >= at_least)

    def forbid_assignment(self, cells: dict[int, int]) -> None:
        """Never propose exactly these values again (the model refused them)."""
        chosen = [self.y[j][c].Not() for j, c in cells.items() if j in self.y]
        if chosen:
            self.model.add_bool_or(chosen)

    def solve(
        self, seconds: float, workers: int = 2, should_stop: Callable[[], bool] | None = None
    ) -> Outcome:
        """The best assignment found within `seconds`."""
        cp = self._cp
        solver = cp.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = workers
        # Probing in presolve took seconds on a 300-tree model and then rarely paid off.
        solver.parameters.cp_model_probing_level = 0
        if should_stop is not None:
            solver.parameters.log_search_progress = True
            solver.parameters.log_to_stdout = False
            solver.log_callback = lambda _line: should_stop() and solver.stop_search()
        status = solver.solve(self.model)
        if status not in (cp.OPTIMAL, cp.FEASIBLE):
            return Outcome(None, infeasible=status == cp.INFEASIBLE)
        cells = {}
        for j, vs in self.y.items():
            cells[j] = next(c for c, v in enumerate(vs) if solver.boolean_value(v))
        return Outcome(Solution(cells, optimal=status == cp.OPTIMAL))
