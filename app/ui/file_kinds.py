"""Tell model files from data files (for drag and drop and recent files) by suffix and content."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from app.core.base.input_gate import DATA, InputError, open_input
from app.core.data.data_io import DATA_SUFFIXES
from app.core.data.model_io import is_lightgbm_text

Kind = Literal["model", "data"]

MODEL_SUFFIXES = {
    ".json",
    ".ubj",
    ".model",
    ".bin",
    ".cbm",
    ".pkl",
    ".pickle",
    ".joblib",
    ".skops",
    ".lgb",
    ".lgbm",
}


def classify(path: Path) -> Kind | None:
    """'model', 'data' or None (unknown). A .txt is a LightGBM model when its header says so."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        try:
            with open_input(path, DATA) as handle:  # a FIFO named x.txt must not block a drop
                head = handle.read(4096)
        except (InputError, OSError):
            return None
        return "model" if is_lightgbm_text(head) else "data"
    if suffix in MODEL_SUFFIXES:
        return "model"
    if suffix in DATA_SUFFIXES:
        return "data"
    return None


def split_paths(paths: list[Path]) -> tuple[Path | None, Path | None, list[Path]]:
    """(model, data, unrecognised) from dropped files; the last of each kind wins."""
    model = data = None
    unknown: list[Path] = []
    for path in paths:
        kind = classify(path)
        if kind == "model":
            model = path
        elif kind == "data":
            data = path
        else:
            unknown.append(path)
    return model, data, unknown
