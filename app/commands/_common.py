"""Arguments and loading steps shared by several verbs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.core.base.errors import ShapLensError
from app.core.base.output_gate import preflight
from app.core.data.align import AlignedData
from app.core.explain.models.base import ModelAdapter
from app.core.explain.pipeline import open_inputs


def add_model_data_arguments(parser: argparse.ArgumentParser, label: bool = True) -> None:
    parser.add_argument("--model", required=True, type=Path, help="model file")
    parser.add_argument("--data", required=True, type=Path, help="dataset file")
    if label:
        parser.add_argument("--label", default=None, help="label column (guessed when obvious)")
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow loading a pickle/joblib model (pickle runs code: only for files you trust)",
    )


# Every option through which a verb reads a file: an output may never be one of them.
INPUT_OPTIONS = (
    "model", "model_b", "data", "reference", "current", "glossary", "session", "rows_from",
    "drift_data", "compare_model",
)  # fmt: skip


def input_paths(args: argparse.Namespace) -> list[Path]:
    """The files (or folders, globs aside) this command reads, from its parsed options."""
    return [Path(v) for name in INPUT_OPTIONS if (v := getattr(args, name, None)) is not None]


def check_out(args: argparse.Namespace, *, folder: bool = False) -> Path | None:
    """Refuse `--out` before any work when it is an input, a folder, a device or unwritable."""
    out = getattr(args, "out", None)
    if out is None:
        return None
    return preflight(out, input_paths(args), folder=folder)


def check_threshold(value: float, flag: str = "--threshold") -> float:
    """A decision threshold is a probability: NaN or 5 would give a meaningless verdict."""
    if not 0.0 <= value <= 1.0:  # also false for NaN
        raise ShapLensError(f"{flag} must be between 0 and 1, got {value}.")
    return value


def load_inputs(args: argparse.Namespace) -> tuple[ModelAdapter, AlignedData]:
    """--model and --data, loaded and aligned the way the window does it."""
    inputs = open_inputs(
        args.model,
        args.data,
        label=getattr(args, "label", None),
        trust_pickle=getattr(args, "trust_pickle", False),
    )
    assert inputs.model is not None and inputs.data is not None  # both paths are required
    return inputs.model, inputs.data


class StderrProgress:
    """Progress lines on stderr, at most a few per second, only for runs that take a while."""

    def __init__(self, what: str, min_interval: float = 0.5) -> None:
        self.what = what
        self.started = time.monotonic()
        self.last = 0.0
        self.min_interval = min_interval

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.min_interval:
            return
        if now - self.started < 1.0 and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        print(f"{self.what}: {done:,}/{total:,} rows ({rate:,.0f} rows/s)", file=sys.stderr)
