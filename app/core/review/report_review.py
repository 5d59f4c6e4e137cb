"""Report parts about where the model errs and for whom: the current filter, fairness, slices.

They judge rows exactly as the window's debugging panels do (app.core.debugging.metrics.evaluate, the
same presets, filter grammar, fairness_report and error_slices), so a report made from the
window shows the numbers the panels show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.core.base.errors import FilterSyntaxError, ShapLensError
from app.core.base.formatting import cell, percent
from app.core.base.types import Task
from app.core.debugging.fairness import fairness_report, group_codes
from app.core.debugging.filters import apply_filter
from app.core.debugging.metrics import PRESETS, Evaluation, preset_mask
from app.core.debugging.slices import error_slices
from app.core.review.report_model import SECTION_TITLES, Facts, Heading, Note, Section, Table

if TYPE_CHECKING:
    from app.core.review.report_build import Context
    from app.core.review.report_request import ReportRequest

SHAP_FEATURES = 12  # features in the per-group mean SHAP table
FILTER_FEATURES = 5
REDACTED_EXPRESSION = "(names a redacted column; not shown)"


def evaluation_columns(ev: Evaluation | None, output: int) -> dict[str, np.ndarray]:
    """The computed columns the filter grammar knows (as the window's filter bar offers)."""
    if ev is None:
        return {}
    prediction = ev.score if ev.score.ndim == 1 else ev.score[:, output]
    return {
        "prediction": prediction, "predicted": ev.predicted, "label": ev.y_true,
        "error": ev.error, "confidence": ev.confidence, "correct": ev.correct,
    }  # fmt: skip


def filter_rows(request: ReportRequest, ev: Evaluation | None) -> np.ndarray:
    """Rows passing the preset, the expression and the cohort (the window's visible rows)."""
    data, f = request.data, request.filter
    mask = np.ones(data.n_rows, dtype=bool)
    if f.preset != "all" and ev is not None:
        mask &= preset_mask(ev, f.preset)
    extra = evaluation_columns(ev, request.output)
    for expression in (f.expression, f.cohort_expression):
        if expression.strip():
            try:
                mask &= apply_filter(expression, data.frame, extra).mask
            except FilterSyntaxError as error:
                raise ShapLensError(
                    f"The filter '{expression}' cannot be applied: {error}"
                ) from error
    return np.flatnonzero(mask).astype(np.int64)


def _shown_expression(request: ReportRequest, expression: str) -> str:
    return REDACTED_EXPRESSION if request.redaction.mentions(expression) else expression


def filter_blocks(ctx: Context) -> list:
    """The current filter or cohort, its size and what sets its rows apart."""
    r, f = ctx.request, ctx.request.filter
    n, visible = r.data.n_rows, ctx.visible
    if not f.active:
        return [Note(f"No filter: every one of the {n:,} rows is shown.")]
    preset = next((p.label for p in PRESETS if p.key == f.preset), f.preset)
    facts: list[tuple[str, str]] = []
    if f.preset != "all":
        facts.append(("Preset", preset))
    if f.expression.strip():
        facts.append(("Filter expression", _shown_expression(r, f.expression)))
    if f.cohort_expression:
        facts.append(("Cohort", f"{f.cohort}: {_shown_expression(r, f.cohort_expression)}"))
    facts.append(
        ("Rows in the filter", f"{visible.size:,} of {n:,} ({percent(visible.size / max(n, 1))})")
    )
    if visible.size:
        score = ctx.predictions[visible, r.output]
        facts.append(("Mean prediction in the filter", cell(float(score.mean()))))
        ev = ctx.evaluation
        if ev is not None and ev.is_classifier and ev.has_label[visible].any():
            rows = visible[ev.has_label[visible]]
            facts.append(("Error rate in the filter", percent(float(1 - ev.correct[rows].mean()))))
    blocks: list = [Heading("Current filter"), Facts(facts)]
    inside = np.isin(ctx.values.rows, visible)
    if inside.any():
        mean_abs = np.abs(ctx.values.values[inside, :, r.output]).mean(axis=0, dtype=np.float64)
        top = np.argsort(-mean_abs, kind="stable")[:FILTER_FEATURES]
        blocks.append(
            Table(
                ["Feature", f"Mean |SHAP| in the filter ({r.model.unit.value})"],
                [[ctx.shown[j], cell(mean_abs[j])] for j in top],
                [False, True],
            )
        )
    return blocks


def _group_names(ctx: Context, names: list[str]) -> list[str]:
    r = ctx.request
    if r.sensitive in r.redaction:
        return [f"redacted group {i + 1}" for i in range(len(names))]
    return [ctx.glossary.value_label(r.sensitive, name) for name in names]


def fairness_section(ctx: Context) -> Section | None:
    r = ctx.request
    if r.sensitive is None:
        return None
    column = r.data.frame[r.sensitive].reset_index(drop=True)
    title = f"By group: {ctx.glossary.display_name(r.sensitive)}"
    section = Section("fairness", title, new_page=True)
    ev = ctx.evaluation
    if ev is not None and ev.is_classifier:
        k = 1 if r.model.task is Task.BINARY else r.output
        score = ev.score if ev.score.ndim == 1 else ev.score[:, k]
        y = np.where(ev.has_label, (ev.y_true == k).astype(float), np.nan)
        report = fairness_report(column, y, (ev.predicted == k).astype(int), score)
        codes, all_names = report.group_codes, report.group_names
        shown = dict(zip(all_names, _group_names(ctx, all_names), strict=True))
        section.add(
            Note(
                f"Predicted positive when P ≥ {r.threshold:g}. Base rate: share labelled positive; "
                "selected: share predicted positive; TPR/FPR: true and false positive rates; "
                "mean P: mean predicted probability."
            ),
            Table(
                ["Group", "Rows", "Base rate", "Selected", "Accuracy", "TPR", "FPR", "Mean P"],
                [
                    [
                        shown[s.group] + (" (small)" if s.small else ""),
                        cell(s.count),
                        percent(s.base_rate),
                        percent(s.selection_rate),
                        percent(s.accuracy),
                        percent(s.tpr),
                        percent(s.fpr),
                        percent(s.mean_prediction),
                    ]
                    for s in report.groups
                ],
                [False] + [True] * 7,
            ),
        )
        verdict = "passes" if report.passes_four_fifths else "fails"
        section.add(
            Facts(
                [
                    (
                        "Demographic parity difference",
                        percent(report.demographic_parity_difference),
                    ),
                    ("Equalized odds difference", percent(report.equalized_odds_difference)),
                    ("Four-fifths ratio", f"{cell(report.four_fifths_ratio, 3)} ({verdict})"),
                ]
            )
        )
        for warning in report.warnings:
            if r.sensitive not in r.redaction:  # warnings quote group names
                section.add(Note(warning))
        groups = [all_names.index(s.group) for s in report.groups]
    else:
        codes, all_names = group_codes(column)
        shown_names = _group_names(ctx, all_names)
        label = ev.y_true if ev is not None else None
        score = ctx.predictions[:, r.output]
        rows, groups = [], []
        for g, name in enumerate(shown_names):
            mask = codes == g
            if not mask.any():
                continue
            groups.append(g)
            mean_label = cell(float(np.nanmean(label[mask]))) if label is not None else ""
            rows.append([name, cell(int(mask.sum())), cell(float(score[mask].mean())), mean_label])
        if ctx.label_problem:
            section.add(Note(ctx.label_problem))
        section.add(
            Table(
                ["Group", "Rows", "Mean prediction", "Mean label"], rows, [False, True, True, True]
            )
        )
    section.add(*_group_shap(ctx, codes, groups, _group_names(ctx, all_names)))
    return section


def _group_shap(ctx: Context, codes: np.ndarray, groups: list[int], names: list[str]) -> list:
    """Mean SHAP value of each feature per group, over the rows behind the global views."""
    r, gv = ctx.request, ctx.values
    sub = codes[gv.rows]
    values = gv.values[:, :, r.output]
    means = np.full((len(groups), values.shape[1]), np.nan)
    for i, g in enumerate(groups):
        mask = sub == g
        if mask.any():
            means[i] = values[mask].mean(axis=0, dtype=np.float64)
    if not groups:
        return []
    with np.errstate(all="ignore"):
        order = np.argsort(-np.nan_to_num(np.nanmax(np.abs(means), axis=0)), kind="stable")
    return [
        Heading(f"Mean SHAP value per group ({r.model.unit.value})"),
        Note(
            "Positive: the feature raises the prediction for that group on average; negative: "
            f"lowers it. From {ctx.covered}; the {min(SHAP_FEATURES, len(order))} features whose "
            "group means differ most from zero."
        ),
        Table(
            ["Feature", *(names[g] for g in groups)],
            [
                [ctx.shown[j], *("" if np.isnan(v) else f"{v:+.3f}" for v in means[:, j])]
                for j in order[:SHAP_FEATURES]
            ],
            [False] + [True] * len(groups),
        ),
    ]


def slices_section(ctx: Context) -> Section | None:
    r, ev, opts = ctx.request, ctx.evaluation, ctx.request.slices
    section = Section("slices", SECTION_TITLES["slices"])
    if ev is None:
        return section.add(Note(ctx.label_problem or "Error slices need a label column."))
    binary = ev.is_classifier
    error = (
        np.where(ev.has_label, (~ev.correct).astype(np.float64), np.nan)
        if binary
        else ev.error.copy()
    )
    # A slice names a value of its column ("zip == 12345"): redacted columns are not sliced.
    columns = [c for c in r.model.feature_names if c not in r.redaction]
    rows = ctx.visible if opts.within_filter else None
    found = error_slices(
        r.data.frame, columns, error, rows=rows, binary=binary, bins=opts.bins, pairs=opts.pairs
    )
    what = "error rate" if binary else "mean absolute error"
    scope = "the rows in the current filter" if opts.within_filter else "all rows"
    section.add(
        Note(
            f"The worst slices by {what} among {scope} ({opts.bins} bins per feature"
            + (", pairs of features" if opts.pairs else "")
            + "). 'Unreliable': fewer than 30 rows or a wide interval."
            + (" Redacted columns are not sliced." if r.redaction else "")
        )
    )
    table_rows = []
    for s in found:
        rate = percent(s.rate) if binary else cell(s.rate)
        interval = (
            f"{100 * s.ci_low:.1f}–{100 * s.ci_high:.1f}%"
            if binary
            else f"{s.ci_low:.3g}–{s.ci_high:.3g}"
        )
        flag = "unreliable" if s.unreliable else ""
        table_rows.append([s.description, cell(s.count), rate, interval, f"×{s.lift:.2f}", flag])
    header = ["Slice", "Rows", "Error rate" if binary else "Mean error", "95% interval", "Lift", ""]
    numeric = [False, True, True, True, True, False]
    if not any(row[-1] for row in table_rows):  # no unreliable slice: no empty flag column
        header, numeric, table_rows = header[:-1], numeric[:-1], [r[:-1] for r in table_rows]
    return section.add(Table(header, table_rows, numeric))
