"""Performance curves of a binary classifier: ROC, precision-recall, calibration, gain and lift.

The numbers follow scikit-learn exactly (`roc_curve` with its collinear points dropped,
`precision_recall_curve`, `average_precision_score`, `calibration_curve` with uniform bins), so a
user can check them there; the tests do. Every curve keeps the threshold behind each of its
points, so a point on the curve can be turned back into a decision threshold (dragging along ROC
or PR moves the threshold), and the current threshold can be marked on every curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.debugging.behaviour.grid import BehaviourError

CALIBRATION_BINS = 10


@dataclass
class Curve:
    """x and y of a curve's points and the score threshold behind each (inf: nothing positive)."""

    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray


@dataclass
class Calibration:
    """Reliability per bin (empty bins left out, as scikit-learn does) and the Brier score."""

    mean_predicted: np.ndarray
    fraction_positive: np.ndarray
    counts: np.ndarray  # rows per non-empty bin
    edges: np.ndarray  # the bins' edges, (n_bins + 1,)
    bin_of_point: np.ndarray  # which bin each point is
    brier: float


@dataclass
class Rates:
    """The confusion rates at one threshold (the marked point on every curve)."""

    threshold: float
    fpr: float
    tpr: float
    precision: float
    selected: float  # share of rows predicted positive

    @classmethod
    def from_counts(
        cls, threshold: float, tp: float, fp: float, positives: int, rows: int
    ) -> Rates:
        """Rates from true and false positives among `rows` of which `positives` are positive
        (NaN where a rate's denominator is zero)."""
        p, n = float(positives), float(rows - positives)
        nan = float("nan")
        return cls(
            float(threshold),
            fp / n if n else nan,
            tp / p if p else nan,
            tp / (tp + fp) if tp + fp else nan,
            (tp + fp) / rows if rows else nan,
        )


@dataclass
class GroupCurves:
    """Every curve for one group of rows (all rows, a cohort or a sensitive group)."""

    name: str
    n_rows: int
    positives: int
    roc: Curve  # x = false positive rate, y = true positive rate
    auc: float
    pr: Curve  # x = recall, y = precision
    average_precision: float
    calibration: Calibration
    gain: Curve  # x = fraction of rows selected (highest scores first), y = positives captured
    counts: tuple[np.ndarray, np.ndarray, np.ndarray]  # every distinct threshold: fps, tps, thr

    @property
    def base_rate(self) -> float:
        return self.positives / self.n_rows if self.n_rows else float("nan")

    def rates(self, threshold: float) -> Rates:
        """The rates at a threshold (score >= threshold is positive), by binary search."""
        fps, tps, thr = self.counts
        i = int(np.searchsorted(-thr, -threshold, side="right")) - 1
        tp, fp = (float(tps[i]), float(fps[i])) if i >= 0 else (0.0, 0.0)
        return Rates.from_counts(threshold, tp, fp, self.positives, self.n_rows)


def counts_at_thresholds(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
    """(false positives, true positives, threshold) at each distinct score, highest first."""
    order = np.argsort(-score, kind="mergesort")
    s, t = score[order], y[order].astype(np.float64)
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tps = np.cumsum(t)[last]
    fps = 1.0 + last - tps
    return fps, tps, s[last]


def roc(y: np.ndarray, score: np.ndarray) -> tuple[Curve, float]:
    """scikit-learn's roc_curve (drop_intermediate=True) and its area."""
    fps, tps, thr = counts_at_thresholds(y, score)
    if fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    fps, tps, thr = np.r_[0.0, fps], np.r_[0.0, tps], np.r_[np.inf, thr]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    area = float(np.trapezoid(tpr, fpr)) if fps[-1] > 0 and tps[-1] > 0 else float("nan")
    return Curve(fpr, tpr, thr), area


def precision_recall(y: np.ndarray, score: np.ndarray) -> tuple[Curve, float]:
    """scikit-learn's precision_recall_curve (recall decreasing, ending at (0, 1)) and the
    average precision (sum over thresholds of precision x recall gained)."""
    fps, tps, thr = counts_at_thresholds(y, score)
    selected = tps + fps
    precision = np.where(selected != 0, tps / np.where(selected == 0, 1, selected), 0.0)
    recall = tps / tps[-1] if tps[-1] > 0 else np.ones(tps.shape)
    precision, recall = np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]
    ap = float(-np.sum(np.diff(recall) * precision[:-1])) if tps[-1] > 0 else float("nan")
    # The last point (recall 0, precision 1) has no threshold in scikit-learn; inf means it.
    return Curve(recall, precision, np.r_[thr[::-1], np.inf]), ap


