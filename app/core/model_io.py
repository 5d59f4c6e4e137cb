"""load_model(path): pick the adapter for a model file by its content, not only its name."""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ModelLoadError
from app.core.models.base import ModelAdapter

# Read at most this much of a file to identify it; model files beyond this size are still
# loaded, but a multi-gigabyte "model" is almost certainly the wrong file.
MAX_MODEL_BYTES = 2 * 1024**3


def load_model(path: str | Path, trust_pickle: bool = False) -> ModelAdapter:
    """Load a model file into its adapter, or raise ModelLoadError with a user-facing message."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"Model file not found: {path}", path)
    if path.is_dir():
        raise ModelLoadError(f"{path} is a folder; choose a model file inside it.", path)
    size = path.stat().st_size
    if size == 0:
        raise ModelLoadError(f"{path.name} is empty (0 bytes); choose the saved model file.", path)
    if size > MAX_MODEL_BYTES:
        raise ModelLoadError(
            f"{path.name} is {size / 1024**3:.1f} GB, larger than any model ShapLens expects; "
            "check that this is the model file.",
            path,
        )
    head = path.read_bytes()[:4096]
    if head.startswith(b"tree\n") or b"\nversion=v" in head[:200] or head.startswith(b"tree\r\n"):
        from app.core.models.lightgbm_model import LightGBMModel

        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ModelLoadError(
                f"{path.name} is not valid UTF-8 text; it is damaged.", path
            ) from error
        return LightGBMModel(path, text)
    raise ModelLoadError(
        f"{path.name} is not a model format ShapLens can read. Supported: LightGBM text (.txt).",
        path,
    )
