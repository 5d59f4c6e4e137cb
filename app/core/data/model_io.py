"""load_model(path): pick the adapter for a model file by its content, not only its name."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.core.base.errors import ModelLoadError
from app.core.base.input_gate import MODEL_FILE, InputError, check_input, is_missing, open_input
from app.core.explain.models.base import ModelAdapter

# A multi-gigabyte "model" is almost certainly the wrong file.
MAX_MODEL_BYTES = 2 * 1024**3
# JSON models are parsed whole in Python first; beyond this we do not try.
MAX_JSON_BYTES = 512 * 1024**2
# Worst case of json.loads: memory per byte of file (see check_json_memory).
JSON_EXPANSION = 25
SUPPORTED = (
    "LightGBM text/JSON, XGBoost .json/.ubj, CatBoost .cbm, scikit-learn .skops, "
    "or a trusted pickle/joblib"
)
PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".jl", ".sav", ".pk", ".dill"}
# joblib compresses with these; their first bytes identify them.
COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18")
ZLIB_MAGIC = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def is_lightgbm_text(head: bytes) -> bool:
    """A LightGBM text model by its first bytes (a dropped .txt may be a model or a data file)."""
    return head.startswith((b"tree\n", b"tree\r\n")) or b"\nversion=v" in head[:200]


def sniff(head: bytes, suffix: str) -> str:
    """The kind of model file: lightgbm-text, json, xgboost-ubj, catboost, zip, pickle or ''."""
    stripped = head.lstrip()
    if is_lightgbm_text(head):
        return "lightgbm-text"
    if head.startswith(b"{L") and b"learner" in head[:40]:
        return "xgboost-ubj"
    if stripped.startswith(b"{"):
        return "json"
    if head.startswith(b"CBM1"):
        return "catboost"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[:1] == b"\x80" or head.startswith(COMPRESSED_MAGIC + ZLIB_MAGIC):
        return "pickle"
    if suffix in PICKLE_SUFFIXES:
        return "pickle"  # protocol 0/1 pickles have no magic byte
    return ""


def _check_file(path: Path) -> int:
    if is_missing(path):
        raise ModelLoadError(f"Model file not found: {path}", path)
    if os.path.isdir(path):
        raise ModelLoadError(f"{path} is a folder; choose a model file inside it.", path)
    try:  # a FIFO or a device is no model (and reads of one block or never end)
        size = check_input(path, MODEL_FILE).st_size
    except InputError as error:
        raise ModelLoadError(str(error), path) from error
    if size == 0:
        raise ModelLoadError(f"{path.name} is empty (0 bytes); choose the saved model file.", path)
    if size > MAX_MODEL_BYTES:
        raise ModelLoadError(
            f"{path.name} is {size / 1024**3:.1f} GB, larger than any model ShapLens expects; "
            "check that this is the model file.",
            path,
        )
    return size


def _lightgbm_text(path: Path, data: bytes) -> ModelAdapter:
    from app.core.explain.models.lightgbm_model import LightGBMModel

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelLoadError(
            f"{path.name} is not valid UTF-8 text; it is damaged.", path
        ) from error
    return LightGBMModel(path, text)


def check_json_memory(path: Path, size: int) -> None:
    """Refuse a JSON model whose parsed form would not fit in memory, before parsing it.

    Python's json builds one object per value: `{}` (3 bytes of file) becomes a 64-byte dict plus
    its slot, so a file can take up to ~25 times its size; a 300 MB crafted "model" once took
    5.4 GB. Streaming would not help, because XGBoost and our checks need the whole tree.
    """
    if size > MAX_JSON_BYTES:
        raise ModelLoadError(
            f"{path.name} is {size / 1024**2:,.0f} MB of JSON, more than the "
            f"{MAX_JSON_BYTES / 1024**2:,.0f} MB any model ShapLens reads as JSON; save the model "
            "in its binary format (XGBoost .ubj, LightGBM .txt).",
            path,
        )
    from app.core.base.memory import HEADROOM, available_memory

    needed, available = size * JSON_EXPANSION, available_memory()
    if needed > available * HEADROOM:
        raise ModelLoadError(
            f"{path.name} is {size / 1024**2:,.0f} MB of JSON; reading it could take about "
            f"{needed / 1024**3:.1f} GB of memory but only {available / 1024**3:.1f} GB is "
            "free. Close other programs or save the model in its binary format (XGBoost .ubj, "
            "LightGBM .txt).",
            path,
        )


def _json_model(path: Path, data: bytes, size: int) -> ModelAdapter:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ModelLoadError(
            f"{path.name} is not valid JSON ({str(error)[:120]}); the file may be truncated. "
            "Save the model again.",
            path,
        ) from error
    if isinstance(parsed, dict) and "learner" in parsed:
        from app.core.explain.models.xgboost_model import load_xgboost_json

        return load_xgboost_json(path, data, parsed)
    if isinstance(parsed, dict) and "tree_info" in parsed:
        from app.core.explain.models import lightgbm_model

        # The engine owner provides JSON loading; route to it when it exists.
        from_json = getattr(lightgbm_model.LightGBMModel, "from_json", None)
        if from_json is None:
            raise ModelLoadError(
                f"{path.name} is a LightGBM JSON dump, which this build cannot read yet; "
                "save the model with booster.save_model('model.txt') instead.",
                path,
            )
        return from_json(path, parsed)
    raise ModelLoadError(
        f"{path.name} is JSON but not a model ShapLens knows (expected an XGBoost model with "
        "'learner' or a LightGBM dump with 'tree_info').",
        path,
    )


def load_model(path: str | Path, trust_pickle: bool = False) -> ModelAdapter:
    """Load a model file into its adapter, or raise ModelLoadError with a user-facing message.

    Pickles and joblib files are opened only with trust_pickle=True or when the user earlier
    chose to always trust a file with these exact bytes (app.core.explain.models.trust).
    """
    path = Path(path)
    size = _check_file(path)
    try:
        # Through the input gate, and the whole file from the same descriptor as its first
        # bytes: a file swapped for a FIFO after the check is refused, never waited on.
        with open_input(path, MODEL_FILE) as handle:
            head = handle.read(4096)
            kind = sniff(head, path.suffix.lower())
            if kind == "json":
                check_json_memory(path, size)
            whole = head + handle.read() if kind in ("lightgbm-text", "json") else b""
    except InputError as error:
        raise ModelLoadError(str(error), path) from error
    except OSError as error:
        raise ModelLoadError(f"Could not read {path.name}: {error.strerror}", path) from error
    if kind == "lightgbm-text":
        return _lightgbm_text(path, whole)
    if kind == "json":
        return _json_model(path, whole, size)
    if kind == "xgboost-ubj":
        from app.core.explain.models.xgboost_model import load_xgboost_ubj

        return load_xgboost_ubj(path)
    if kind == "catboost":
        from app.core.explain.models.catboost_model import load_catboost_file

        return load_catboost_file(path)
    if kind in ("zip", "pickle"):
        from app.core.explain.models import serialized, trust

        trusted = trust_pickle or trust.is_trusted(path)
        if kind == "zip":
            obj = serialized.load_skops(path, trusted)
        else:
            obj = serialized.load_pickle(path, trusted)
        return serialized.adapter_for_object(path, obj)
    raise ModelLoadError(
        f"{path.name} is not a model format ShapLens can read. Supported: {SUPPORTED}.", path
    )
