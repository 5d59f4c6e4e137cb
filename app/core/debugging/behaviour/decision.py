"""shap's decision plot as plot-ready arrays: each row's path from the base value to its output.

Features are stacked by importance over the shown rows (the most important on top, as shap
draws it); a row's line starts at the base value at the bottom and adds one feature's SHAP value
per level, so it ends at the row's raw output at the top. Beyond `max_features` the least
important features are folded into one bottom level, so every line still ends at the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.base.types import Unit
from app.core.debugging.behaviour.grid import BehaviourError

MAX_ROWS = 2_000  # lines; more would be one solid band
MAX_FEATURES = 20


@dataclass
class DecisionData:
    """levels[i] names the step between cumulative[:, i] and cumulative[:, i + 1] (bottom first)."""

    rows: np.ndarray  # (n,) dataset rows, one line each
    levels: list[str]
    cumulative: np.ndarray  # (n, len(levels) + 1): base value, then after each level
    base_value: float
    colour: np.ndarray  # (n,) prediction (probability or value) of each row
    correct: np.ndarray | None  # (n,) bool when colouring by correct / incorrect
    unit: Unit
    rows_total: int  # rows in the filter or cohort the lines were drawn from
    selected: int | None = None
    output_name: str = ""
    colour_label: str = "prediction"

    @property
    def sampled(self) -> bool:
        return self.rows.size < self.rows_total

    @property
    def title(self) -> str:
        shown = f"{self.rows.size:,} rows"
        if self.sampled:
            shown = f"a sample of {self.rows.size:,} of {self.rows_total:,} rows"
        what = f" for {self.output_name}" if self.output_name else ""
        return f"Decision plot{what}: {shown}"

    def output(self) -> np.ndarray:
        return self.cumulative[:, -1]


def decision_rows(
    rows: np.ndarray, max_rows: int = MAX_ROWS, selected: int | None = None, seed: int = 0
) -> np.ndarray:
    """The rows to draw: all of them, or a seeded sample that keeps the selected row."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size <= max_rows:
        return rows
    picked = np.random.default_rng(seed).choice(rows, size=max_rows, replace=False)
    if selected is not None and selected in rows and selected not in picked:
        picked[0] = selected
    return np.sort(picked)


def decision(
    values: np.ndarray,
    explained_rows: np.ndarray,
    rows: np.ndarray,
    base_value: float,
    feature_names: list[str],
    unit: Unit,
    prediction: np.ndarray,
    correct: np.ndarray | None = None,
    output: int = 0,
    selected: int | None = None,
    max_rows: int = MAX_ROWS,
    max_features: int = MAX_FEATURES,
    output_name: str = "",
) -> DecisionData:
    """Decision-plot arrays for `rows` (dataset positions) of an explanation.

    values: (n_explained, F, K) SHAP values of `explained_rows`; prediction and correct are over
    every dataset row (correct may be None: colour by prediction)."""
    explained_rows = np.asarray(explained_rows, dtype=np.int64)
    wanted = np.asarray(rows, dtype=np.int64)
    at = np.searchsorted(explained_rows, wanted)
    at = np.clip(at, 0, max(explained_rows.size - 1, 0))
    present = explained_rows.size > 0
    ok = (explained_rows[at] == wanted) if present else np.zeros(wanted.size, bool)
    wanted, at = wanted[ok], at[ok]
    if wanted.size == 0:
        raise BehaviourError("None of these rows has SHAP values yet.")
    chosen = decision_rows(wanted, max_rows, selected)
    positions = at[np.searchsorted(wanted, chosen)]
    shap = values[positions, :, output].astype(np.float64)
    order = np.argsort(np.abs(shap).mean(axis=0), kind="stable")  # least important first
    shown = order[-max_features:] if order.size > max_features else order
    levels = [feature_names[j] for j in shown]
    steps = shap[:, shown]
    if order.size > max_features:
        folded = order[:-max_features]
        steps = np.column_stack([shap[:, folded].sum(axis=1), steps])
        levels = [f"{folded.size} other features", *levels]
    cumulative = base_value + np.column_stack([np.zeros(chosen.size), np.cumsum(steps, axis=1)])
    keep = selected if selected is not None and selected in chosen else None
    return DecisionData(
        rows=chosen,
        levels=levels,
        cumulative=cumulative,
        base_value=float(base_value),
        colour=np.asarray(prediction, dtype=np.float64)[chosen],
        correct=None if correct is None else np.asarray(correct, dtype=bool)[chosen],
        unit=unit,
        rows_total=int(wanted.size),
        selected=keep,
        output_name=output_name,
        colour_label="correct / incorrect" if correct is not None else "prediction",
    )
