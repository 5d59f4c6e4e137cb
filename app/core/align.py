"""Match a dataset's columns to a model's features and build the numeric matrix it consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.core.errors import AlignmentError
from app.core.models.base import FeatureSpec, ModelAdapter

# Column names that usually hold the label, most specific first.
LABEL_NAMES = ("label", "target", "y", "class", "outcome", "income_gt_50k", "quality")


@dataclass
class AlignmentReport:
    """What happened when the data met the model, for the user to read."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    type_problems: dict[str, str] = field(default_factory=dict)
    unseen_categories: dict[str, list[str]] = field(default_factory=dict)
    reordered: bool = False

    def lines(self) -> list[str]:
        out = [f"{len(self.found)} model features found"]
        if self.extra:
            out.append(f"{len(self.extra)} extra columns kept for display: {', '.join(self.extra)}")
        if self.reordered:
            out.append("columns reordered to the model's feature order")
        for name, labels in self.unseen_categories.items():
            shown = ", ".join(labels[:5]) + (" …" if len(labels) > 5 else "")
            out.append(f"{name}: categories unknown to the model treated as missing: {shown}")
        return out


@dataclass
class AlignedData:
    frame: pd.DataFrame  # the dataset as loaded (all columns, for display and filtering)
    X: np.ndarray  # float64 (n_rows, n_features), model order, categories as codes
    report: AlignmentReport
    label_column: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    def label(self) -> np.ndarray | None:
        if self.label_column is None:
            return None
        return self.frame[self.label_column].to_numpy()


def guess_label(frame: pd.DataFrame, feature_names: list[str]) -> str | None:
    """A non-feature column whose name says it is the label; None when it is not obvious."""
    candidates = [c for c in frame.columns if c not in set(feature_names)]
    lowered = {str(c).lower(): c for c in candidates}
    for name in LABEL_NAMES:
        if name in lowered:
            return str(lowered[name])
    return None


def _encode_categorical(column: pd.Series, spec: FeatureSpec) -> tuple[np.ndarray, list[str]]:
    labels = spec.categories or []
    if not labels:
        return pd.to_numeric(column, errors="coerce").to_numpy(np.float64), []
    if pd.api.types.is_numeric_dtype(column) and not isinstance(column.dtype, pd.CategoricalDtype):
        # Already codes: keep them, values outside the known range are unseen.
        codes = column.to_numpy(np.float64)
        bad = (codes < 0) | (codes >= len(labels))
        unseen = sorted({str(v) for v in codes[bad & ~np.isnan(codes)]})
        codes[bad] = np.nan
        return codes, unseen
    as_text = column.astype("string")
    mapping = {label: i for i, label in enumerate(labels)}
    codes = as_text.map(mapping).astype("float64").to_numpy()
    present = as_text.notna().to_numpy()
    unseen = sorted(set(as_text[present & np.isnan(codes)].unique().tolist()))
    return codes, unseen


def align(model: ModelAdapter, frame: pd.DataFrame, label: str | None = None) -> AlignedData:
    """Build the model input from `frame`, or raise AlignmentError listing every problem."""
    names = model.feature_names
    report = AlignmentReport()
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise AlignmentError(f"The dataset has duplicated column names: {', '.join(dupes)}.")
    report.missing = [n for n in names if n not in frame.columns]
    report.found = [n for n in names if n in frame.columns]
    if label is not None and label not in frame.columns:
        raise AlignmentError(f"Label column '{label}' is not in the dataset.")
    label = label if label is not None else guess_label(frame, names)
    report.extra = [c for c in columns if c not in set(names)]
    report.reordered = [c for c in columns if c in set(names)] != report.found
    X = np.empty((len(frame), len(names)), dtype=np.float64)
    for j, spec in enumerate(model.features):
        if spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        if spec.is_categorical:
            X[:, j], unseen = _encode_categorical(column, spec)
            if unseen:
                report.unseen_categories[spec.name] = unseen
        elif pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            X[:, j] = column.to_numpy(np.float64, na_value=np.nan)
        else:
            converted = pd.to_numeric(column, errors="coerce")
            bad = converted.isna() & column.notna()
            if bad.any():
                examples = ", ".join(repr(v) for v in column[bad].unique()[:3])
                report.type_problems[spec.name] = (
                    f"expects numbers but has text ({examples}); convert or clean the column"
                )
                continue
            X[:, j] = converted.to_numpy(np.float64)
    if report.missing or report.type_problems:
        parts = []
        if report.missing:
            parts.append("missing model features: " + ", ".join(report.missing))
        for name, why in report.type_problems.items():
            parts.append(f"column '{name}' {why}")
        raise AlignmentError("The dataset does not fit the model — " + "; ".join(parts) + ".")
    # The model treats ±inf like any large number, but a user should know they are there.
    return AlignedData(frame=frame, X=X, report=report, label_column=label)
