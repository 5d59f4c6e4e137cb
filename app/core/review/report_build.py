"""One report builder for the window and `shaplens report`: a ReportRequest in, a Report out.

Every number is computed here (worker thread in the window, the process in the CLI); figures are
recorded as plot-ready data for a renderer to draw. Sections: overview (model, data, filter,
threshold), importance, beeswarm, fairness, slices, rows (with bookmarks), drift, compare and
latency, then provenance and what was redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from app import __version__
from app.core.base.errors import ShapLensError
from app.core.base.formatting import cell, percent
from app.core.base.hashing import file_sha256
from app.core.base.types import Explanation, Task
from app.core.data.align import AlignedData
from app.core.data.labels import encode_labels
from app.core.debugging.metrics import Evaluation, evaluate
from app.core.explain.models.base import ModelAdapter, display_output_name
from app.core.review import report_global, report_production, report_review
from app.core.review.glossary import Glossary
from app.core.review.report_format import prediction_text
from app.core.review.report_model import SECTION_TITLES, Facts, Note, Report, Section
from app.core.review.report_request import ReportRequest

SAMPLE_SEED = 0


class ReportError(ShapLensError):
    """A report cannot be made from these inputs (unknown row, column or class)."""


@dataclass
class GlobalValues:
    rows: np.ndarray  # dataset positions explained for the global views
    values: np.ndarray  # (len(rows), n_features, n_outputs) float32
    base: np.ndarray  # (n_outputs,)


@dataclass
class Context:
    """What every section needs, computed once."""

    request: ReportRequest
    glossary: Glossary
    predictions: np.ndarray  # (n_rows, n_outputs)
    average: np.ndarray
    values: GlobalValues
    shown: list[str]  # feature names as the glossary shows them
    out_name: str
    covered: str  # which rows the global views cover, in words
    evaluation: Evaluation | None
    label_problem: str
    visible: np.ndarray  # rows in the current filter


def sample_rows(n_rows: int, sample: int) -> np.ndarray:
    """All rows, or a reproducible random sample of `sample` rows (seed 0), sorted."""
    if sample <= 0 or n_rows <= sample:
        return np.arange(n_rows, dtype=np.int64)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n_rows, sample, replace=False))


def global_values(
    model: ModelAdapter, data: AlignedData, explanation: Explanation | None, sample: int
) -> GlobalValues:
    """Use the explanation already computed, or explain a sample of rows now."""
    if explanation is not None and explanation.n_rows:
        return GlobalValues(explanation.rows, explanation.values, explanation.base_values)
    rows = sample_rows(data.n_rows, sample)
    values, base = model.contributions(data.X[rows])
    return GlobalValues(rows, values, np.asarray(base, dtype=np.float64))


def check_request(
    model: ModelAdapter,
    data: AlignedData,
    rows: Sequence[int] = (),
    output: int = 0,
    sensitive: str | None = None,
) -> None:
    """Raise ReportError for rows, class or column the report cannot show (before any work)."""
    n = data.n_rows
    bad = [r for r in rows if not 0 <= int(r) < n]
    if bad:
        raise ReportError(
            f"Row(s) {', '.join(map(str, bad))} are not in the data (rows 0 to {n - 1:,})."
        )
    if not 0 <= output < model.n_outputs:
        raise ReportError(f"Class {output} does not exist: the model has {model.n_outputs}.")
    if sensitive is not None and sensitive not in data.frame.columns:
        raise ReportError(f"Sensitive column '{sensitive}' is not in the dataset.")


def _evaluation(request: ReportRequest, predictions: np.ndarray) -> tuple[Evaluation | None, str]:
    """Row outcomes against the label, as the window's debugging panels judge them."""
    model, labels = request.model, request.data.label()
    if labels is None:
        return None, "No label column: error slices, presets and fairness rates need one."
    k = 2 if model.task is Task.BINARY else model.n_outputs
    try:
        y = encode_labels(labels, model.task, k)
    except ShapLensError as error:
        return None, str(error)
    return evaluate(predictions, y, model.task, request.threshold), ""


def _context(request: ReportRequest) -> Context:
    model, data = request.model, request.data
    g = request.glossary or Glossary()
    predictions = model.raw_to_prediction(model.predict_raw(data.X))
    gv = global_values(model, data, request.explanation, request.sample)
    n = data.n_rows
    covered = (
        f"all {n:,} rows"
        if gv.rows.size == n
        else f"a random sample of {gv.rows.size:,} of {n:,} rows (seed {SAMPLE_SEED})"
    )
    if request.explanation is not None and gv.rows.size < n:
        covered = f"the {gv.rows.size:,} of {n:,} rows explained so far"
    evaluation, problem = _evaluation(request, predictions)
    visible = report_review.filter_rows(request, evaluation)
    out_name = (
        display_output_name(model.output_names[request.output]) if model.n_outputs > 1 else ""
    )
    return Context(
        request, g, predictions, predictions.mean(axis=0), gv, g.display_names(model.feature_names),
        out_name, covered, evaluation, problem, visible,
    )  # fmt: skip


