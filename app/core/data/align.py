"""Match a dataset's columns to a model's features and build the numeric matrix it consumes.

Every load gets an AlignmentReport: features found, missing (an error listing them), extra
columns (kept for display), dtype mismatches with the fix applied, categories the model never
saw, and missing / infinite values and what was done with them. Column order is matched silently.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.base.errors import AlignmentError
from app.core.explain.models.base import FeatureSpec, ModelAdapter

# Column names that usually hold the label, most specific first.
LABEL_NAMES = ("label", "target", "y", "class", "outcome", "income_gt_50k", "quality")
# ±inf becomes this for models that refuse inf: every split threshold is below it, so trees route
# it exactly as they would route inf; float32 because sklearn casts to float32.
FINITE_MAX = float(np.finfo(np.float32).max)


@dataclass
class AlignmentReport:
    """What happened when the data met the model, for the user to read."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    type_problems: dict[str, str] = field(default_factory=dict)  # fatal, with what to do
    dtype_mismatches: dict[str, str] = field(default_factory=dict)  # fixed, says how
    unseen_categories: dict[str, list[str]] = field(default_factory=dict)
    unseen_counts: dict[str, int] = field(default_factory=dict)  # rows per feature
    labels_from_data: dict[str, int] = field(default_factory=dict)  # open-category features
    nan_counts: dict[str, int] = field(default_factory=dict)
    inf_counts: dict[str, int] = field(default_factory=dict)
    inf_clipped: bool = False
    reordered: bool = False

    def lines(self, label: str | None = None, redacted: Collection[str] = ()) -> list[str]:
        """Sentences for the user; `label` is left out of the extra columns (it is the label,
        not an extra), and the category values of `redacted` columns are not named."""
        out = [f"{len(self.found)} model features found"]
        extra = [c for c in self.extra if c != label]
        if extra:
            out.append(f"{len(extra)} extra columns kept for display: {', '.join(extra)}")
        if self.reordered:
            out.append("columns reordered to the model's feature order")
        for name, fix in self.dtype_mismatches.items():
            out.append(f"{name}: {fix}")
        for name, labels in self.unseen_categories.items():
            shown = ", ".join(labels[:5]) + (" …" if len(labels) > 5 else "")
            if name in redacted:
                shown = "values redacted"
            rows = self.unseen_counts.get(name, 0)
            out.append(
                f"{name}: {rows} rows have categories unknown to the model, treated as missing "
                f"as the model does: {shown}"
            )
        for name, count in self.labels_from_data.items():
            out.append(
                f"{name}: the model does not store its category labels; {count} labels "
                "taken from the data"
            )
        if self.nan_counts:
            total = sum(self.nan_counts.values())
            out.append(
                f"{total} missing values in {len(self.nan_counts)} features, passed to the model "
                "as missing (it routes them as it learned to)"
            )
        if self.inf_counts:
            total = sum(self.inf_counts.values())
            what = (
                "clipped to ±3.4e38 because the model refuses inf (trees route them the same)"
                if self.inf_clipped
                else "passed to the model as is"
            )
            out.append(f"{total} ±inf values in {len(self.inf_counts)} features, {what}")
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

    def display_values(self, row: int, names: Sequence[str]) -> list[object]:
        """One row's values as loaded (labels, not category codes) for the named columns.

        A click reads one row: positional access costs ~10-50 us where selecting the names
        from a row Series costs ~250 us and, on a busy machine, spiked to tens of ms.
        """
        positions = self.frame.columns.get_indexer(list(names))
        if (positions < 0).any():
            missing = [n for n, p in zip(names, positions, strict=True) if p < 0]
            raise KeyError(f"not in the dataset: {', '.join(map(str, missing))}")
        return self.frame.iloc[int(row)].to_numpy()[positions].tolist()


def guess_label(frame: pd.DataFrame, feature_names: list[str]) -> str | None:
    """A non-feature column whose name says it is the label; None when it is not obvious."""
    candidates = [c for c in frame.columns if c not in set(feature_names)]
    lowered = {str(c).lower(): c for c in candidates}
    for name in LABEL_NAMES:
        if name in lowered:
            return str(lowered[name])
    return None


def _as_labels(column: pd.Series) -> pd.Series:
    """Text labels for a column; whole floats print as integers (3.0 -> "3") to match training."""
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(np.float64)
        whole = np.isfinite(values) & (values == np.round(values))
        text = [
            (str(int(v)) if w else str(v)) if not np.isnan(v) else None
            for v, w in zip(values, whole, strict=True)
        ]
        return pd.Series(text, index=column.index, dtype="string")
    return column.astype("string")


def _numeric_labels(labels: list[str]) -> dict[float, int] | None:
    try:
        return {float(label): i for i, label in enumerate(labels)}
    except ValueError:
        return None


