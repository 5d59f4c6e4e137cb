"""`shaplens inspect`: what the model is (framework, task, trees, features, memory, params)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from app.core.explain.pipeline import open_inputs
from app.core.production.inspect import format_overview, inspect_model


def json_ready(value: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays unwrapped, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # enums, paths


def dumps_json(value: Any) -> str:
    return json.dumps(json_ready(value), indent=2, allow_nan=False) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="model file")
    parser.add_argument("--data", type=Path, default=None, help="dataset: adds mean |SHAP|")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--shap-rows", type=int, default=1000, help="rows sampled for mean |SHAP| (default 1000)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip measuring memory (it loads the model again)"
    )
    parser.add_argument(
        "--trust-pickle", action="store_true", help="allow loading a pickle/joblib model"
    )


def run(args: argparse.Namespace) -> int:
    inputs = open_inputs(args.model, args.data, trust_pickle=args.trust_pickle)
    model, X = inputs.model, inputs.data.X if inputs.data is not None else None
    assert model is not None
    overview = inspect_model(
        model,
        X,
        shap_rows=max(args.shap_rows, 1),
        measure_memory=not args.no_memory,
        trust_pickle=args.trust_pickle,
    )
    print(dumps_json(overview.to_dict()) if args.json else format_overview(overview), end="\n")
    return 0
