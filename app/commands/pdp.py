"""`shaplens pdp`: partial dependence of one feature (and ICE lines) to CSV and Parquet.

The average is over every row of the data, or the rows of --filter; the model itself predicts
every row at every grid value, in chunks, with progress on stderr.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
import pandas as pd

from app.commands._behaviour import add_pdp_arguments, filter_rows, output_index, run_pdp
from app.commands._common import add_model_data_arguments, check_out, input_paths, load_inputs
from app.core.base.atomic import write_bytes_atomic, write_text_atomic
from app.core.base.csv_safe import safe_cell
from app.core.base.errors import ShapLensError
from app.core.base.output_gate import preflight
from app.core.debugging.behaviour.pdp import PartialDependence

ICE_FILE = "ice.parquet"
MAX_ICE = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    add_pdp_arguments(parser)
    parser.add_argument(
        "--ice",
        type=int,
        default=0,
        metavar="K",
        help=f"also write K rows' ICE lines to {ICE_FILE}",
    )
    parser.add_argument("--out", required=True, type=Path, help="output .csv file")


def _values(pd_result: PartialDependence) -> list[object]:
    grid = pd_result.grid
    return list(grid.labels) if grid.categorical else grid.values.tolist()


def pdp_frame(result: PartialDependence) -> pd.DataFrame:
    """value, average_raw, average_prediction: one line per grid value."""
    return pd.DataFrame(
        {
            "value": _values(result),
            "average_raw": result.average_raw,
            "average_prediction": result.average_prediction,
        }
    )


def ice_frame(result: PartialDependence) -> pd.DataFrame:
    """row, value, raw, prediction: one line per ICE row and grid value (long format)."""
    k, g = result.ice_raw.shape
    values = _values(result)
    return pd.DataFrame(
        {
            "row": np.repeat(result.ice_rows, g),
            "value": [values[i % g] for i in range(k * g)] if k else [],
            "raw": result.ice_raw.ravel(),
            "prediction": result.ice_prediction.ravel(),
        }
    )


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".csv":
        raise ShapLensError(f"--out must be a .csv file, got {args.out.name}")
    if not 0 <= args.ice <= MAX_ICE:
        raise ShapLensError(f"--ice must be between 0 and {MAX_ICE:,} rows, not {args.ice}.")
    # Refuse an unwritable --out (or ice.parquet) before minutes of predictions, not after.
    inputs = input_paths(args)
    check_out(args)
    ice_path = args.out.with_name(ICE_FILE)
    if args.ice:
        preflight(ice_path, inputs)
    model, data = load_inputs(args)
    k = output_index(model, args.output)
    raw = model.predict_raw(data.X) if args.filter.strip() else np.empty((0, 0))
    rows = filter_rows(args.filter, data, model, raw, k)
    result = run_pdp(args, model, data, rows, args.ice, k)
    table = pdp_frame(result)
    table["value"] = [safe_cell(v) for v in table["value"]]  # a label may start with "="
    write_text_atomic(args.out, table.to_csv(index=False), inputs=inputs, parents=True)
    print(args.out)
    if args.ice:
        buffer = io.BytesIO()
        ice_frame(result).to_parquet(buffer, index=False)
        write_bytes_atomic(ice_path, buffer.getvalue(), inputs=inputs, parents=True)
        print(ice_path)
    return 0
