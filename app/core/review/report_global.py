"""Report sections about the model as a whole and about chosen rows: importance, beeswarm, rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.core.base.formatting import cell
from app.core.explain import views
from app.core.review.redaction import REDACTED, redact_beeswarm
from app.core.review.report_format import prediction_text
from app.core.review.report_model import (
    SECTION_TITLES,
    Figure,
    Heading,
    Note,
    Section,
    Sentence,
    Table,
)
from app.core.review.sentences import row_display_values, summarize_explained_row

if TYPE_CHECKING:
    from app.core.review.report_build import Context

ROW_TOP_FEATURES = 10


def _mean_abs(ctx: Context) -> np.ndarray:
    return np.abs(ctx.values.values).mean(axis=0, dtype=np.float64)


def _order(ctx: Context) -> list[int]:
    return [int(j) for j in np.argsort(-_mean_abs(ctx)[:, ctx.request.output], kind="stable")]


def importance_section(ctx: Context) -> Section:
    r, g = ctx.request, ctx.glossary
    names, unit, k = r.model.feature_names, r.model.unit, r.output
    mean_abs = _mean_abs(ctx)
    data = views.importance(
        mean_abs, ctx.shown, unit, int(ctx.values.rows.size), r.data.n_rows, k, ctx.out_name
    )
    section = Section("importance", SECTION_TITLES["importance"], new_page=True)
    section.add(Note(f"Mean absolute SHAP value per feature over {ctx.covered}."))
    if r.figures:
        section.add(Figure("importance", data, "Global feature importance", covered=ctx.covered))
    # The glossary's descriptions only when it has some: an empty column says nothing.
    described = any(g.description(n) for n in names)
    header = ["Rank", "Feature", f"Mean |SHAP| ({unit.value})"]
    rows = []
    for i, j in enumerate(_order(ctx)):
        row = [str(i + 1), ctx.shown[j], cell(mean_abs[j, k])]
        rows.append(row + ([g.description(names[j])] if described else []))
    if described:
        header.append("Description")
    return section.add(Table(header, rows, [True, False, True, False][: len(header)]))


def beeswarm_section(ctx: Context) -> Section:
    r = ctx.request
    names = r.model.feature_names
    order = _order(ctx)
    swarm = views.beeswarm(
        ctx.values.values, r.data.X[ctx.values.rows], r.model.features,
        r.data.frame.iloc[ctx.values.rows], r.model.unit, [names[j] for j in order],
        output=r.output, output_name=ctx.out_name,
    )  # fmt: skip
    swarm = redact_beeswarm(swarm, r.redaction)
    for lane in swarm.lanes:
        lane.feature = ctx.glossary.display_name(lane.feature)
    section = Section("beeswarm", SECTION_TITLES["beeswarm"], new_page=True)
    section.add(
        Note(
            "One dot per row: its position is the SHAP value, its colour the feature's value "
            "(blue low, red high) for numeric features, and one colour per category, named in "
            "the legend under the plot, for categorical ones. Features in order of importance."
            + (
                " Redacted features are drawn in grey: their values are withheld."
                if r.redaction
                else ""
            )
        )
    )
    if r.figures:
        section.add(Figure("beeswarm", swarm, "Beeswarm of SHAP values", covered=ctx.covered))
    return section


def _row_values(ctx: Context, row: int) -> tuple[np.ndarray, np.ndarray]:
    gv = ctx.values
    at = np.searchsorted(gv.rows, row)
    if at < gv.rows.size and gv.rows[at] == row:
        return gv.values[at], gv.base
    values, base = ctx.request.model.contributions_one(ctx.request.data.X[row])
    return values[0], np.asarray(base, dtype=np.float64)


def _one_row(ctx: Context, row: int, first: bool) -> list:
    r, g = ctx.request, ctx.glossary
    model, data, k, unit = r.model, r.data, r.output, r.model.unit
    names, redaction = model.feature_names, r.redaction
    values, base = _row_values(ctx, row)
    summary = summarize_explained_row(
        model, data, row, values, base, output=k, glossary=g, average=ctx.average,
        redacted=redaction.columns,
    )  # fmt: skip
    raw_values = row_display_values(model, data, row)
    labels = [
        REDACTED if f in redaction else g.value_label(f, v)
        for f, v in zip(names, raw_values, strict=True)
    ]
    fall = views.waterfall(
        row, values[:, k], float(base[k]), labels, ctx.shown, unit,
        prediction_text(model, ctx.predictions[row], k, g), output_name=ctx.out_name,
    )  # fmt: skip
    # Each row after the first starts a new page when printed (browsers and the PDF).
    blocks: list = [Heading(f"Row {row}", f"row-{row}", new_page=not first)]
    blocks.append(Sentence(summary.text))
    mark = r.bookmarks.get(row) if r.bookmarks is not None else None
    if mark is not None:
        note = redaction.scrub_text(mark.note, data.frame, row)
        blocks.append(Note(f"Bookmark [{mark.tag}]: {note}"))
    label = data.label()
    if label is not None:
        shown = REDACTED if data.label_column in redaction else cell(label[row])
        blocks.append(Note(f"Label in the data: {shown}"))
    if r.figures:
        blocks.append(Figure("waterfall", fall, f"Waterfall for row {row}", row=row))
    top = np.argsort(-np.abs(values[:, k]), kind="stable")[:ROW_TOP_FEATURES]
    blocks.append(
        Table(
            ["Feature", "Value", f"SHAP ({unit.value})"],
            [[ctx.shown[j], labels[j], f"{values[j, k]:+.4f}"] for j in top],
            [False, False, True],
        )
    )
    return blocks


def rows_section(ctx: Context) -> Section | None:
    r = ctx.request
    marks = list(r.bookmarks) if r.bookmarks is not None else []
    if not r.rows and not marks:
        return None
    section = Section("rows", SECTION_TITLES["rows"], new_page=True)
    for i, row in enumerate(int(x) for x in r.rows):
        section.add(*_one_row(ctx, row, first=i == 0))
    if marks:
        n = r.data.n_rows
        section.add(Heading("Bookmarks"))
        section.add(
            Table(
                ["Row", "Tag", "Note", "Prediction", "Added"],
                [
                    [
                        str(b.row),
                        b.tag,
                        r.redaction.scrub_text(b.note, r.data.frame, b.row),
                        prediction_text(r.model, ctx.predictions[b.row], r.output, ctx.glossary)
                        if b.row < n
                        else "row not in data",
                        b.created,
                    ]
                    for b in marks
                ],
            )
        )
    return section