def _encode_categorical(
    column: pd.Series, spec: FeatureSpec, report: AlignmentReport
) -> np.ndarray:
    name = spec.name
    if spec.categories is None:
        spec.categories = []
    if spec.open_categories:
        present = column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else None
        labels = _as_labels(pd.Series(present)) if present is not None else _as_labels(column)
        new = sorted(set(labels.dropna().unique().tolist()) - set(spec.categories))
        if new:
            spec.categories.extend(new)
            report.labels_from_data[name] = len(spec.categories)
    labels = spec.categories
    numeric = pd.api.types.is_numeric_dtype(column) and not isinstance(
        column.dtype, pd.CategoricalDtype
    )
    by_value = _numeric_labels(labels) if numeric and labels else None
    if numeric and by_value is None and not spec.open_categories:
        # Text labels but numbers in the data: the numbers are the category codes.
        codes = column.to_numpy(np.float64, na_value=np.nan).copy()
        bad = ~np.isnan(codes) & ((codes < 0) | (codes >= len(labels)) | (codes != np.round(codes)))
        report.dtype_mismatches[name] = "numbers in a categorical feature, used as category codes"
        if bad.any():
            report.unseen_categories[name] = sorted({str(v) for v in codes[bad]})
            report.unseen_counts[name] = int(bad.sum())
        codes[bad] = np.nan
        return codes
    if numeric and by_value is not None:
        values = column.to_numpy(np.float64, na_value=np.nan)
        codes = np.array([by_value.get(v, np.nan) for v in values], dtype=np.float64)
        present_mask = ~np.isnan(values)
    else:
        as_text = _as_labels(column) if numeric else column.astype("string")
        mapping = {label: i for i, label in enumerate(labels)}
        codes = as_text.map(mapping).astype("float64").to_numpy()
        present_mask = as_text.notna().to_numpy()
        values = as_text.to_numpy(dtype=object, na_value=None)
    unseen_mask = present_mask & np.isnan(codes)
    if unseen_mask.any():
        report.unseen_categories[name] = sorted({str(v) for v in values[unseen_mask]})
        report.unseen_counts[name] = int(unseen_mask.sum())
    return codes


def _encode_numeric(column: pd.Series, name: str, report: AlignmentReport) -> np.ndarray | None:
    if pd.api.types.is_bool_dtype(column):
        report.dtype_mismatches[name] = "true/false values used as 1/0"
        return column.to_numpy(np.float64, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(np.float64, na_value=np.nan)
    text = column.astype("string").str.strip()
    lowered = text.str.lower()
    text = text.mask(lowered.isin(["inf", "+inf", "infinity"]), "inf").mask(
        lowered.isin(["-inf", "-infinity"]), "-inf"
    )
    converted = pd.to_numeric(text, errors="coerce")
    bad = converted.isna() & text.notna() & (text != "")
    if bad.any():
        examples = ", ".join(repr(v) for v in column[bad].unique()[:3])
        report.type_problems[name] = (
            f"expects numbers but has text ({examples}); convert or clean the column"
        )
        return None
    kind = "category" if isinstance(column.dtype, pd.CategoricalDtype) else "text"
    report.dtype_mismatches[name] = f"numbers stored as {kind}, converted to numbers"
    return converted.to_numpy(np.float64, na_value=np.nan)


_NESTED = (dict, list, tuple, set, np.ndarray)


def _unusable(column: pd.Series) -> str | None:
    """Why a column can feed no model (nested or binary values, as Parquet allows), or None."""
    if column.dtype != object:
        return None
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind == "bytes":
        return "holds binary values (bytes); export it as numbers or text"
    if kind in ("mixed", "unknown-array", "mixed-integer") and any(
        isinstance(v, _NESTED) for v in column.to_numpy(dtype=object)
    ):
        return (
            "holds nested values (lists or records), not numbers or categories; "
            "flatten it into one column per value"
        )
    return None


def _count_nonfinite(X: np.ndarray, model: ModelAdapter, report: AlignmentReport) -> None:
    nan = np.isnan(X).sum(axis=0)
    inf = np.isinf(X).sum(axis=0)
    for j, spec in enumerate(model.features):
        if nan[j]:
            report.nan_counts[spec.name] = int(nan[j])
        if inf[j]:
            report.inf_counts[spec.name] = int(inf[j])
    if report.inf_counts and not model.accepts_inf:
        np.clip(X, -FINITE_MAX, FINITE_MAX, out=X)
        report.inf_clipped = True


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
    X = np.full((len(frame), len(names)), np.nan, dtype=np.float64)
    for j, spec in enumerate(model.features):
        if spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        problem = _unusable(column)
        if problem is not None:
            report.type_problems[spec.name] = problem
            continue
        if spec.is_categorical:
            X[:, j] = _encode_categorical(column, spec, report)
            continue
        encoded = _encode_numeric(column, spec.name, report)
        if encoded is not None:
            X[:, j] = encoded
    if report.missing or report.type_problems:
        parts = []
        if report.missing:
            parts.append("missing model features: " + ", ".join(report.missing))
        for name, why in report.type_problems.items():
            parts.append(f"column '{name}' {why}")
        raise AlignmentError("The dataset does not fit the model — " + "; ".join(parts) + ".")
    _count_nonfinite(X, model, report)
    model.check_input(X)
    if model.needs_background:
        model.set_background(X)
    return AlignedData(frame=frame, X=X, report=report, label_column=label)


@contextmanager
def naming_the_file(path: Path | None) -> Iterator[None]:
    """An AlignmentError raised inside names the data file: a command may read several (data,
    reference, current, drift data), and "the dataset" alone does not say which one is wrong."""
    try:
        yield
    except AlignmentError as error:
        if path is None or Path(path).name in str(error):
            raise
        raise AlignmentError(f"{Path(path).name}: {error}") from error
