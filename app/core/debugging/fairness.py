"""Group fairness: how the model treats each group of a sensitive column (sex, race, age …).

For a classifier, one class is "positive" (the favourable outcome, class 1 for a binary model):
per group we report count, base rate (share labelled positive), selection rate (share predicted
positive), accuracy, TPR, FPR and mean predicted probability; then the gaps fairlearn reports —
demographic parity difference (max - min selection rate), equalized odds difference (the larger
of the TPR gap and the FPR gap) — and the four-fifths rule ratio (min / max selection rate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.core.debugging.metrics import binary_rates
from app.core.debugging.slices import bin_column

# One rule decides which groups are compared, and the panel states it: a group counts when its
# selection rate is known to within ±MAX_HALF_WIDTH (95% Wilson interval). A row count alone
# flagged an 11-row group but let a 31-row one, hardly less uncertain, set the ratio.
MAX_HALF_WIDTH = 0.10
Z_95 = 1.959964
RULE = (
    "Groups are compared when their selection rate is known to within ±10 points (95% "
    "interval); the others are marked ⚠ and left out of the gaps and the four-fifths ratio."
)


def wilson_half_width(rate: float, n: int) -> float:
    """Half the width of the 95% Wilson interval of a proportion `rate` seen in `n` rows."""
    if n <= 0 or not np.isfinite(rate):
        return float("inf")
    z2 = Z_95 * Z_95
    return float(Z_95 * np.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / (1 + z2 / n))


SENSITIVE_WORDS = (
    "sex", "gender", "race", "ethnicity", "ethnic", "age", "religion", "nationality",
    "disability", "disabled", "pregnancy", "marital", "citizenship", "country", "origin",
)  # fmt: skip


@dataclass
class GroupStats:
    group: str
    count: int
    base_rate: float
    selection_rate: float
    accuracy: float
    tpr: float
    fpr: float
    mean_prediction: float
    small: bool


@dataclass
class FairnessReport:
    column: str
    groups: list[GroupStats]
    demographic_parity_difference: float
    equalized_odds_difference: float
    four_fifths_ratio: float  # min / max selection rate; below 0.8 fails the four-fifths rule
    warnings: list[str] = field(default_factory=list)
    group_codes: np.ndarray | None = None  # per row of the input: group index, -1 = none
    group_names: list[str] = field(default_factory=list)  # name of each group index

    @property
    def passes_four_fifths(self) -> bool:
        return bool(self.four_fifths_ratio >= 0.8)

    def to_dict(self) -> dict[str, object]:
        return {
            "column": self.column,
            "groups": [vars(g) for g in self.groups],
            "demographic_parity_difference": self.demographic_parity_difference,
            "equalized_odds_difference": self.equalized_odds_difference,
            "four_fifths_ratio": self.four_fifths_ratio,
            "passes_four_fifths": self.passes_four_fifths,
            "warnings": list(self.warnings),
        }


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^A-Za-z]+", spaced.lower()) if t]


def suggest_sensitive(columns: list[str]) -> list[str]:
    """Columns whose names suggest a protected attribute (whole words only: 'age' but not
    'wage' or 'percentage')."""
    return [c for c in columns if any(t in SENSITIVE_WORDS for t in _tokens(str(c)))]


def group_codes(series: pd.Series, bins: int = 4) -> tuple[np.ndarray, list[str]]:
    """Row → group index (-1: none) and group names; numeric columns with many values become
    quantile bins such as "age in [17, 28)", others keep their levels, missing is a group."""
    binned = bin_column(series.reset_index(drop=True), bins, str(series.name))
    names = []
    for description in binned.descriptions:
        rest = description.removeprefix(f"{binned.column} ")
        rest = rest.removeprefix("in ").removeprefix("== ").removeprefix("is ")
        names.append(rest[1:-1] if rest.startswith('"') else rest)
    return binned.codes, names


def fairness_report(
    sensitive: pd.Series,
    y_true: np.ndarray,
    predicted: np.ndarray,
    score: np.ndarray,
    rows: np.ndarray | None = None,
    bins: int = 4,
) -> FairnessReport:
    """Per-group metrics and gaps. `y_true` and `predicted` are 1 for the positive class and
    0 otherwise (NaN label: row not counted); `score` is P(positive) per row."""
    column = str(sensitive.name)
    y = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(predicted)
    score = np.asarray(score, dtype=np.float64)
    codes, names = group_codes(sensitive, bins)
    use = ~np.isnan(y) & (codes >= 0)
    if rows is not None:
        keep = np.zeros(y.size, dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = True
        use &= keep
    groups: list[GroupStats] = []
    warnings: list[str] = []
    for g, name in enumerate(names):
        mask = use & (codes == g)
        n = int(mask.sum())
        if n == 0:
            continue
        rates = binary_rates(y[mask] == 1, pred[mask] == 1)
        half_width = wilson_half_width(float(rates["selection_rate"]), n)
        small = half_width > MAX_HALF_WIDTH
        groups.append(
            GroupStats(
                name, n, rates["base_rate"], rates["selection_rate"], rates["accuracy"],
                rates["tpr"], rates["fpr"], float(score[mask].mean()), small,
            )
        )  # fmt: skip
        if small:
            warnings.append(
                f"Group '{name}' has only {n} rows: its selection rate is known only to "
                f"±{half_width * 100:.0f} points, too uncertain to compare."
            )
    reliable = [g for g in groups if not g.small] or groups
    sel = np.array([g.selection_rate for g in reliable])
    tpr = np.array([g.tpr for g in reliable], dtype=np.float64)
    fpr = np.array([g.fpr for g in reliable], dtype=np.float64)
    dp = float(sel.max() - sel.min()) if sel.size else float("nan")
    gaps = [np.nanmax(a) - np.nanmin(a) for a in (tpr, fpr) if np.isfinite(a).any()]
    eo = float(max(gaps)) if gaps else float("nan")
    ratio = float(sel.min() / sel.max()) if sel.size and sel.max() > 0 else float("nan")
    if len(groups) != len(reliable):
        warnings.append("Small groups are left out of the gaps and the four-fifths ratio.")
    if len(reliable) < 2:
        warnings.append("Fewer than two groups: there is nothing to compare.")
    return FairnessReport(column, groups, dp, eo, ratio, warnings, codes, names)


def group_mean_shap(
    values: np.ndarray, codes: np.ndarray, n_groups: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """Mean SHAP value (signed) of each feature per group: (n_groups, n_features).

    `values` is (n_rows, n_features) for one output; `codes` row → group (-1: none)."""
    use = codes >= 0
    if rows is not None:
        keep = np.zeros(codes.size, dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = True
        use &= keep
    c = codes[use]
    v = np.asarray(values, dtype=np.float64)[use]
    counts = np.bincount(c, minlength=n_groups).astype(np.float64)
    sums = np.zeros((n_groups, v.shape[1]))
    np.add.at(sums, c, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]
