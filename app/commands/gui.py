"""`shaplens [gui]`: open the desktop app, optionally on a model and dataset."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, help="model file to open")
    parser.add_argument("--data", type=Path, default=None, help="dataset file to open")
    parser.add_argument("--label", default=None, help="label column (guessed when obvious)")
    parser.add_argument("--trust-pickle", action="store_true", help="allow a pickle/joblib model")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="open the bundled sample: UCI Adult census data and a LightGBM model trained on it",
    )
    parser.add_argument(
        "--explained",
        type=Path,
        default=None,
        help="open a folder written by `shaplens explain --engine dask` without loading it all",
    )


def run(args: argparse.Namespace) -> int:
    if args.sample and (args.model or args.data or args.explained):
        from app.core.base.errors import ShapLensError

        raise ShapLensError("--sample opens the bundled model and data: leave out --model/--data.")
    # Before Qt: PySide6 reads the source of every module imported after it (its __feature__
    # import hook), which for pandas' few hundred modules cost 0.3 s of CPU on the way to the
    # window. The window needs pandas anyway.
    import pandas  # noqa: F401

    from app.ui.app import run_app  # Qt is imported only here

    return run_app(args)
