"""`shaplens counterfactual`: the smallest plausible changes that flip one row's prediction."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from app.commands._common import add_model_data_arguments, check_out, input_paths, load_inputs
from app.core.base.errors import ShapLensError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument("--row", required=True, type=int, help="row number (0 = first data row)")
    parser.add_argument("--out", required=True, type=Path, help="output .json file")
    parser.add_argument(
        "--immutable",
        default=None,
        help="comma-separated features never to change (default: the names that suggest a "
        "sensitive or fixed attribute, such as age, sex, race; '' locks none)",
    )
    parser.add_argument("--max-changes", type=int, default=None, help="at most K changed features")
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="time budget for the search (default 2)"
    )
    parser.add_argument("--answers", type=int, default=5, help="how many answers, 1-5 (default 5)")
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="binary models: decision threshold"
    )
    parser.add_argument("--target", type=float, default=None, help="regression: the value to reach")
    parser.add_argument(
        "--target-class", type=int, default=None, help="multiclass: class index to reach"
    )
    parser.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="FEATURE=LOW:HIGH",
        help="allowed values of a numeric feature (default: the range in the data); repeatable",
    )
    parser.add_argument("--increase", default="", help="comma-separated: may only increase")
    parser.add_argument("--decrease", default="", help="comma-separated: may only decrease")


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    ranges = {}
    for item in items:
        name, sep, span = item.rpartition("=")
        low, colon, high = span.partition(":")
        try:
            if not (sep and colon and name):
                raise ValueError
            bounds = (float(low), float(high))
        except ValueError:
            raise ShapLensError(
                f"--range {item!r}: write FEATURE=LOW:HIGH, e.g. hours=20:60."
            ) from None
        if not all(math.isfinite(b) for b in bounds):
            raise ShapLensError(f"--range {item!r}: the bounds must be finite numbers.")
        ranges[name.strip()] = bounds
    return ranges


def run(args: argparse.Namespace) -> int:
    from app.core.base.atomic import write_text_atomic
    from app.core.debugging.counterfactuals import (
        CounterfactualOptions,
        find_counterfactuals,
        suggest_locked,
    )
    from app.core.debugging.counterfactuals.report import result_json

    if args.seconds <= 0 or not math.isfinite(args.seconds):
        raise ShapLensError(f"--seconds must be a positive number, got {args.seconds:g}.")
    ranges = _ranges(args.range)  # fail before loading
    check_out(args)  # never an input, a folder or a device: refused before any work
    directions = {n: 1 for n in _names(args.increase)}
    directions.update({n: -1 for n in _names(args.decrease)})
    model, data = load_inputs(args)
    if args.immutable is None:
        locked = suggest_locked(model.feature_names)
        if locked:
            print(f"locked (suggested): {', '.join(locked)}", file=sys.stderr)
    else:
        locked = _names(args.immutable)
    options = CounterfactualOptions(
        locked=locked,
        max_changes=args.max_changes,
        seconds=args.seconds,
        answers=args.answers,
        ranges=ranges,
        directions=directions,
        threshold=args.threshold,
        target=args.target,
        target_class=args.target_class,
    )
    result = find_counterfactuals(model, data.X, args.row, options)
    write_text_atomic(args.out, result_json(model, result), inputs=input_paths(args))
    print(f"{result.message()} Wrote {args.out}")
    for i, answer in enumerate(result.answers, 1):
        edits = ", ".join(f"{c.feature}: {c.before} → {c.after}" for c in answer.changes)
        proof = "minimal" if answer.minimal else "best found"
        print(f"  {i}. {edits} ({proof})")
    return 0
