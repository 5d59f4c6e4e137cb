"""What the `pdp` verb and the behaviour views of `export` share: rows from --filter, the
partial dependence run with a progress line, and the figure data of each behaviour view."""

from __future__ import annotations

import argparse

import numpy as np

from app.commands._common import StderrProgress
from app.core.base.errors import ShapLensError
from app.core.base.types import Task
from app.core.data.align import AlignedData
from app.core.data.labels import encode_labels
from app.core.debugging.behaviour.grid import BehaviourError, feature_index, make_grid
from app.core.debugging.behaviour.pdp import (
    PartialDependence,
    drive,
    ice_sample,
    partial_dependence_steps,
)
from app.core.debugging.filters import apply_filter
from app.core.debugging.metrics import Evaluation, evaluate
from app.core.explain.models.base import ModelAdapter

PD_VIEWS = ("pdp", "ice")
CURVE_VIEWS = ("roc", "pr", "calibration", "lift")
VIEWS = (*PD_VIEWS, "decision", *CURVE_VIEWS)


def add_pdp_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--feature, --grid, --filter (and --output unless the verb has its own)."""
    parser.add_argument("--feature", required=required, help="the feature to vary")
    parser.add_argument(
        "--grid", type=int, default=50, help="grid points for a numeric feature (5-200, default 50)"
    )
    parser.add_argument("--filter", default="", help="use only the rows of this expression")
    if required:
        parser.add_argument("--output", default="0", help="class index or name (multiclass)")


def output_index(model: ModelAdapter, wanted: str) -> int:
    names = list(model.output_names)
    if wanted in names:
        return names.index(wanted)
    if wanted.isdigit() and int(wanted) < len(names):
        return int(wanted)
    raise ShapLensError(f"--output {wanted}: the model's outputs are {', '.join(names)}.")


def evaluation_of(
    model: ModelAdapter, data: AlignedData, raw: np.ndarray, threshold: float = 0.5
) -> Evaluation | None:
    """Row outcomes against the label, or None without a label."""
    labels = data.label()
    if labels is None:
        return None
    k = 2 if model.task is Task.BINARY else model.n_outputs
    return evaluate(
        model.raw_to_prediction(raw), encode_labels(labels, model.task, k), model.task, threshold
    )


def filter_rows(
    expression: str, data: AlignedData, model: ModelAdapter, raw: np.ndarray, k: int
) -> np.ndarray:
    """Rows passing `expression` (every row when empty); the filter may use prediction, label,
    predicted, error and correct as in the window's filter bar."""
    if not expression.strip():
        return np.arange(data.n_rows, dtype=np.int64)
    prediction = model.raw_to_prediction(raw)[:, k]
    extra: dict[str, np.ndarray] = {"prediction": prediction}
    ev = evaluation_of(model, data, raw)
    if ev is not None:
        extra.update(label=ev.y_true, predicted=ev.predicted, error=ev.error, correct=ev.correct)
    rows = apply_filter(expression, data.frame, extra).rows
    if rows.size == 0:
        raise BehaviourError(f"No row passes the filter {expression!r}.")
    return rows


def run_pdp(
    args: argparse.Namespace,
    model: ModelAdapter,
    data: AlignedData,
    rows: np.ndarray,
    ice: int,
    k: int,
) -> PartialDependence:
    j = feature_index(model.features, args.feature)
    grid = make_grid(data.X[rows, j], model.features[j], j, args.grid)
    steps = partial_dependence_steps(
        model, data.X, grid, rows, ice_rows=ice_sample(rows, ice), output=k
    )
    return drive(steps, StderrProgress(f"partial dependence over {grid.values.size} values"))
