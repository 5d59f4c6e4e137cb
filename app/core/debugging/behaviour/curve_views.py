"""Performance curves and regression fit as plot-ready data, one figure per kind.

Every figure draws one line per group (all rows, each cohort or each sensitive group) over the
same axes, marks the current threshold on each line and says the area/score in the legend.
Calibration and lift add a lower strip: rows per bin, and lift (captured / selected share).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core.debugging.behaviour.curves import Curve, GroupCurves, lift
from app.core.debugging.behaviour.grid import BehaviourError

KINDS = ("roc", "pr", "calibration", "lift")
MAX_POINTS = 20_000  # scatter points of a regression fit; a seeded sample beyond


@dataclass
class CurveLine:
    name: str  # legend text, with the score
    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray  # threshold of each point (inf: nothing positive); empty if none
    marker: tuple[float, float] | None = None  # the current threshold's point
    stat: str = ""  # e.g. " (n=1,204): AUC 0.912", after the name in the legend


@dataclass
class Strip:
    """The lower strip: bars (calibration: rows per bin) or lines (lift)."""

    label: str
    bars: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)  # name, x, h
    lines: list[CurveLine] = field(default_factory=list)
    width: float = 0.0  # bar width in x units


@dataclass
class CurvePlotData:
    kind: str
    title: str
    x_label: str
    y_label: str
    lines: list[CurveLine]
    reference: tuple[tuple[float, float], tuple[float, float]] | None  # a dashed line: chance
    threshold: float
    draggable: bool  # dragging the marker along the curve moves the threshold
    strip: Strip | None = None


def _marker(x: float, y: float) -> tuple[float, float] | None:
    return (x, y) if np.isfinite(x) and np.isfinite(y) else None


def curve_plot(groups: list[GroupCurves], kind: str, threshold: float) -> CurvePlotData:
    """The figure of `kind` for these groups, with `threshold` marked."""
    if kind not in KINDS:
        raise BehaviourError(f"Unknown curve '{kind}': choose one of {', '.join(KINDS)}.")
    lines: list[CurveLine] = []
    many = len(groups) > 1
    t = f"threshold {threshold:.3f}"
    for g in groups:
        r = g.rates(threshold)
        name = g.name if many else ""  # the legend elides the name, never the numbers
        count = f" (n={g.n_rows:,})" if many else f"{g.n_rows:,} rows"
        if kind == "roc":
            point = _marker(r.fpr, r.tpr)
            curve, stat = g.roc, f"AUC {g.auc:.3f}"
        elif kind == "pr":
            point = _marker(r.tpr, r.precision)
            curve, stat = g.pr, f"AP {g.average_precision:.3f}"
        elif kind == "calibration":
            c = g.calibration
            point, stat = None, f"Brier {c.brier:.4f}"
            curve = Curve(c.mean_predicted, c.fraction_positive, np.empty(0))
        else:
            point = _marker(r.selected, r.tpr)
            curve, stat = g.gain, f"lift {lift_at(g, 0.1):.2f} at 10%"
        line = CurveLine(name, curve.x, curve.y, curve.thresholds, point, f"{count}: {stat}")
        lines.append(line)
    if kind == "roc":
        title = f"ROC curve · {t}"
        return CurvePlotData(
            kind, title, "false positive rate", "true positive rate", lines,
            ((0, 0), (1, 1)), threshold, True,
        )  # fmt: skip
    if kind == "pr":
        # Chance is the base rate, which differs between groups: one line only for one group.
        base = groups[0].base_rate
        chance = ((0.0, base), (1.0, base)) if not many else None
        return CurvePlotData(
            kind, f"Precision-recall curve · {t}", "recall", "precision", lines,
            chance, threshold, True,
        )  # fmt: skip
    if kind == "calibration":
        edges = groups[0].calibration.edges
        width = float(edges[1] - edges[0]) / max(len(groups), 1)
        bars = []
        for i, g in enumerate(groups):
            centres = edges[g.calibration.bin_of_point] + width * (i + 0.5)
            bars.append((g.name, centres, g.calibration.counts.astype(float)))
        strip = Strip("rows", bars=bars, width=width * 0.9)
        return CurvePlotData(
            kind, "Calibration (reliability) diagram", "mean predicted probability",
            "fraction of positives", lines, ((0, 0), (1, 1)), threshold, False, strip,
        )  # fmt: skip
    strip_lines = []
    for g in groups:
        curve = lift(g.gain)
        r = g.rates(threshold)
        point = _marker(r.selected, r.tpr / r.selected) if r.selected else None
        strip_lines.append(CurveLine(g.name, curve.x, curve.y, curve.thresholds, point))
    return CurvePlotData(
        kind, f"Cumulative gain and lift · {t}", "share of rows, highest scores first",
        "positives captured", lines, ((0, 0), (1, 1)), threshold, True,
        Strip("lift", lines=strip_lines),
    )  # fmt: skip


def without_threshold(data: CurvePlotData) -> CurvePlotData:
    """The figure with no threshold marked or draggable: a multiclass model decides by argmax,
    so a threshold on one class's probability would describe no decision the app makes."""
    for line in [*data.lines, *(data.strip.lines if data.strip is not None else [])]:
        line.marker = None
    data.draggable = False
    data.title = data.title.split(" · ")[0]
    return data


def lift_at(g: GroupCurves, share: float) -> float:
    """Lift when the top `share` of rows is selected (interpolated along the gain curve)."""
    captured = float(np.interp(share, g.gain.x, g.gain.y))
    return captured / share


@dataclass
class FitPlotData:
    """Regression: predicted vs actual, or residual vs predicted; points map to rows."""

    kind: str  # "fit" or "residuals"
    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    x_label: str
    y_label: str
    title: str
    reference: tuple[tuple[float, float], tuple[float, float]]
    selected: int | None = None


def fit_plot(
    y_true: np.ndarray,
    predicted: np.ndarray,
    rows: np.ndarray,
    kind: str = "fit",
    unit: str = "target units",
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> FitPlotData:
    """Points for the labelled `rows` (a seeded sample of `max_points` beyond that)."""
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[np.isfinite(y_true[rows]) & np.isfinite(predicted[rows])]
    if rows.size == 0:
        raise BehaviourError("No labelled rows here: choose the label column.")
    total = rows.size
    if rows.size > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_points, replace=False))
    shown = f"{rows.size:,} rows" if rows.size == total else f"{rows.size:,} of {total:,} rows"
    actual, pred = y_true[rows], predicted[rows]
    if kind == "fit":
        lo = float(min(actual.min(), pred.min()))
        hi = float(max(actual.max(), pred.max()))
        return FitPlotData(
            kind, actual, pred, rows, f"actual ({unit})", f"predicted ({unit})",
            f"Predicted vs actual ({shown})", ((lo, lo), (hi, hi)),
        )  # fmt: skip
    if kind != "residuals":
        raise BehaviourError(f"Unknown regression view '{kind}': choose fit or residuals.")
    lo, hi = float(pred.min()), float(pred.max())
    return FitPlotData(
        kind, pred, actual - pred, rows, f"predicted ({unit})", f"actual - predicted ({unit})",
        f"Residuals vs prediction ({shown})", ((lo, 0.0), (hi, 0.0)),
    )  # fmt: skip
