"""Exact answers with one or two changed features, by predicting every candidate row at once.

Most rows that can flip at all flip with one or two changes, and the candidate rows for those
are few (the sum, and the sum of pairwise products, of the domain sizes: about 200 and 20,000 on
the Adult sample), so the model itself predicts them all in one batch, in well under the
time the solver needs to prove anything. This is exhaustive over the same domains the solver
uses, so the answers it returns are proven minimal; the solver takes over for three or more
changes, knowing none fewer works.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from app.core.debugging.counterfactuals.domains import Domain
from app.core.debugging.counterfactuals.goal import Goal, margin, reached
from app.core.explain.models.base import ModelAdapter

# Candidate rows for the pairs beyond which the solver does it instead. Far below this the
# deadline usually ends the enumeration first (then its finds are offered as unproven).
MAX_ROWS = 500_000
BATCH = 8_192
SEEDS = 24  # closest misses kept per size, extended by one more change (a hint for the solver)


@dataclass
class Candidate:
    cells: dict[int, int]  # feature -> index into its Domain.values
    cost: float


@dataclass
class Found:
    flips: list[Candidate]  # confirmed by the model, cheapest first
    misses: list[tuple[tuple[int, int], ...]]  # the closest combinations short of the goal
    complete: bool  # every combination was predicted (else the deadline came first)


def _cells_of(domains: dict[int, Domain]) -> list[tuple[int, int]]:
    return [(j, c) for j, d in sorted(domains.items()) for c in range(1, len(d.values))]


def count_rows(domains: dict[int, Domain], size: int) -> int:
    sizes = [len(d.values) - 1 for d in domains.values() if not d.fixed]
    if size == 1:
        return sum(sizes)
    total = sum(sizes)
    return (total * total - sum(n * n for n in sizes)) // 2


def _predict(
    model: ModelAdapter, x0: np.ndarray, domains: dict[int, Domain], goal: Goal,
    combos: Iterable[tuple[tuple[int, int], ...]], avoid: list[set[int]], deadline: float,
) -> Found:  # fmt: skip
    """Predict every combination (until the deadline), in batches: the ones that reach the goal
    and the closest misses, among those that do not change every feature of an earlier answer
    (`avoid`: such a combination could never be offered)."""
    found: list[Candidate] = []
    misses: list[tuple[float, tuple[tuple[int, int], ...]]] = []
    complete = True
    stream = iter(combos)
    first = True
    while part := list(itertools.islice(stream, BATCH)):
        if not first and time.monotonic() >= deadline:
            complete = False
            break
        first = False
        X = np.repeat(x0.reshape(1, -1), len(part), axis=0)
        for i, combo in enumerate(part):
            for j, c in combo:
                X[i, j] = domains[j].values[c]
        raw = model.predict_raw(X)
        ok = reached(model, goal, raw)
        for i in np.flatnonzero(ok).tolist():
            combo = part[i]
            if not any(a <= {j for j, _ in combo} for a in avoid):
                found.append(Candidate(dict(combo), sum(domains[j].costs[c] for j, c in combo)))
        gap = margin(model, goal, raw)
        kept = 0
        for i in np.argsort(-gap).tolist():
            if kept >= SEEDS:
                break
            features = {j for j, _ in part[i]}
            if not ok[i] and not any(a <= features for a in avoid):
                misses.append((float(gap[i]), part[i]))
                kept += 1
    misses.sort(key=lambda m: -m[0])
    found.sort(key=lambda f: (f.cost, sorted(f.cells.items())))
    return Found(found, [combo for _, combo in misses[:SEEDS]], complete)


def flipping(
    model: ModelAdapter, x0: np.ndarray, domains: dict[int, Domain], goal: Goal, size: int,
    avoid: list[set[int]], deadline: float = math.inf,
) -> Found:  # fmt: skip
    """Every change of exactly `size` (1 or 2) features that the model confirms, cheapest
    first; and the combinations that came closest without reaching the goal."""
    cells = _cells_of(domains)
    combos: Iterable[tuple[tuple[int, int], ...]]
    if size == 1:
        combos = [(cell,) for cell in cells]
    else:  # generated as predicted: the pairs can number hundreds of thousands
        combos = ((a, b) for a, b in itertools.combinations(cells, 2) if a[0] != b[0])
    return _predict(model, x0, domains, goal, combos, avoid, deadline)


def extended(
    model: ModelAdapter, x0: np.ndarray, domains: dict[int, Domain], goal: Goal,
    seeds: list[tuple[tuple[int, int], ...]], avoid: list[set[int]], deadline: float = math.inf,
) -> Found:  # fmt: skip
    """Each seed plus one change of another feature: a quick, not exhaustive, look one size
    further (its answers are good solver hints, not proven minimal)."""
    cells = _cells_of(domains)
    combos = sorted({
        tuple(sorted((*seed, cell))) for seed in seeds for cell in cells
        if cell[0] not in {j for j, _ in seed}
    })  # fmt: skip
    return _predict(model, x0, domains, goal, combos, avoid, deadline)


def pick_diverse(
    candidates: list[Candidate], taken: list[set[int]], wanted: int
) -> list[Candidate]:
    """Greedily the cheapest candidates that do not change every feature of an earlier answer
    (the same rule the solver gets as constraints), so each pick is the next optimum."""
    picked = []
    for candidate in candidates:
        if len(picked) >= wanted:
            break
        features = set(candidate.cells)
        if any(previous <= features for previous in taken):
            continue
        picked.append(candidate)
        taken.append(features)
    return picked
