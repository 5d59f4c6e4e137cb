"""`shaplens report`: one self-contained HTML (or PDF) report of a model on a dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands._common import (
    add_model_data_arguments,
    check_out,
    check_threshold,
    input_paths,
    load_inputs,
)
from app.core.base.atomic import write_text_atomic
from app.core.errors import ShapLensError
from app.core.report import DEFAULT_SAMPLE, FigureRenderer, build_report, check_request
from app.core.session import file_sha256

NAME = "report"
HELP = "write a self-contained HTML or PDF report: importance, groups, rows, provenance"
FIGURE_SIZE = {"importance": (1400, 900), "beeswarm": (1400, 900), "waterfall": (1400, 820)}


MAX_DETAIL_ROWS = 1_000  # each detailed row is a page with a figure; more is no longer a report


def parse_rows(text: str | None) -> list[int]:
    """'3,17,42' → [3, 17, 42]; ranges like '10-12' are allowed (at most MAX_DETAIL_ROWS rows).

    Ranges are counted before they are expanded, so `0-2000000000` is refused, not built.
    """
    if not text:
        return []
    spans: list[range] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part.lstrip("-"):
                start, end = part.split("-", 1)
                spans.append(range(int(start), int(end) + 1))
            else:
                spans.append(range(int(part), int(part) + 1))
        except ValueError as error:
            raise ShapLensError(
                f"--rows: '{part}' is not a row number; write e.g. --rows 3,17,42 or 10-12."
            ) from error
        if sum(len(s) for s in spans) > MAX_DETAIL_ROWS:
            raise ShapLensError(
                f"--rows asks for more than {MAX_DETAIL_ROWS:,} rows; a report explains at most "
                f"{MAX_DETAIL_ROWS:,} rows in detail (the global views cover the rest)."
            )
    return list(dict.fromkeys(row for span in spans for row in span))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, help="report.html or report.pdf")
    parser.add_argument("--rows", default=None, help="rows to explain in detail, e.g. 3,17,42")
    parser.add_argument("--sensitive", default=None, help="column to compare groups by")
    parser.add_argument("--glossary", type=Path, default=None, help="glossary .yaml/.csv")
    parser.add_argument("--session", type=Path, default=None, help="take bookmarks from a session")
    parser.add_argument("--class", dest="output", type=int, default=0, help="class index to show")
    parser.add_argument("--threshold", type=float, default=0.5, help="binary decision threshold")
    parser.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        help=f"rows explained for the global views (default {DEFAULT_SAMPLE:,}; 0 = every row)",
    )
    parser.add_argument("--no-figures", action="store_true", help="tables only, no images")


def figure_renderer(args: argparse.Namespace, unit: str, explainer: str) -> FigureRenderer:
    """PNG figures with a provenance caption, drawn offscreen by the plots' export."""
    from app.plots.export import Caption, png_bytes

    model_hash, data_hash = file_sha256(args.model)[:8], file_sha256(args.data)[:8]

    def render(view: str, data: object, row: int | None, rows_covered: str) -> bytes:
        caption = Caption(
            args.model.name, args.data.name, row, unit, explainer,
            model_hash=model_hash, data_hash=data_hash, cohort=rows_covered,
        )  # fmt: skip
        return png_bytes(view, data, *FIGURE_SIZE[view], caption)

    return render


def run(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ShapLensError(f"--out must be a .html or .pdf file, got {args.out.name}")
    if not args.out.parent.is_dir():
        raise ShapLensError(f"The folder {args.out.parent} does not exist.")
    check_out(args)
    rows = parse_rows(args.rows)
    check_threshold(args.threshold)
    glossary = None
    if args.glossary is not None:
        from app.core.glossary import load_glossary

        glossary = load_glossary(args.glossary)
    bookmarks = None
    if args.session is not None:
        from app.core.session import load_session

        session, warnings = load_session(args.session)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        bookmarks = session.bookmark_list()
    model, data = load_inputs(args)
    check_request(model, data, rows, args.output, args.sensitive)
    if glossary is not None:
        for name in glossary.unknown_features(model.feature_names):
            print(f"warning: glossary entry '{name}' is not a model feature", file=sys.stderr)
    render = None
    if not args.no_figures:
        render = figure_renderer(args, model.unit.value, model.info.explainer)
    explained = min(args.sample, data.n_rows) if args.sample > 0 else data.n_rows
    print(f"report: explaining {explained:,} rows", file=sys.stderr)
    html = build_report(
        model,
        args.model,
        data,
        args.data,
        rows=rows,
        output=args.output,
        sensitive=args.sensitive,
        threshold=args.threshold,
        glossary=glossary,
        glossary_path=args.glossary,
        bookmarks=bookmarks,
        sample=args.sample,
        render=render,
    )
    if suffix == ".pdf":
        from app.ui.report_pdf import write_pdf

        title = f"{args.model.name} on {args.data.name}"
        write_pdf(html, args.out, title=title, inputs=input_paths(args))
    else:
        write_text_atomic(args.out, html, inputs=input_paths(args))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
