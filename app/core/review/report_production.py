"""Report sections for production questions: drift against another dataset, another model,
latency. Each is there only when its result exists (a dialog or panel in the window ran it, or
the CLI was asked with --drift-data / --compare-model / --latency-seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.base.formatting import cell, percent
from app.core.production.latency import Summary
from app.core.review.report_model import SECTION_TITLES, Facts, Heading, Note, Section, Table

if TYPE_CHECKING:
    from app.core.review.report_build import Context

DRIFT_FEATURES = 20
COMPARE_FEATURES = 15


def drift_section(ctx: Context) -> Section | None:
    r, d = ctx.request, ctx.request.drift
    if d is None:
        return None
    section = Section("drift", SECTION_TITLES["drift"], new_page=True)
    section.add(
        Facts(
            [
                ("Reference", f"{r.data_path.name} (the loaded data), {d.n_reference:,} rows"),
                ("Current", f"{r.drift_name or 'other dataset'}, {d.n_current:,} rows"),
                (
                    f"Mean {d.prediction_name}",
                    f"{cell(d.mean_prediction_reference)} → {cell(d.mean_prediction_current)}",
                ),
                ("Prediction PSI", cell(d.prediction_psi, 3)),
                ("Prediction KS", f"{cell(d.prediction_ks, 3)} (p = {d.prediction_p_value:.3g})"),
                ("SHAP shares from", f"{d.shap_rows:,} sampled rows per dataset"),
            ]
        ),
        Note(
            "Sorted by PSI × the feature's share of attribution: the first row matters most. "
            "PSI above 0.1 is a moderate shift, above 0.25 a significant one."
        ),
    )
    rows = []
    for f in d.features[:DRIFT_FEATURES]:
        changes = []
        if f.name in r.redaction and (f.new_categories or f.vanished_categories):
            changes.append("categories changed (values redacted)")
        else:
            if f.new_categories:
                changes.append("new: " + ", ".join(f.new_categories[:3]))
            if f.vanished_categories:
                changes.append("gone: " + ", ".join(f.vanished_categories[:3]))
        rows.append(
            [
                ctx.glossary.display_name(f.name), cell(f.psi, 3), f.level, f.test,
                f"{f.p_value:.3g}", f"{percent(f.missing_reference)} → {percent(f.missing_current)}",
                f"{percent(f.shap_share_reference)} → {percent(f.shap_share_current)}", "; ".join(changes),
            ]
        )  # fmt: skip
    header = ["Feature", "PSI", "Level", "Test", "p-value", "Missing", "SHAP share", "Categories"]
    numeric = [False, True, False, False, True, True, True, False]
    if not any(row[-1] for row in rows):  # an empty column only squeezes the others
        header, numeric, rows = header[:-1], numeric[:-1], [row[:-1] for row in rows]
    return section.add(Table(header, rows, numeric))


def compare_section(ctx: Context) -> Section | None:
    r, c = ctx.request, ctx.request.comparison
    if c is None:
        return None
    section = Section("compare", SECTION_TITLES["compare"], new_page=True)
    facts = [("Model A", c.name_a), ("Model B", c.name_b), ("Rows", f"{c.n_rows:,}")]
    if c.class_a is not None:
        facts.append(
            ("Rows whose class flipped", f"{c.flipped_rows.size:,} ({percent(c.flip_rate)})")
        )
    section.add(Facts(facts))
    if c.metrics:
        section.add(
            Table(
                ["Metric", "A", "B", "B − A", ""],
                [
                    [
                        m.name,
                        cell(m.a),
                        cell(m.b),
                        f"{m.delta:+.4f}",
                        "better" if m.b_better else ("worse" if m.delta else ""),
                    ]
                    for m in c.metrics
                ],
                [False, True, True, True, False],
            )
        )
    else:
        section.add(Note("No label column: metrics are not compared."))
    if c.groups:
        rows = []
        for i, g in enumerate(c.groups):
            group = f"redacted group {i + 1}" if g.column in r.redaction else str(g.group)
            metric = next((m for m in g.metrics if m.name in ("AUC", "accuracy", "RMSE")), None)
            shown = f"{metric.name} {cell(metric.a)} → {cell(metric.b)}" if metric else ""
            rows.append([f"{g.column} = {group}", cell(g.n), cell(g.flips), shown])
        section.add(Heading("By group"), Table(["Group", "Rows", "Flips", "Metric A → B"], rows))
    latency = c.latency_table()
    if latency:
        section.add(
            Heading("Single-row prediction latency (ms)"),
            Table(
                ["Statistic", "A", "B", "B − A"],
                [[s, f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}"] for s, a, b in latency],
                [False, True, True, True],
            ),
        )
    section.add(
        Heading("Features whose attribution changed most"),
        Table(
            ["Feature", "Mean |SHAP| A", "Mean |SHAP| B", "Mean per-row |Δ|"],
            [
                [
                    ctx.glossary.display_name(f.name),
                    cell(f.importance_a),
                    cell(f.importance_b),
                    cell(f.mean_abs_change),
                ]
                for f in c.features[:COMPARE_FEATURES]
            ],
            [False, True, True, True],
        ),
    )
    return section


def _summary_row(name: str, s: Summary | None) -> list[str] | None:
    if s is None:
        return None
    return [name, f"{s.calls:,}"] + [f"{v:.3f}" for v in (s.p50, s.p90, s.p99, s.max, s.mean)]


def latency_section(ctx: Context) -> Section | None:
    lat = ctx.request.latency
    if lat is None:
        return None
    m = lat.machine
    section = Section("latency", SECTION_TITLES["latency"])
    facts = [
        ("Machine", f"{m.cpu}, {m.logical_cores} logical cores"),
        ("Python", m.python),
        ("Measured for", f"{lat.elapsed_s:.1f} s (bound {lat.seconds_limit:g} s)"),
    ]
    if lat.budget is not None:
        met = "met" if lat.budget_met else "missed"
        measured = f"{lat.budget_value_ms:.3f} ms" if lat.budget_value_ms is not None else "n/a"
        facts.append(("Budget", f"{lat.budget.text}: {met} (measured {measured})"))
    section.add(Facts(facts))
    rows = [
        row
        for row in (
            _summary_row("predict one row", lat.predict_one),
            _summary_row("explain one row", lat.explain_one),
        )
        if row is not None
    ]
    section.add(
        Table(
            ["Stage", "Calls", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms"],
            rows,
            [False] + [True] * 6,
        )
    )
    batches = [
        [kind, f"{b.batch_size:,}", f"{b.latency_ms:.3f}", f"{b.throughput:,.0f}"]
        for kind, points in (("predict", lat.predict_batches), ("explain", lat.explain_batches))
        for b in points
        if not b.skipped
    ]
    if batches:
        section.add(
            Heading("Batches"),
            Table(["Stage", "Batch size", "Median ms per call", "Rows per second"], batches,
                  [False, True, True, True]),
        )  # fmt: skip
    return section
