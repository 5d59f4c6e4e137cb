"""A report people can keep and forward: one self-contained HTML file (and a PDF of it).

Sections: model and data, global importance and beeswarm, per-group tables for a sensitive column,
the chosen rows with their waterfalls and summary sentences, bookmarks with notes, and provenance
(file names with sha256 prefixes, explainer, unit, date). Figures come from a renderer the caller
supplies (the CLI and GUI pass the plots' PNG export), so this module stays free of Qt; without a
renderer the report has tables only and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from app import __version__
from app.core import report_html as h
from app.core import views
from app.core.align import AlignedData
from app.core.bookmarks import Bookmarks
from app.core.errors import ShapLensError
from app.core.glossary import Glossary
from app.core.models.base import ModelAdapter, display_output_name
from app.core.report_sections import groups_section
from app.core.sentences import format_percent, row_display_values, summarize_explained_row
from app.core.session import file_sha256
from app.core.types import Explanation, Task

# (view, plot-ready data, row or None, which rows a global view covers) -> PNG bytes
FigureRenderer = Callable[[str, object, "int | None", str], bytes]
# Every row up to this many (seconds with the numba engine); beyond it a seeded random sample,
# which the report names, keeps the global figures quick to build.
DEFAULT_SAMPLE = 200_000
SAMPLE_SEED = 0


class ReportError(ShapLensError):
    """A report cannot be made from these inputs (unknown row, column or class)."""


@dataclass
class GlobalValues:
    rows: np.ndarray  # dataset positions explained for the global views
    values: np.ndarray  # (len(rows), n_features, n_outputs) float32
    base: np.ndarray  # (n_outputs,)


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


def _row_values(model, data, g: GlobalValues, row: int) -> tuple[np.ndarray, np.ndarray]:
    at = np.searchsorted(g.rows, row)
    if at < g.rows.size and g.rows[at] == row:
        return g.values[at], g.base
    values, base = model.contributions_one(data.X[row])
    return values[0], np.asarray(base, dtype=np.float64)


def short(digest: str) -> str:
    return digest[:12]


def _prediction_text(model: ModelAdapter, prediction: np.ndarray, output: int, g: Glossary) -> str:
    if model.task is Task.REGRESSION or prediction.max() > 1 or prediction.min() < 0:
        unit = f" {g.target.unit}" if g.target.unit else ""
        return f"prediction = {h.fmt(float(prediction[output]))}{unit}"
    name = g.target.outcome if model.task is Task.BINARY and g.target.outcome else None
    name = name or display_output_name(model.output_names[output])
    return f"P({name}) = {float(prediction[output]):.3f}"


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


def build_report(
    model: ModelAdapter,
    model_path: Path,
    data: AlignedData,
    data_path: Path,
    *,
    rows: Sequence[int] = (),
    output: int = 0,
    sensitive: str | None = None,
    threshold: float = 0.5,
    glossary: Glossary | None = None,
    glossary_path: Path | None = None,
    bookmarks: Bookmarks | None = None,
    explanation: Explanation | None = None,
    sample: int = DEFAULT_SAMPLE,
    render: FigureRenderer | None = None,
    title: str = "",
) -> str:
    """The report as one HTML string (write it with app.core.atomic.write_text_atomic)."""
    g = glossary or Glossary()
    n = data.n_rows
    check_request(model, data, rows, output, sensitive)
    predictions = model.raw_to_prediction(model.predict_raw(data.X))
    average = predictions.mean(axis=0)
    gv = global_values(model, data, explanation, sample)
    names = model.feature_names
    shown = g.display_names(names)
    unit = model.unit
    out_name = display_output_name(model.output_names[output]) if model.n_outputs > 1 else ""
    covered = (
        f"all {n:,} rows"
        if gv.rows.size == n
        else f"a random sample of {gv.rows.size:,} of {n:,} rows (seed {SAMPLE_SEED})"
    )
    figure_note = "" if render is not None else "Figures are not available in this build."

    def figure(view: str, view_data: object, row: int | None, alt: str) -> str:
        if render is None:
            return ""
        try:
            return h.image(render(view, view_data, row, covered), alt)
        except ShapLensError as error:
            return f'<p class="note">Figure not drawn: {h.esc(error)}</p>'

    parts: list[str] = []
    model_hash, data_hash = file_sha256(model_path), file_sha256(data_path)
    title = title or f"Model report: {model_path.name} on {data_path.name}"
    now = datetime.now(timezone.utc).astimezone()
    parts.append(f"<h1>{h.esc(title)}</h1>")
    parts.append(
        f'<p class="note">Made by ShapLens {__version__} on {now:%Y-%m-%d %H:%M %Z}. '
        f"SHAP values are in {h.esc(unit.value)}"
        + (f", for class '{h.esc(out_name)}'" if out_name else "")
        + ".</p>"
    )

    # ---- model and data
    info = model.info
    label = data.label()
    facts: list[tuple[str, object]] = [
        ("Model file", f"{model_path.name} (sha256 {short(model_hash)})"),
        ("Framework", info.framework),
        ("Task", info.task.value + (f", {model.n_outputs} classes" if model.n_outputs > 1 else "")),
        ("Objective", info.objective or "unknown"),
        ("Trees", h.fmt(info.n_trees) if info.n_trees else "unknown"),
        ("Explainer", info.explainer + ("" if info.exact else " (approximate)")),
        ("Data file", f"{data_path.name} (sha256 {short(data_hash)})"),
        ("Rows × columns", f"{n:,} × {len(data.frame.columns):,}"),
        ("Features used", f"{len(names)}"),
        ("Label column", data.label_column or "none"),
        ("Mean prediction", _prediction_text(model, average, output, g)),
    ]
    if label is not None and model.task is Task.BINARY:
        numeric = np.asarray(label, dtype=np.float64) if label.dtype.kind in "biuf" else None
        if numeric is not None:
            facts.append(("Observed positive rate", h.pct(float(np.nanmean(numeric > 0.5)))))
    missing = int(data.frame[names].isna().sum().sum())
    facts.append(("Missing feature values", f"{missing:,}"))
    parts.append("<h2>Model and data</h2>" + h.key_values(facts))
    notes = data.report.lines()[1:]
    if notes:
        parts.append('<p class="note">' + "<br>".join(h.esc(x) for x in notes) + "</p>")

    # ---- global importance and beeswarm
    mean_abs = np.abs(gv.values).mean(axis=0, dtype=np.float64)
    imp = views.importance(mean_abs, shown, unit, int(gv.rows.size), n, output, out_name)
    parts.append("<h2>What drives the model overall</h2>")
    parts.append(
        f'<p class="note">Mean absolute SHAP value per feature over {covered}. '
        f"{h.esc(figure_note)}</p>"
    )
    parts.append(figure("importance", imp, None, "Global feature importance"))
    order = list(np.argsort(-mean_abs[:, output], kind="stable"))
    parts.append(
        h.table(
            ["Rank", "Feature", f"Mean |SHAP| ({unit.value})", "Description"],
            [
                (i + 1, shown[j], h.fmt(mean_abs[j, output]), g.description(names[j]))
                for i, j in enumerate(order)
            ],
            [True, False, True, False],
        )
    )
    swarm = views.beeswarm(
        gv.values,
        data.X[gv.rows],
        model.features,
        data.frame.iloc[gv.rows],
        unit,
        [names[j] for j in order],
        output=output,
        output_name=out_name,
    )
    for lane in swarm.lanes:
        lane.feature = g.display_name(lane.feature)
    parts.append(
        "<h3>Every row, every feature</h3>"
        '<p class="note">One dot per row: its position is the SHAP value, its colour the '
        "feature's value (blue low, red high) for numeric features, and one colour per "
        "category, named in the legend under the plot, for categorical ones. Features in "
        "order of importance.</p>"
    )
    parts.append(figure("beeswarm", swarm, None, "Beeswarm of SHAP values"))

    # ---- groups
    if sensitive is not None:
        parts.append(
            groups_section(
                model, data, sensitive, predictions, gv.rows, gv.values, output, threshold, g
            )
        )

    # ---- chosen rows
    marks = bookmarks or Bookmarks()
    if rows:
        parts.append(h.NEW_PAGE_H2.format("Individual rows"))
    for i, row in enumerate(int(r) for r in rows):
        values, base = _row_values(model, data, gv, row)
        summary = summarize_explained_row(
            model, data, row, values, base, output=output, glossary=g, average=average
        )
        raw_values = row_display_values(model, data, row)
        labels = [g.value_label(f, v) for f, v in zip(names, raw_values, strict=True)]
        fall = views.waterfall(
            row,
            values[:, output],
            float(base[output]),
            labels,
            shown,
            unit,
            _prediction_text(model, predictions[row], output, g),
            output_name=out_name,
        )
        # Each row after the first starts a new page when printed (browsers and the PDF).
        brk = ' style="page-break-before: always"' if i else ""
        parts.append(f'<h3 id="row-{row}"{brk}>Row {row}</h3>')
        parts.append(f'<p class="sentence">{h.esc(summary.text)}</p>')
        mark = marks.get(row)
        if mark is not None:
            parts.append(f"<p><b>Bookmark [{h.esc(mark.tag)}]</b>: {h.esc(mark.note)}</p>")
        if label is not None:
            parts.append(f'<p class="note">Label in the data: {h.esc(h.fmt(label[row]))}</p>')
        parts.append(figure("waterfall", fall, row, f"Waterfall for row {row}"))
        top = np.argsort(-np.abs(values[:, output]), kind="stable")[:10]
        parts.append(
            h.table(
                ["Feature", "Value", f"SHAP ({unit.value})"],
                [(shown[j], labels[j], f"{values[j, output]:+.4f}") for j in top],
                [False, False, True],
            )
        )

    # ---- bookmarks
    if len(marks):
        parts.append("<h2>Bookmarks</h2>")
        parts.append(
            h.table(
                ["Row", "Tag", "Note", "Prediction", "Added"],
                [
                    (
                        b.row,
                        b.tag,
                        b.note,
                        _prediction_text(model, predictions[b.row], output, g)
                        if b.row < n
                        else "row not in data",
                        b.created,
                    )
                    for b in marks
                ],
            )
        )

    # ---- provenance
    prov: list[tuple[str, object]] = [
        ("Model", f"{model_path.name}, sha256 {short(model_hash)}"),
        ("Data", f"{data_path.name}, sha256 {short(data_hash)}, {n:,} rows"),
    ]
    if glossary_path is not None:
        prov.append(
            ("Glossary", f"{glossary_path.name}, sha256 {short(file_sha256(glossary_path))}")
        )
    prov += [
        ("Explainer", info.explainer + ("" if info.exact else " (approximate)")),
        ("Unit of SHAP values", unit.value),
        ("Rows behind global views", covered),
        ("Decision threshold", f"{threshold:g}" if model.task is Task.BINARY else "n/a"),
        ("Date", now.isoformat(timespec="seconds")),
        ("ShapLens", __version__),
    ]
    parts.append("<h2>Provenance</h2>" + h.key_values(prov))
    parts.append(
        '<p class="note">Summary sentences are generated from the SHAP values by fixed templates; '
        f"chances are the model's predicted probabilities ({h.esc(format_percent(0.5))} means "
        "even odds), not observed frequencies.</p>"
    )
    return h.page(title, "\n".join(p for p in parts if p))
