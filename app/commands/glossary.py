"""`shaplens glossary`: write a starting glossary (display names, units, value labels) to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands._common import check_out, input_paths
from app.core.base.errors import ShapLensError
from app.core.data.align import guess_label
from app.core.data.data_io import load_dataset
from app.core.review.glossary import GLOSSARY_SUFFIXES, glossary_from_data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="dataset file")
    parser.add_argument("--out", required=True, type=Path, help="glossary .yaml or .csv to write")
    parser.add_argument(
        "--model", type=Path, default=None, help="model file: list only its features"
    )
    parser.add_argument("--label", default=None, help="label column (guessed when obvious)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in GLOSSARY_SUFFIXES:
        raise ShapLensError(f"--out must be a .yaml, .yml or .csv file, got {args.out.name}")
    if args.out.exists() and not args.force:
        raise ShapLensError(
            f"{args.out} exists; it may hold your edits. Use --force to overwrite it."
        )
    check_out(args)
    frame = load_dataset(args.data)
    features = None
    if args.model is not None:
        from app.core.data.model_io import load_model

        features = load_model(args.model).feature_names
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise ShapLensError(
                f"{args.data.name} lacks the model's feature(s): {', '.join(missing)}."
            )
    label = args.label or guess_label(frame, features or [])
    if label is not None and label not in frame.columns:
        raise ShapLensError(f"Label column '{label}' is not in {args.data.name}.")
    if features is None:
        features = [str(c) for c in frame.columns if c != label]
    glossary = glossary_from_data(frame, features, label=label)
    glossary.save(args.out, inputs=input_paths(args))
    print(f"wrote {args.out} ({len(glossary.features)} features)", file=sys.stderr)
    return 0
