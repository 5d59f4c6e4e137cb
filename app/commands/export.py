"""`shaplens export`: draw a figure (importance, beeswarm or waterfall) to PNG, SVG or PDF.

The figure is drawn offscreen by the same plot classes the window uses, so it looks exactly
like the app. A waterfall explains only the rows asked for; the global views explain every row.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from app.commands._behaviour import VIEWS as BEHAVIOUR  # the behaviour views' one list
from app.commands._common import (
    StderrProgress,
    add_model_data_arguments,
    check_out,
    input_paths,
    open_workspace,
)
from app.core.base.errors import ShapLensError
from app.core.base.input_gate import ROWS, read_input_text
from app.core.data.align import AlignedData
from app.core.explain import views
from app.core.explain.models.base import ModelAdapter
from app.core.review.redaction import Redaction, parse_redact, redact_beeswarm

SUFFIXES = (".png", ".svg", ".pdf")
PRESETS = ("slide", "a4-half", "2x")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    from app.commands import _behaviour_export

    parser.add_argument(
        "--view",
        required=True,
        choices=("importance", "beeswarm", "waterfall", *BEHAVIOUR),
        help="figure",
    )
    parser.add_argument("--out", required=True, type=Path, help="output .png, .svg or .pdf")
    rows = parser.add_mutually_exclusive_group()
    rows.add_argument("--row", type=int, help="dataset row (0-based) for a waterfall")
    rows.add_argument("--rows", help="several rows, e.g. 3,17,42: one file per row (F_row3.png)")
    rows.add_argument("--rows-from", type=Path, help="a text file of row numbers, one per line")
    parser.add_argument("--width", type=int, help="width in pixels (default 1800)")
    parser.add_argument("--height", type=int, help="height in pixels (default 1120)")
    parser.add_argument(
        "--preset", choices=PRESETS, help="slide = 1920x1080, a4-half = 2480x1754, 2x = 1800x1120"
    )
    parser.add_argument("--output", default="0", help="class index or name (multiclass models)")
    parser.add_argument("--no-caption", action="store_true", help="leave out the provenance line")
    parser.add_argument(
        "--redact", default=None, help="columns whose values never appear, e.g. name,zip"
    )
    _behaviour_export.add_arguments(parser)


MAX_FILES = 10_000  # one figure file per row: more is a mistake, not a request


def _parse_rows(args: argparse.Namespace, n_rows: int) -> list[int]:
    if args.row is not None:
        rows = [args.row]
    elif args.rows:
        rows = _to_ints(_tokens(args.rows, "--rows"), "--rows")
    elif args.rows_from:
        text = read_input_text(args.rows_from, ROWS)  # InputError is one `error:` line
        rows = _to_ints(_tokens(text, str(args.rows_from)), str(args.rows_from))
    else:
        return []
    bad = [r for r in rows if not 0 <= r < n_rows]
    if bad:
        raise ShapLensError(
            f"Row {bad[0]} is outside the dataset, which has rows 0 to {n_rows - 1:,}."
        )
    return list(dict.fromkeys(rows))


def _tokens(text: str, source: str) -> list[str]:
    tokens = text.replace(",", " ").split()  # at most the ROWS role's 4 MB of text
    if len(tokens) > MAX_FILES:
        raise ShapLensError(
            f"{source} lists {len(tokens):,} rows; export writes one file per row, at most "
            f"{MAX_FILES:,}."
        )
    return tokens


def _to_ints(tokens: list[str], source: str) -> list[int]:
    try:
        return [int(t) for t in tokens]
    except ValueError as error:
        raise ShapLensError(f"{source}: row numbers must be whole numbers ({error}).") from error


def _output_index(model: ModelAdapter, wanted: str) -> int:
    names = list(model.output_names)
    if wanted in names:
        return names.index(wanted)
    if wanted.isdigit() and int(wanted) < len(names):
        return int(wanted)
    raise ShapLensError(f"--output {wanted}: the model's outputs are {', '.join(names)}.")


def _size(args: argparse.Namespace) -> tuple[int | None, int | None]:
    from app.plots.export import PRESETS as SIZES

    if args.preset:
        return SIZES[args.preset]
    return args.width, args.height


def _waterfall(
    model: ModelAdapter, data: AlignedData, row: int, k: int, redaction: Redaction
) -> views.WaterfallData:
    values, base = model.contributions_one(data.X[row])
    shap_row = np.asarray(values)[0, :, k]
    raw = np.asarray(values)[0].sum(axis=0, dtype=np.float64) + np.asarray(base, np.float64)
    names = model.feature_names
    return views.waterfall(
        row,
        shap_row,
        float(base[k]),
        redaction.values(names, views.display_values(data.frame, names, row)),
        names,
        model.unit,
        views.prediction_text(model, raw, k),
        output_name=model.output_names[k] if model.n_outputs > 1 else "",
    )


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in SUFFIXES:
        raise ShapLensError(f"--out must end in .png, .svg or .pdf, got {args.out.name}")
    if (args.width is None) != (args.height is None):
        raise ShapLensError("Give both --width and --height, or neither.")
    single_row = args.row is not None
    if args.view != "waterfall" and (single_row or args.rows or args.rows_from):
        raise ShapLensError("--row/--rows apply to the waterfall view only.")

    from app.core.base.hashing import short_hash
    from app.plots.export import Caption, export_view

    check_out(args)
    inputs = input_paths(args)
    ws = open_workspace(args)
    model, data = ws.model, ws.data
    assert model is not None and data is not None
    # The flags go into the workspace as the window's choices do; the figures read them back.
    ws.review.set_redaction(parse_redact(args.redact, [str(c) for c in data.frame.columns]))
    ws.selection.set_output(_output_index(model, args.output))
    redaction, k = ws.review.redaction, ws.selection.output_index
    rows = _parse_rows(args, data.n_rows)
    if args.view == "waterfall" and not rows:
        raise ShapLensError("A waterfall shows one row: give --row N (or --rows / --rows-from).")
    width, height = _size(args)
    explainer = model.info.explainer + ("" if model.info.exact else " (approximate)")
    caption = None
    if not args.no_caption:
        caption = Caption(
            args.model.name,
            args.data.name,
            None,
            model.unit.value,
            explainer,
            model_hash=short_hash(args.model),
            data_hash=short_hash(args.data),
            extra=model.output_names[k] if model.n_outputs > 1 else "",
        )
    written: list[Path] = []
    if args.view in BEHAVIOUR:
        from app.commands import _behaviour_export

        if redaction:  # not yet taught to withhold values: refuse rather than leak them
            raise ShapLensError(
                f"--redact works with importance, beeswarm and waterfall figures; a {args.view} "
                "figure could show the redacted values."
            )

        size = (width, height)
        written.append(_behaviour_export.export(args, model, data, k, caption, size, inputs))
    elif args.view == "waterfall":
        for row in rows:
            out = args.out
            if not single_row:
                out = args.out.with_name(f"{args.out.stem}_row{row}{args.out.suffix}")
            if caption is not None:
                caption.row = row
            figure = _waterfall(model, data, row, k, redaction)
            written.append(export_view("waterfall", figure, out, width, height, caption, inputs))
    else:
        from app.core.explain.chunked import explain_all

        explanation = explain_all(model, data.X, on_progress=StderrProgress("explain"))
        mean_abs = np.abs(explanation.values).mean(axis=0, dtype=np.float64)
        name = model.output_names[k] if model.n_outputs > 1 else ""
        ranking = views.importance(
            mean_abs, model.feature_names, model.unit, data.n_rows, data.n_rows, k, name
        )
        if caption is not None:
            caption.cohort = f"all {data.n_rows:,} rows"
        if args.view == "importance":
            figure = ranking
        else:
            figure = views.beeswarm(
                explanation.values, data.X, model.features, data.frame, model.unit,
                ranking.features, output=k, output_name=name, rows=explanation.rows,
            )  # fmt: skip
            figure = redact_beeswarm(figure, redaction)
        written.append(export_view(args.view, figure, args.out, width, height, caption, inputs))
    for path in written:
        print(path)
    return 0
