"""The column layout of explained values, shared by the local and the Dask engines.

Columns: the row key (`row`, or `partition` + `row`, plus an optional user key column), then
shap:<feature> (shap:<output>:<feature> for multiclass models), base_value and raw_output
(suffixed :<output> for multiclass). The unit and outputs go into the Parquet schema metadata.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from app.core.base.types import Unit


def shap_column(feature: str, output: str, multi: bool) -> str:
    return f"shap:{output}:{feature}" if multi else f"shap:{feature}"


def shap_columns(features: list[str], outputs: list[str]) -> list[str]:
    """Every SHAP column name, output-major (the order of the written table)."""
    multi = len(outputs) > 1
    return [shap_column(f, o, multi) for o in outputs for f in features]


def base_column(output: str, multi: bool) -> str:
    return f"base_value:{output}" if multi else "base_value"


def raw_column(output: str, multi: bool) -> str:
    return f"raw_output:{output}" if multi else "raw_output"


def values_columns(
    values: np.ndarray,
    base_values: np.ndarray,
    raw_output: np.ndarray,
    features: list[str],
    outputs: list[str],
) -> dict[str, np.ndarray]:
    """SHAP, base and raw-output columns for values (rows, features, outputs)."""
    columns: dict[str, np.ndarray] = {}
    multi = len(outputs) > 1
    n_rows = values.shape[0]
    for k, output in enumerate(outputs):
        for j, feature in enumerate(features):
            columns[shap_column(feature, output, multi)] = values[:, j, k]
        columns[base_column(output, multi)] = np.full(n_rows, base_values[k])
        columns[raw_column(output, multi)] = raw_output[:, k]
    return columns


def table_metadata(
    unit: Unit, outputs: list[str], engine: str, exact: bool, extra: dict[str, str]
) -> dict[str, str]:
    return {
        "shaplens.unit": unit.value,
        "shaplens.engine": engine,
        "shaplens.exact": json.dumps(exact),
        "shaplens.outputs": json.dumps(outputs),
        **extra,
    }


def with_metadata(table: pa.Table, metadata: dict[str, str]) -> pa.Table:
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
