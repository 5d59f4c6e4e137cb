"""`shaplens explain`: SHAP values for every row, written to Parquet."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from app.commands._common import StderrProgress, add_model_data_arguments, load_inputs
from app.core.errors import ShapLensError
from app.core.explain import explain_all
from app.core.types import Explanation

NAME = "explain"
HELP = "compute SHAP values for every row and write them to a Parquet file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, help="output .parquet file")


def explanation_table(explanation: Explanation) -> pa.Table:
    """Columns shap:<feature>, base_value, raw_output (per class for multiclass models)."""
    columns: dict[str, np.ndarray] = {"row": explanation.rows}
    multi = explanation.n_outputs > 1
    for k, output in enumerate(explanation.output_names):
        prefix = f"shap:{output}:" if multi else "shap:"
        for j, feature in enumerate(explanation.feature_names):
            columns[f"{prefix}{feature}"] = explanation.values[:, j, k]
        suffix = f":{output}" if multi else ""
        columns[f"base_value{suffix}"] = np.full(explanation.n_rows, explanation.base_values[k])
        columns[f"raw_output{suffix}"] = explanation.raw_output[:, k]
    return pa.table(columns)


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".parquet", ".pq"):
        raise ShapLensError(f"--out must be a .parquet file, got {args.out.name}")
    model, data = load_inputs(args)
    explanation = explain_all(model, data.X, on_progress=StderrProgress("explain"))
    table = explanation_table(explanation)
    metadata = {
        "shaplens.unit": explanation.unit.value,
        "shaplens.model": str(args.model.name),
        "shaplens.data": str(args.data.name),
        "shaplens.engine": explanation.engine,
        "shaplens.exact": json.dumps(explanation.exact),
        "shaplens.outputs": json.dumps(explanation.output_names),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".part")
    pq.write_table(table, tmp)
    tmp.replace(args.out)
    return 0
