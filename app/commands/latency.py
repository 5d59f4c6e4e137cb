"""`shaplens latency`: single-row and batch latency on the given data, against a budget."""

from __future__ import annotations

import argparse
import sys

from app.commands._common import add_model_data_arguments, load_inputs
from app.commands.inspect import dumps_json
from app.core.base.errors import ShapLensError
from app.core.production.latency import (
    LatencyProgress,
    format_report,
    measure_latency,
    parse_budget,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser, label=False)
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="time bound for the whole run (default 30)"
    )
    parser.add_argument("--budget", default=None, help='latency budget, e.g. "p99<20ms"')
    parser.add_argument(
        "--no-explain", action="store_true", help="measure predictions only, not explanations"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _progress(step: LatencyProgress) -> None:
    if "batch" in step.stage:  # one line per batch size; single-row calls are too many
        print(step.message, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.seconds <= 0:
        raise ShapLensError(f"--seconds must be positive, got {args.seconds:g}.")
    budget = parse_budget(args.budget) if args.budget else None  # fail before loading
    model, data = load_inputs(args)
    report = measure_latency(
        model,
        data.X,
        seconds=args.seconds,
        budget=budget,
        explain=not args.no_explain,
        on_progress=None if args.json else _progress,
    )
    print(dumps_json(report.to_dict()) if args.json else format_report(report))
    # Exit 1 when the budget is missed, so CI can fail a build on it (2 stays "bad input").
    return 1 if report.budget_met is False else 0
