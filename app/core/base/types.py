"""The small value types every layer shares: task, unit and the Explanation itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class Task(str, Enum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


class Unit(str, Enum):
    """What a SHAP value (and the raw output it sums to) is measured in."""

    LOG_ODDS = "log-odds"
    RAW_MARGIN = "raw margin"
    TARGET = "target units"
    PROBABILITY = "probability"

    @property
    def label(self) -> str:
        return {
            Unit.LOG_ODDS: "SHAP value (log-odds)",
            Unit.RAW_MARGIN: "SHAP value (raw margin)",
            Unit.TARGET: "SHAP value (target units)",
            Unit.PROBABILITY: "SHAP value (probability)",
        }[self]


@dataclass
class Explanation:
    """SHAP values for a set of rows, and what they add up to.

    values[r, f, k] is feature f's contribution to output k of row r, in `unit`.
    For every explained row: values[r, :, k].sum() + base_values[k] == raw_output[r, k]
    (to float32 rounding). Binary and regression models have one output (k == 1).
    `rows` holds the dataset row positions covered; a partial explanation covers fewer rows
    than the dataset, and `complete` says whether every row is in.
    """

    values: np.ndarray  # float32, (n_rows, n_features, n_outputs)
    base_values: np.ndarray  # float64, (n_outputs,)
    raw_output: np.ndarray  # float64, (n_rows, n_outputs)
    feature_names: list[str]
    output_names: list[str]
    unit: Unit
    exact: bool = True
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    complete: bool = True
    engine: str = ""

    def __post_init__(self) -> None:
        if self.values.ndim != 3:
            raise ValueError(
                f"values must be 3-D (rows, features, outputs), got {self.values.shape}"
            )
        if self.rows.size == 0 and self.values.shape[0]:
            self.rows = np.arange(self.values.shape[0], dtype=np.int64)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_outputs(self) -> int:
        return int(self.values.shape[2])

    def additivity_error(self) -> float:
        """Largest |sum of values + base - raw output| over all rows and outputs."""
        if self.n_rows == 0:
            return 0.0
        total = self.values.sum(axis=1, dtype=np.float64) + self.base_values[None, :]
        return float(np.max(np.abs(total - self.raw_output)))
