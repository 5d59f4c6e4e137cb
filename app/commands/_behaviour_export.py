"""`shaplens export --view pdp|ice|decision|roc|pr|calibration|lift`: the behaviour figures.

Called by app.commands.export for these views; builds the same plot-ready data the window's
Behaviour panel draws (app.core.debugging.behaviour) and hands it to app.plots.export.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.commands._behaviour import (
    CURVE_VIEWS,
    PD_VIEWS,
    add_pdp_arguments,
    evaluation_of,
    filter_rows,
    run_pdp,
)
from app.core.base.types import Task
from app.core.data.align import AlignedData
from app.core.debugging.behaviour.curve_views import curve_plot
from app.core.debugging.behaviour.curves import performance_curves, rows_by_group
from app.core.debugging.behaviour.decision import MAX_ROWS, decision, decision_rows
from app.core.debugging.behaviour.grid import BehaviourError
from app.core.debugging.behaviour.pd_views import SCALES, pd_plot
from app.core.explain.models.base import ModelAdapter

if TYPE_CHECKING:  # Qt is imported only when a figure is drawn
    from app.plots.export import Caption

DEFAULT_ICE_LINES = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("behaviour views (pdp, ice, decision, roc, pr, ...)")
    add_pdp_arguments(group, required=False)  # type: ignore[arg-type]
    group.add_argument(
        "--ice", type=int, default=DEFAULT_ICE_LINES, metavar="K", help="ICE lines (ice view)"
    )
    group.add_argument("--scale", choices=SCALES, default="prediction", help="pdp/ice y axis")
    group.add_argument("--centred", action="store_true", help="centred ICE (change from start)")
    group.add_argument("--by", default=None, metavar="COL", help="curves per group of COL")
    group.add_argument("--threshold", type=float, default=0.5, help="marked on the curves")
    group.add_argument(
        "--colour", choices=("prediction", "correct"), default="prediction", help="decision lines"
    )


def _groups(args: argparse.Namespace, data: AlignedData, rows: np.ndarray) -> dict:
    if args.by is None:
        return {"all rows": rows}
    if args.by not in data.frame.columns:
        raise BehaviourError(f"--by {args.by}: no such column in the dataset.")
    return rows_by_group(rows, data.frame[args.by])


def figure(
    args: argparse.Namespace, model: ModelAdapter, data: AlignedData, k: int
) -> tuple[object, str]:
    """(plot-ready data, words for the caption's cohort) of a behaviour view."""
    if not 0.0 <= args.threshold <= 1.0:
        raise BehaviourError("--threshold must be between 0 and 1.")
    raw = model.predict_raw(data.X)
    rows = filter_rows(args.filter, data, model, raw, k)
    cohort = (
        f"{args.filter} ({rows.size:,} rows)" if args.filter.strip() else f"all {rows.size:,} rows"
    )
    if args.view in PD_VIEWS:
        if not args.feature:
            raise BehaviourError(f"The {args.view} view needs --feature NAME.")
        ice = args.ice if args.view == "ice" else 0
        result = run_pdp(args, model, data, rows, ice, k)
        return pd_plot(result, args.view, args.scale, args.centred), cohort
    ev = evaluation_of(model, data, raw, args.threshold)
    if args.view in CURVE_VIEWS:
        if model.task is not Task.BINARY:
            raise BehaviourError(f"The {args.view} view is for binary classifiers.")
        if ev is None:
            raise BehaviourError(f"The {args.view} view needs the label: give --label COL.")
        groups = performance_curves(ev.y_true, ev.score, _groups(args, data, rows))
        return curve_plot(groups, args.view, args.threshold), cohort
    if args.colour == "correct" and ev is None:
        raise BehaviourError("--colour correct needs the label: give --label COL.")
    shown = decision_rows(rows, MAX_ROWS)
    values, base = model.contributions(data.X[shown])
    prediction = model.raw_to_prediction(raw)[:, k]
    correct = ev.correct if args.colour == "correct" and ev is not None else None
    names = model.feature_names
    out_name = model.output_names[k] if model.n_outputs > 1 else ""
    data_view = decision(
        values, shown, shown, float(base[k]), names, model.unit, prediction, correct, k,
        output_name=out_name,
    )  # fmt: skip
    data_view.rows_total = int(rows.size)  # drawn from all the filtered rows
    return data_view, cohort


def export(
    args: argparse.Namespace,
    model: ModelAdapter,
    data: AlignedData,
    k: int,
    caption: Caption | None,
    size: tuple[int | None, int | None],
    inputs: list[Path],
) -> Path:
    """Draw the view to args.out; returns the path written."""
    from app.plots.export import export_view

    view_data, cohort = figure(args, model, data, k)
    if caption is not None:
        caption.cohort = cohort
    width, height = size
    return export_view(args.view, view_data, Path(args.out), width, height, caption, inputs)
