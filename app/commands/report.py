"""`shaplens report`: one self-contained HTML (or PDF) report of a model on a dataset.

The flags describe the review state the window would show (sensitive column, filter, cohort,
threshold, slices, rows, bookmarks, another model or dataset, latency, redaction); the report
itself is built by app.core.review, the same builder File > Export Report uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands._common import (
    add_model_data_arguments,
    check_out,
    check_threshold,
    input_paths,
    open_workspace,
)
from app.core.base.atomic import write_text_atomic
from app.core.base.errors import ShapLensError
from app.core.review.redaction import Redaction, parse_redact
from app.core.review.report_build import build_report_model, check_request
from app.core.review.report_html import render_html
from app.core.review.report_model import SECTIONS, Report, parse_sections
from app.core.review.report_request import DEFAULT_SAMPLE, ReportRequest, SliceOptions

if TYPE_CHECKING:
    from app.core.workspace import Workspace

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
    parser.add_argument(
        "--sections",
        default=None,
        help=f"sections to include, comma-separated (default all): {','.join(SECTIONS)}",
    )
    parser.add_argument("--rows", default=None, help="rows to explain in detail, e.g. 3,17,42")
    parser.add_argument("--sensitive", default=None, help="column to compare groups by")
    parser.add_argument("--glossary", type=Path, default=None, help="glossary .yaml/.csv")
    parser.add_argument(
        "--session", type=Path, default=None, help="take bookmarks, filter and redaction from it"
    )
    parser.add_argument("--class", dest="output", type=int, default=0, help="class index to show")
    parser.add_argument("--threshold", type=float, default=None, help="binary decision threshold")
    parser.add_argument("--filter", default=None, help='rows on screen, e.g. "age > 50"')
    parser.add_argument("--preset", default="all", help="filter preset, e.g. misclassified")
    parser.add_argument("--cohort", default=None, help="a cohort of the session, by name")
    parser.add_argument("--slice-bins", type=int, default=5, help="bins per feature for slices")
    parser.add_argument("--no-slice-pairs", action="store_true", help="slices of one feature")
    parser.add_argument(
        "--slices-within-filter", action="store_true", help="rank slices of the filter's rows"
    )
    parser.add_argument("--drift-data", type=Path, default=None, help="dataset to compare with")
    parser.add_argument("--compare-model", type=Path, default=None, help="model to compare with")
    parser.add_argument(
        "--latency-seconds", type=float, default=None, help="measure latency for this long"
    )
    parser.add_argument(
        "--redact", default=None, help="columns whose values never appear, e.g. name,zip"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        help=f"rows explained for the global views (default {DEFAULT_SAMPLE:,}; 0 = every row)",
    )
    parser.add_argument("--no-figures", action="store_true", help="tables only, no images")


def _check_cohort(name: str | None, cohorts: list[dict[str, object]]) -> None:
    if name is None or any(cohort.get("name") == name for cohort in cohorts):
        return
    known = ", ".join(str(c.get("name")) for c in cohorts) or "none (give --session)"
    raise ShapLensError(f"--cohort {name}: no such cohort; the session has {known}.")


def settings_into_workspace(args: argparse.Namespace, ws: Workspace) -> None:
    """Put the flags (and the session's review state) into the workspace through its own
    setters, as the window's panels put the user's choices into it."""
    from app.core.debugging.cohorts import ALL_ROWS, Cohort, CohortSet

    assert ws.model is not None and ws.data is not None
    review, debug = ws.review, ws.debug
    if args.glossary is not None:
        from app.core.review.glossary import load_glossary

        glossary = load_glossary(args.glossary)
        for name in glossary.unknown_features(ws.model.feature_names):
            print(f"warning: glossary entry '{name}' is not a model feature", file=sys.stderr)
        review.set_glossary(glossary, args.glossary)
    threshold, expression, cohorts, redacted = 0.5, "", [], []
    if args.session is not None:
        from app.core.review.session import load_session

        session, warnings = load_session(args.session)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        review.set_bookmarks(session.bookmark_list())
        threshold, expression = session.threshold, session.filter_expression
        cohorts, redacted = session.cohorts, session.redacted_columns
    columns = [str(c) for c in ws.data.frame.columns]
    review.set_redaction(
        Redaction.of(
            [
                *parse_redact(args.redact, columns).columns,
                *parse_redact(",".join(redacted), columns),
            ]
        )
    )
    _check_cohort(args.cohort, cohorts)
    # Before the filter: a new threshold re-applies a filter, which here has no evaluation yet.
    ws.selection.set_threshold(args.threshold if args.threshold is not None else threshold)
    ws.selection.set_output(args.output)  # a class the model lacks: check_request says so
    # As the session had them (unchecked): only the chosen cohort's expression is ever applied.
    debug.cohorts = CohortSet(
        [ALL_ROWS, *(Cohort(str(c.get("name")), str(c.get("expression", ""))) for c in cohorts)]
    )
    debug.record_filter(
        args.preset,
        args.filter if args.filter is not None else expression,
        args.cohort or ALL_ROWS.name,
    )
    review.sensitive = args.sensitive


def request_from_args(args: argparse.Namespace, model, data) -> ReportRequest:
    """The review state the flags describe (the model and data are loaded by the caller)."""
    from app.core.workspace import Workspace

    ws = Workspace()
    ws.set_inputs(model, args.model, data, args.data)
    return request_of(args, ws)


def request_of(args: argparse.Namespace, ws: Workspace) -> ReportRequest:
    """The flags put into the workspace, read back the way File > Export Report reads it."""
    from app.core.workspace.report import request_from_workspace

    sections = parse_sections(args.sections)
    if args.slice_bins < 2:
        raise ShapLensError(f"--slice-bins must be 2 or more, got {args.slice_bins}.")
    settings_into_workspace(args, ws)
    slices = SliceOptions(not args.no_slice_pairs, args.slice_bins, args.slices_within_filter)
    return request_from_workspace(
        ws, sections, slices, rows=parse_rows(args.rows), sample=args.sample,
        figures=not args.no_figures,
    )  # fmt: skip


def _production_results(args: argparse.Namespace, ws: Workspace, request: ReportRequest) -> None:
    """Drift, comparison and latency, computed only when asked for and their section is on, kept
    in the workspace's review state, where the window's dialogs and panels put theirs."""
    model, data, review = request.model, request.data, ws.review
    if args.drift_data is not None and "drift" in request.sections:
        from app.core.data.data_io import load_dataset
        from app.core.production.drift import drift_report

        print(f"report: drift against {args.drift_data.name}", file=sys.stderr)
        review.drift = drift_report(model, data.frame, load_dataset(args.drift_data))
        review.drift_name = args.drift_data.name
    if args.compare_model is not None and "compare" in request.sections:
        from app.core.data.model_io import load_model
        from app.core.production.compare_models import compare_models

        print(f"report: comparing with {args.compare_model.name}", file=sys.stderr)
        other = load_model(args.compare_model, trust_pickle=args.trust_pickle)
        review.comparison = compare_models(
            model, other, data.frame, label=data.label_column, sensitive=request.sensitive,
            threshold=request.threshold, names=(args.model.name, args.compare_model.name),
        )  # fmt: skip
    if args.latency_seconds is not None and "latency" in request.sections:
        from app.core.production.latency import measure_latency

        if args.latency_seconds <= 0:
            raise ShapLensError(f"--latency-seconds must be positive, got {args.latency_seconds}.")
        print(f"report: measuring latency for {args.latency_seconds:g} s", file=sys.stderr)
        review.latency = measure_latency(model, data.X, seconds=args.latency_seconds)


def write_report(report: Report, out: Path, figures: bool, inputs: Iterable[Path] = ()) -> Path:
    """Draw the figures (Qt, offscreen), then write HTML, or lay it out as a PDF (never over
    one of `inputs`)."""
    images = None
    if figures:
        from app.plots.report_figures import draw_figures

        images = draw_figures(report)
    html = render_html(report, images)
    if out.suffix.lower() == ".pdf":
        from app.plots.report_pdf import write_pdf

        return write_pdf(html, out, title=report.title, inputs=inputs)
    return write_text_atomic(out, html, inputs=inputs)


def check_filter_syntax(request: ReportRequest) -> None:
    """A filter (--filter, or the session's) that cannot parse is refused before the rows are
    explained, in the words the report would use at the end of the run."""
    from app.core.base.errors import FilterSyntaxError
    from app.core.debugging.filter_syntax import parse

    for expression in (request.filter.expression, request.filter.cohort_expression):
        if expression.strip():
            try:
                parse(expression)
            except FilterSyntaxError as error:
                raise ShapLensError(
                    f"The filter '{expression}' cannot be applied: {error}"
                ) from error


def run(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ShapLensError(f"--out must be a .html or .pdf file, got {args.out.name}")
    if not args.out.parent.is_dir():
        raise ShapLensError(f"The folder {args.out.parent} does not exist.")
    check_out(args)
    parse_sections(args.sections)  # fail before loading anything
    parse_rows(args.rows)
    if args.threshold is not None:  # None: the session's threshold, or 0.5
        check_threshold(args.threshold)
    from app.core.workspace.report import request_from_workspace

    ws = open_workspace(args)
    request = request_of(args, ws)
    check_filter_syntax(request)
    model, data = request.model, request.data
    # --class as given: the workspace keeps its output when asked for one the model lacks.
    check_request(model, data, request.rows, args.output, request.sensitive)
    _production_results(args, ws, request)
    request = request_from_workspace(
        ws, request.sections, request.slices, rows=request.rows, sample=request.sample,
        figures=request.figures,
    )  # fmt: skip
    explained = min(args.sample, data.n_rows) if args.sample > 0 else data.n_rows
    print(f"report: explaining {explained:,} rows", file=sys.stderr)
    report = build_report_model(request)
    write_report(report, args.out, request.figures, input_paths(args))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