def calibration(y: np.ndarray, p: np.ndarray, n_bins: int = CALIBRATION_BINS) -> Calibration:
    """scikit-learn's calibration_curve (uniform bins) with the rows per bin and Brier score."""
    if p.size and (p.min() < 0 or p.max() > 1):
        raise BehaviourError("A calibration diagram needs probabilities between 0 and 1.")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], p)
    sums = np.bincount(bins, weights=p, minlength=n_bins)
    true = np.bincount(bins, weights=y.astype(np.float64), minlength=n_bins)
    total = np.bincount(bins, minlength=n_bins)
    nonzero = total != 0
    brier = float(np.mean((p - y) ** 2)) if p.size else float("nan")
    return Calibration(
        sums[nonzero] / total[nonzero],
        true[nonzero] / total[nonzero],
        total[nonzero].astype(np.int64),
        edges,
        np.flatnonzero(nonzero),
        brier,
    )


def gain(y: np.ndarray, score: np.ndarray) -> Curve:
    """Cumulative gain: the share of all positives found in the top x share of rows."""
    fps, tps, thr = counts_at_thresholds(y, score)
    n, positives = float(y.size), float(tps[-1]) if tps.size else 0.0
    x = np.r_[0.0, (tps + fps) / n]
    captured = np.r_[0.0, tps / positives] if positives else np.full(x.size, np.nan)
    return Curve(x, captured, np.r_[np.inf, thr])


def lift(curve: Curve) -> Curve:
    """Lift at each point of a gain curve: captured share / selected share (1 = random)."""
    x = curve.x[1:]
    return Curve(x, curve.y[1:] / x, curve.thresholds[1:])


def group_curves(name: str, y: np.ndarray, score: np.ndarray) -> GroupCurves:
    """Every curve for one group; y holds 0/1 labels (rows without a label left out already)."""
    y = np.asarray(y, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    if y.size == 0:
        raise BehaviourError(f"'{name}' has no labelled rows to draw curves for.")
    roc_curve, area = roc(y, score)
    pr_curve, ap = precision_recall(y, score)
    return GroupCurves(
        name, int(y.size), int(y.sum()), roc_curve, area, pr_curve, ap,
        calibration(y, score), gain(y, score), counts_at_thresholds(y, score),
    )  # fmt: skip


def performance_curves(
    y: np.ndarray, score: np.ndarray, groups: dict[str, np.ndarray]
) -> list[GroupCurves]:
    """Curves per group; `groups` maps a name to its row positions; unlabelled rows (NaN in y)
    are left out. Groups without a labelled row are skipped (said in the legend by absence)."""
    y = np.asarray(y, dtype=np.float64)
    out = []
    for name, rows in groups.items():
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[~np.isnan(y[rows])]
        if rows.size:
            out.append(group_curves(name, y[rows], score[rows]))
    if not out:
        raise BehaviourError("No labelled rows in these rows: choose the label column.")
    return out


def rates_at(y: np.ndarray, score: np.ndarray, threshold: float) -> Rates:
    """Rates with 'positive' meaning score >= threshold, as the app's threshold slider decides."""
    positive = score >= threshold
    truth = y == 1
    tp, fp = float(np.sum(positive & truth)), float(np.sum(positive & ~truth))
    return Rates.from_counts(threshold, tp, fp, int(truth.sum()), int(y.size))


def threshold_at(
    curve: Curve, x: float, y: float, x_scale: float = 1.0, y_scale: float = 1.0
) -> float | None:
    """The decision threshold of the curve point nearest (x, y), as a probability in [0, 1].

    Scales say how many data units make one screen unit along each axis, so 'nearest' means
    nearest on screen. The curve's end with an infinite threshold (nothing predicted positive)
    maps to 1."""
    finite = np.isfinite(curve.x) & np.isfinite(curve.y)
    if not finite.any():
        return None
    distance = np.hypot((curve.x - x) / x_scale, (curve.y - y) / y_scale)
    distance[~finite] = np.inf
    threshold = float(curve.thresholds[int(np.argmin(distance))])
    return float(np.clip(threshold, 0.0, 1.0))


MAX_GROUPS = 8  # lines on one set of axes; more cannot be told apart


def rows_by_group(rows: np.ndarray, column, max_groups: int = MAX_GROUPS) -> dict[str, np.ndarray]:
    """`rows` split by the groups of a column (its levels, or quartile bins of a numeric
    column); beyond `max_groups`, the largest groups are kept."""
    from app.core.debugging.fairness import group_codes

    rows = np.asarray(rows, dtype=np.int64)
    codes, names = group_codes(column.iloc[rows].reset_index(drop=True))
    groups = {name: rows[codes == g] for g, name in enumerate(names)}
    largest = sorted(groups, key=lambda name: -groups[name].size)[:max_groups]
    return {name: groups[name] for name in names if name in largest}