def _overview(ctx: Context, model_hash: str, data_hash: str) -> Section:
    r = ctx.request
    model, data, info = r.model, r.data, r.model.info
    n = data.n_rows
    facts: list[tuple[str, str]] = [
        ("Model file", f"{r.model_path.name} (sha256 {model_hash[:12]})"),
        ("Framework", info.framework),
        ("Task", info.task.value + (f", {model.n_outputs} classes" if model.n_outputs > 1 else "")),
        ("Objective", info.objective or "unknown"),
        ("Trees", cell(info.n_trees) if info.n_trees else "unknown"),
        ("Explainer", info.explainer + ("" if info.exact else " (approximate)")),
        ("Data file", f"{r.data_path.name} (sha256 {data_hash[:12]})"),
        ("Rows × columns", f"{n:,} × {len(data.frame.columns):,}"),
        ("Features used", f"{len(model.feature_names)}"),
        ("Label column", data.label_column or "none"),
        ("Mean prediction", prediction_text(model, ctx.average, r.output, ctx.glossary)),
    ]
    ev = ctx.evaluation
    if ev is not None and model.task is Task.BINARY and ev.has_label.any():
        facts.append(
            ("Observed positive rate", percent(float(np.mean(ev.y_true[ev.has_label] == 1))))
        )
    missing = int(data.frame[model.feature_names].isna().sum().sum())
    facts.append(("Missing feature values", f"{missing:,}"))
    if model.task is Task.BINARY:
        facts.append(("Decision threshold", f"{r.threshold:g}"))
    if ev is not None and ev.is_classifier and ev.has_label.any():
        facts.append(("Accuracy at the threshold", percent(float(ev.correct[ev.has_label].mean()))))
    if r.sensitive is not None:
        facts.append(("Sensitive column", r.sensitive))
    section = Section("overview", SECTION_TITLES["overview"]).add(Facts(facts))
    notes = data.report.lines(label=data.label_column, redacted=r.redaction.columns)[1:]
    if notes:
        section.add(Note("\n".join(notes)))
    section.add(*report_review.filter_blocks(ctx))
    return section


def _provenance(ctx: Context, model_hash: str, data_hash: str, now: datetime) -> Section:
    r = ctx.request
    info = r.model.info
    prov: list[tuple[str, str]] = [
        ("Model", f"{r.model_path.name}, sha256 {model_hash[:12]}"),
        ("Data", f"{r.data_path.name}, sha256 {data_hash[:12]}, {r.data.n_rows:,} rows"),
    ]
    if r.glossary_path is not None:
        prov.append(
            ("Glossary", f"{r.glossary_path.name}, sha256 {file_sha256(r.glossary_path)[:12]}")
        )
    prov += [
        ("Explainer", info.explainer + ("" if info.exact else " (approximate)")),
        ("Unit of SHAP values", r.model.unit.value),
        ("Rows behind global views", ctx.covered),
        ("Decision threshold", f"{r.threshold:g}" if r.model.task is Task.BINARY else "n/a"),
        ("Redacted columns", ", ".join(r.redaction.sorted()) or "none"),
        ("Date", now.isoformat(timespec="seconds")),
        ("ShapLens", __version__),
    ]
    return Section("provenance", "Provenance").add(
        Facts(prov),
        Note(r.redaction.statement()),
        Note(
            "Summary sentences are generated from the SHAP values by fixed templates; chances "
            "are the model's predicted probabilities (50% means even odds), not observed "
            "frequencies."
        ),
    )


BUILDERS = {
    "importance": report_global.importance_section,
    "beeswarm": report_global.beeswarm_section,
    "fairness": report_review.fairness_section,
    "slices": report_review.slices_section,
    "rows": report_global.rows_section,
    "drift": report_production.drift_section,
    "compare": report_production.compare_section,
    "latency": report_production.latency_section,
}


def build_report_model(request: ReportRequest, now: datetime | None = None) -> Report:
    """The report for `request`; a section with nothing to show (no drift run, no sensitive
    column) is left out rather than printed empty."""
    r = request
    check_request(r.model, r.data, r.rows, r.output, r.sensitive)
    for column in r.redaction.columns:
        if column not in r.data.frame.columns:
            raise ReportError(f"Redacted column '{column}' is not in the dataset.")
    ctx = _context(r)
    now = now or datetime.now(UTC).astimezone()
    model_hash, data_hash = file_sha256(r.model_path), file_sha256(r.data_path)
    title = r.title or f"Model report: {r.model_path.name} on {r.data_path.name}"
    subtitle = (
        f"Made by ShapLens {__version__} on {now:%Y-%m-%d %H:%M %Z}. SHAP values are in "
        f"{r.model.unit.value}" + (f", for class '{ctx.out_name}'" if ctx.out_name else "") + "."
    )
    report = Report(
        title, subtitle, [], r.model_path.name, r.data_path.name, model_hash[:8],
        data_hash[:8], r.model.unit.value,
        r.model.info.explainer + ("" if r.model.info.exact else " (approximate)"),
    )  # fmt: skip
    if not r.figures:
        report.figures_note = (
            "Tables only: figures are not available in this build or were not asked for."
        )
    for key in r.sections:
        section = _overview(ctx, model_hash, data_hash) if key == "overview" else BUILDERS[key](ctx)
        if section is not None:
            report.sections.append(section)
    report.sections.append(_provenance(ctx, model_hash, data_hash, now))
    return report
