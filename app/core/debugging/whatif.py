"""What-if: edit a row's feature values, see the new prediction and its SHAP values.

Edits are validated against the feature's type (number or category), the categorical levels the
model knows, and the range seen in the data (outside it the model extrapolates: a warning, not
an error). The edited row is re-encoded exactly as align() encodes data and explained through
ModelAdapter.contributions_one, the low-latency single-row path.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import numpy as np

from app.core.base.errors import ShapLensError
from app.core.data.align import AlignedData
from app.core.explain.models.base import FeatureSpec, ModelAdapter

MISSING_WORDS = ("", "missing", "nan", "na", "none", "null")


class InvalidEditError(ShapLensError):
    """An edited value does not fit the feature (not a number, unknown category …)."""


@dataclass
class WhatIfResult:
    row: int
    x: np.ndarray  # the encoded (edited) row, float64 (n_features,)
    raw: np.ndarray  # raw output (n_outputs,)
    prediction: np.ndarray  # probabilities or values (n_outputs,)
    values: np.ndarray  # SHAP (n_features, n_outputs) float32
    base_values: np.ndarray  # (n_outputs,)
    original_prediction: np.ndarray
    changed: list[str]
    warnings: list[str] = field(default_factory=list)


def encode_value(spec: FeatureSpec, value: object) -> float:
    """A user-entered value as the model's number (category code for categoricals; NaN for
    missing), or InvalidEditError saying what would be accepted."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    text = str(value).strip()
    if text.lower() in MISSING_WORDS:
        return float("nan")
    if spec.is_categorical and spec.categories:
        if text in spec.categories:
            return float(spec.categories.index(text))
        folded = {c.lower(): i for i, c in enumerate(spec.categories)}
        if text.lower() in folded:
            return float(folded[text.lower()])
        close = difflib.get_close_matches(text, spec.categories, n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        shown = ", ".join(spec.categories[:8]) + (" …" if len(spec.categories) > 8 else "")
        raise InvalidEditError(
            f"'{text}' is not a level of {spec.name} known to the model ({shown}).{hint}"
        )
    try:
        number = float(text.replace(",", "")) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise InvalidEditError(f"{spec.name} needs a number; '{text}' is not one.") from error
    if math.isinf(number):
        raise InvalidEditError(f"{spec.name} cannot be infinite.")
    return number


Ranges = dict[str, tuple[float, float] | None]


def feature_ranges(X: np.ndarray, features: list[FeatureSpec], block: int = 65_536) -> Ranges:
    """Smallest and largest finite value of every numeric feature (None: no finite value).

    One pass over the rows in blocks of contiguous rows (a strided column of X is read once per
    block, not once per feature): about a second at 1M x 50, so callers compute it once per
    dataset, off the GUI thread, and hand it to WhatIf."""
    numeric = [j for j, spec in enumerate(features) if not spec.is_categorical]
    lo = np.full(len(numeric), np.inf)
    hi = np.full(len(numeric), -np.inf)
    for start in range(0, X.shape[0], block):
        part = X[start : start + block, numeric]
        finite = np.isfinite(part)
        lo = np.minimum(lo, np.where(finite, part, np.inf).min(axis=0, initial=np.inf))
        hi = np.maximum(hi, np.where(finite, part, -np.inf).max(axis=0, initial=-np.inf))
    ranges: Ranges = {spec.name: None for spec in features}
    for i, j in enumerate(numeric):
        if lo[i] <= hi[i]:
            ranges[features[j].name] = (float(lo[i]), float(hi[i]))
    return ranges


class WhatIf:
    """Edits of one row of `data`; `evaluate()` predicts and explains the edited row.

    `ranges` (from `feature_ranges`) saves scanning a column of the data for every range check:
    with it, a feature it does not name has no known range (no extrapolation warning); without
    it each check scans the feature's column."""

    def __init__(
        self, model: ModelAdapter, data: AlignedData, row: int, ranges: Ranges | None = None
    ) -> None:
        if not 0 <= row < data.n_rows:
            raise InvalidEditError(f"Row {row} is not in the dataset (it has {data.n_rows} rows).")
        self.model = model
        self.data = data
        self.row = int(row)
        self.original = data.X[self.row].copy()
        self.edits: dict[str, float] = {}
        self._index = {spec.name: j for j, spec in enumerate(model.features)}
        self._original_prediction: np.ndarray | None = None
        self.ranges = ranges

    def spec(self, feature: str) -> FeatureSpec:
        if feature not in self._index:
            raise InvalidEditError(f"The model has no feature named '{feature}'.")
        return self.model.features[self._index[feature]]

    def value_range(self, feature: str) -> tuple[float, float] | None:
        """The smallest and largest value of a numeric feature in the data."""
        if self.ranges is not None:
            return self.ranges.get(feature)
        column = self.data.X[:, self._index[feature]]
        finite = column[np.isfinite(column)]
        return (float(finite.min()), float(finite.max())) if finite.size else None

    def set_value(self, feature: str, value: object) -> list[str]:
        """Set one feature of the row; returns warnings (e.g. value outside the data's range)."""
        spec = self.spec(feature)
        code = encode_value(spec, value)
        warnings: list[str] = []
        if not spec.is_categorical and not math.isnan(code):
            bounds = self.value_range(feature)
            if bounds and not bounds[0] <= code <= bounds[1]:
                warnings.append(
                    f"{feature} = {code:g} is outside the values in the data "
                    f"({bounds[0]:g} … {bounds[1]:g}); the model is extrapolating."
                )
        original = self.original[self._index[feature]]
        same = code == original or (math.isnan(code) and math.isnan(original))
        if same:
            self.edits.pop(feature, None)
        else:
            self.edits[feature] = code
        return warnings

    def display_value(self, feature: str) -> object:
        """The current (edited or original) value as the user reads it."""
        j = self._index[feature]
        code = self.edits.get(feature, self.original[j])
        spec = self.model.features[j]
        if math.isnan(code):
            return None
        if spec.is_categorical and spec.categories and 0 <= code < len(spec.categories):
            return spec.categories[int(code)]
        return code

    def reset(self, feature: str | None = None) -> None:
        """Undo one edit, or all of them."""
        if feature is None:
            self.edits.clear()
        else:
            self.edits.pop(feature, None)

    def encoded(self) -> np.ndarray:
        x = self.original.copy()
        for name, code in self.edits.items():
            x[self._index[name]] = code
        return x

    def evaluate(self) -> WhatIfResult:
        """Predict and explain the edited row (a few milliseconds for tree models)."""
        x = self.encoded()
        values, base = self.model.contributions_one(x)
        raw = self.model.predict_raw(x.reshape(1, -1))
        if self._original_prediction is None:
            original_raw = self.model.predict_raw(self.original.reshape(1, -1))
            self._original_prediction = self.model.raw_to_prediction(original_raw)[0]
        warnings = []
        for name, code in self.edits.items():
            spec = self.spec(name)
            if not spec.is_categorical and not math.isnan(code):
                bounds = self.value_range(name)
                if bounds and not bounds[0] <= code <= bounds[1]:
                    warnings.append(f"{name} is outside the range seen in the data.")
        return WhatIfResult(
            row=self.row,
            x=x,
            raw=raw[0],
            prediction=self.model.raw_to_prediction(raw)[0],
            values=np.asarray(values, dtype=np.float32).reshape(len(self.model.features), -1),
            base_values=np.asarray(base, dtype=np.float64),
            original_prediction=self._original_prediction,
            changed=list(self.edits),
            warnings=warnings,
        )
