"""Partial dependence and ICE as plot-ready arrays in the unit the user chose.

`scale` is "prediction" (probability for classifiers, target units for regression) or "raw"
(log-odds / margin). Centred ICE subtracts each line's value at the first grid point, so lines
that differ only by a constant lie on top of each other and differences in shape stand out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.base.types import Task
from app.core.debugging.behaviour.grid import BehaviourError
from app.core.debugging.behaviour.pdp import PartialDependence
from app.core.debugging.behaviour.pdp2d import PartialDependence2D

SCALES = ("prediction", "raw")


@dataclass
class PDPlotData:
    """One feature's PD (and ICE lines) ready to draw; x is the value, or the level's index."""

    kind: str  # "pdp" or "ice"
    feature: str
    x: np.ndarray  # (G,)
    tick_labels: list[str] | None  # categorical: one label per x; None for numbers
    average: np.ndarray  # (G,)
    lines: np.ndarray  # (K, G) ICE lines (empty for "pdp" apart from the selected row)
    line_rows: np.ndarray  # (K,)
    selected_line: np.ndarray | None  # (G,) the selected row's ICE line
    selected_row: int | None
    selected_at: tuple[float, float] | None  # the selected row's own value and its prediction
    hist_edges: np.ndarray  # numeric: histogram edges; categorical: empty
    hist_counts: np.ndarray
    missing: int
    y_label: str
    title: str
    centred: bool = False


def _unit_label(pd: PartialDependence | PartialDependence2D, scale: str) -> str:
    if scale == "raw":
        return f"model output ({pd.unit.value})"
    if pd.probability:
        name = pd.output_name or ("positive class" if pd.task is Task.BINARY else "class")
        return f"P({name})"
    return f"prediction ({pd.unit.value})"


def _pick(pd: PartialDependence, scale: str) -> tuple[np.ndarray, np.ndarray]:
    if scale not in SCALES:
        raise BehaviourError(f"Unknown scale '{scale}': choose prediction or raw.")
    if scale == "raw":
        return pd.average_raw, pd.ice_raw
    return pd.average_prediction, pd.ice_prediction


def _actual_point(
    x: np.ndarray, line: np.ndarray, actual: float, categorical: bool
) -> tuple[float, float] | None:
    if not np.isfinite(actual):
        return None
    if categorical:
        code = int(actual)
        return (float(code), float(line[code])) if 0 <= code < line.size else None
    return float(actual), float(np.interp(actual, x, line))


def pd_plot(
    pd: PartialDependence,
    kind: str = "pdp",
    scale: str = "prediction",
    centred: bool = False,
    selected_row: int | None = None,
    max_lines: int | None = None,
) -> PDPlotData:
    """The PD curve ("pdp") or ICE lines with the PD on top ("ice"), in `scale` units."""
    average, ice = _pick(pd, scale)
    x = pd.grid.values if not pd.grid.categorical else np.arange(pd.grid.values.size, dtype=float)
    average, ice = average.copy(), ice.copy()
    if centred:
        average -= average[0]
        ice = ice - ice[:, :1]
    sel_line = sel_at = None
    where = np.flatnonzero(pd.ice_rows == selected_row) if selected_row is not None else []
    if len(where):
        i = int(where[0])
        sel_line = ice[i]
        sel_at = _actual_point(x, sel_line, float(pd.ice_actual[i]), pd.grid.categorical)
    keep = np.arange(pd.ice_rows.size) if kind == "ice" else np.arange(0)
    if max_lines is not None and keep.size > max_lines:
        keep = keep[:max_lines]
    label = _unit_label(pd, scale)
    if centred:
        label = f"{label}, change from {pd.grid.labels[0]}"
    rows = f"{pd.n_rows:,} rows" if pd.complete else f"{pd.n_rows:,} of {pd.rows_total:,} rows"
    what = "ICE lines and partial dependence" if kind == "ice" else "Partial dependence"
    return PDPlotData(
        kind=kind,
        feature=pd.grid.feature,
        x=x,
        tick_labels=list(pd.grid.labels) if pd.grid.categorical else None,
        average=average,
        lines=ice[keep],
        line_rows=pd.ice_rows[keep],
        selected_line=sel_line,
        selected_row=selected_row if sel_line is not None else None,
        selected_at=sel_at,
        hist_edges=pd.distribution.edges,
        hist_counts=pd.distribution.counts,
        missing=pd.distribution.missing,
        y_label=label,
        title=f"{what} of {pd.grid.feature} ({rows})",
        centred=centred,
    )


@dataclass
class PD2PlotData:
    """A two-feature PD heatmap: z[a, b] at x level a and y level b."""

    x_feature: str
    y_feature: str
    x_labels: list[str]
    y_labels: list[str]
    z: np.ndarray  # (Gx, Gy)
    z_label: str
    title: str


def pd2_plot(pd: PartialDependence2D, scale: str = "prediction") -> PD2PlotData:
    if scale not in SCALES:
        raise BehaviourError(f"Unknown scale '{scale}': choose prediction or raw.")
    z = pd.average_raw if scale == "raw" else pd.average_prediction
    rows = f"{pd.n_rows:,} rows" if pd.complete else f"{pd.n_rows:,} of {pd.rows_total:,} rows"
    return PD2PlotData(
        pd.x.feature,
        pd.y.feature,
        list(pd.x.labels),
        list(pd.y.labels),
        z.copy(),
        _unit_label(pd, scale),
        f"Partial dependence of {pd.x.feature} and {pd.y.feature} ({rows})",
    )
