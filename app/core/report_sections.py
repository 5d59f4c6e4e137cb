"""The report's per-group section: how the model treats each group of a sensitive column.

For a binary model with a 0/1 label it uses app.core.fairness (base rate, selection rate, TPR,
FPR, the parity gaps and the four-fifths ratio); otherwise it shows the mean prediction (and the
mean label when there is one) per group. Both add the mean SHAP value of the top features per
group, which says which features push each group up or down.
"""

from __future__ import annotations

import numpy as np

from app.core import report_html as h
from app.core.align import AlignedData
from app.core.fairness import fairness_report, group_codes, group_mean_shap
from app.core.glossary import Glossary
from app.core.models.base import ModelAdapter
from app.core.types import Task

TOP_FEATURES = 5


def _numeric_label(data: AlignedData) -> np.ndarray | None:
    label = data.label()
    if label is None or label.dtype.kind not in "biuf":
        return None
    return np.asarray(label, dtype=np.float64)


def groups_section(
    model: ModelAdapter,
    data: AlignedData,
    sensitive: str,
    predictions: np.ndarray,
    explained_rows: np.ndarray,
    values: np.ndarray,
    output: int,
    threshold: float,
    glossary: Glossary,
) -> str:
    """HTML for the groups of `sensitive` (numeric columns are cut into quantile bins)."""
    column = data.frame[sensitive].reset_index(drop=True)
    shown = glossary.display_name(sensitive)
    parts = [h.NEW_PAGE_H2.format(f"By group: {h.esc(shown)}")]
    label = _numeric_label(data)
    score = predictions[:, output]
    codes, names = group_codes(column)
    if model.task is Task.BINARY and label is not None:
        report = fairness_report(column, label > 0.5, score >= threshold, score)
        parts.append(
            f'<p class="note">Predicted positive when P &ge; {threshold:g}. Base rate: share '
            "labelled positive; selection rate: share predicted positive; TPR/FPR: true and "
            "false positive rates.</p>"
        )
        parts.append(
            h.table(
                [
                    "Group",
                    "Rows",
                    "Base rate",
                    "Selection rate",
                    "Accuracy",
                    "TPR",
                    "FPR",
                    "Mean P",
                ],
                [
                    (
                        glossary.value_label(sensitive, s.group),
                        h.fmt(s.count),
                        h.pct(s.base_rate),
                        h.pct(s.selection_rate),
                        h.pct(s.accuracy),
                        h.pct(s.tpr),
                        h.pct(s.fpr),
                        h.pct(s.mean_prediction),
                    )
                    for s in report.groups
                ],
                [False] + [True] * 7,
            )
        )
        verdict = "passes" if report.passes_four_fifths else "fails"
        parts.append(
            h.key_values(
                [
                    ("Demographic parity difference", h.pct(report.demographic_parity_difference)),
                    ("Equalized odds difference", h.pct(report.equalized_odds_difference)),
                    ("Four-fifths ratio", f"{h.fmt(report.four_fifths_ratio, 3)} ({verdict})"),
                ]
            )
        )
        for warning in report.warnings:
            parts.append(f'<p class="note">{h.esc(warning)}</p>')
    else:
        rows = []
        for k, name in enumerate(names):
            mask = codes == k
            if not mask.any():
                continue
            mean_label = h.fmt(float(np.nanmean(label[mask]))) if label is not None else ""
            rows.append(
                (
                    glossary.value_label(sensitive, name),
                    h.fmt(int(mask.sum())),
                    h.fmt(float(score[mask].mean())),
                    mean_label,
                )
            )
        parts.append(
            h.table(
                ["Group", "Rows", "Mean prediction", "Mean label"], rows, [False, True, True, True]
            )
        )
    # Which features push each group, from the rows behind the global views.
    sub_codes = codes[explained_rows]
    means = group_mean_shap(values[:, :, output], sub_codes, len(names))
    top = np.argsort(-np.abs(values[:, :, output]).mean(axis=0), kind="stable")[:TOP_FEATURES]
    present = [k for k in range(len(names)) if np.any(sub_codes == k)]
    header = ["Group", *(glossary.display_name(model.feature_names[j]) for j in top)]
    table_rows = [
        (glossary.value_label(sensitive, names[k]), *(f"{means[k, j]:+.3f}" for j in top))
        for k in present
    ]
    parts.append(
        f"<h3>Mean SHAP value per group ({h.esc(model.unit.value)})</h3>"
        '<p class="note">Positive: the feature raises the prediction for that group on '
        "average; negative: lowers it.</p>"
        + h.table(header, table_rows, [False] + [True] * len(top))
    )
    return "\n".join(parts)
