"""Named cohorts (saved filter expressions) and the comparison of two cohorts' explanations."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.base.atomic import write_text_atomic
from app.core.base.errors import ShapLensError
from app.core.base.input_gate import COHORTS, InputError, read_input
from app.core.base.schemas import CohortsDoc
from app.core.base.structured import SchemaError, decode_json
from app.core.debugging.filters import apply_filter, parse


class CohortError(ShapLensError):
    """A cohort name or file is not usable."""


@dataclass(frozen=True)
class Cohort:
    name: str
    expression: str  # filter grammar; "" means every row

    def rows(
        self, frame: pd.DataFrame, extra: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        return apply_filter(self.expression, frame, extra).rows


ALL_ROWS = Cohort("All rows", "")


@dataclass
class CohortSet:
    """An ordered set of cohorts by name; 'All rows' is always first and cannot be removed."""

    cohorts: list[Cohort] = field(default_factory=lambda: [ALL_ROWS])

    def names(self) -> list[str]:
        return [c.name for c in self.cohorts]

    def get(self, name: str) -> Cohort:
        for cohort in self.cohorts:
            if cohort.name == name:
                return cohort
        raise CohortError(f"There is no cohort named '{name}'.")

    def add(self, name: str, expression: str) -> Cohort:
        """Add or replace a cohort; the expression is checked for syntax first."""
        name = name.strip()
        if not name:
            raise CohortError("Give the cohort a name.")
        if name == ALL_ROWS.name:
            raise CohortError(f"'{ALL_ROWS.name}' is built in; choose another name.")
        if expression.strip():
            parse(expression)
        cohort = Cohort(name, expression.strip())
        for i, existing in enumerate(self.cohorts):
            if existing.name == name:
                self.cohorts[i] = cohort
                return cohort
        self.cohorts.append(cohort)
        return cohort

    def remove(self, name: str) -> None:
        if name == ALL_ROWS.name:
            raise CohortError(f"'{ALL_ROWS.name}' cannot be removed.")
        self.cohorts = [c for c in self.cohorts if c.name != name]

    def to_json(self) -> str:
        items = [{"name": c.name, "expression": c.expression} for c in self.cohorts[1:]]
        return json.dumps({"cohorts": items}, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> CohortSet:
        try:
            doc = decode_json(text, CohortsDoc)  # typed and bounded: no hand checks to miss
        except SchemaError as error:
            raise CohortError(f"The cohort file is not valid: {error}.") from error
        out = cls()
        for item in doc.cohorts:
            out.add(item.name, item.expression)
        return out

    def save(self, path: Path) -> None:
        write_text_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> CohortSet:
        try:
            return cls.from_json(read_input(path, COHORTS))
        except InputError as error:
            raise CohortError(str(error), path) from error


@dataclass
class CohortComparison:
    features: list[str]  # largest |difference| first
    mean_abs_a: np.ndarray
    mean_abs_b: np.ndarray
    mean_a: np.ndarray  # signed mean SHAP, to say in which direction a feature pushes
    mean_b: np.ndarray
    n_a: int
    n_b: int

    @property
    def difference(self) -> np.ndarray:
        return self.mean_abs_a - self.mean_abs_b


def compare_cohorts(
    values: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray, features: list[str]
) -> CohortComparison:
    """Mean |SHAP| per feature in two cohorts (values: (n_rows, n_features) for one output)."""
    a = np.asarray(values[np.asarray(rows_a, dtype=np.int64)], dtype=np.float64)
    b = np.asarray(values[np.asarray(rows_b, dtype=np.int64)], dtype=np.float64)
    nan = np.full(len(features), np.nan)
    abs_a = np.abs(a).mean(axis=0) if len(a) else nan
    abs_b = np.abs(b).mean(axis=0) if len(b) else nan
    mean_a = a.mean(axis=0) if len(a) else nan
    mean_b = b.mean(axis=0) if len(b) else nan
    order = np.argsort(-np.nan_to_num(np.abs(abs_a - abs_b)), kind="stable")
    return CohortComparison(
        [features[i] for i in order],
        abs_a[order], abs_b[order], mean_a[order], mean_b[order], len(a), len(b),
    )  # fmt: skip
