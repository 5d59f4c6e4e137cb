"""LightGBM models from the native text format (and, through the engine, its JSON dump)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from app.core.errors import ModelLoadError
from app.core.models.base import FeatureSpec, ModelAdapter, ModelInfo
from app.core.types import Task, Unit

_LOG_ODDS_OBJECTIVES = ("binary", "multiclass", "softmax", "cross_entropy", "xentropy")


def read_header(text: str, path: Path) -> dict[str, str]:
    """The `key=value` lines before the first tree: enough to know features and task."""
    header: dict[str, str] = {}
    for line in text.split("\n", 4000)[:4000]:
        if line.startswith("Tree="):
            break
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    if "feature_names" not in header or "objective" not in header:
        raise ModelLoadError(
            f"{path.name} is not a LightGBM text model (no feature_names/objective header). "
            "Save the model with booster.save_model('model.txt').",
            path,
        )
    return header


def read_pandas_categorical(text: str) -> list[list[object]] | None:
    """LightGBM appends the training DataFrame's category lists after the trees."""
    marker = "pandas_categorical:"
    at = text.rfind(marker)
    if at < 0:
        return None
    payload = text[at + len(marker) :].split("\n", 1)[0].strip()
    if payload in ("", "null"):
        return None
    try:
        value = json.loads(payload)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def categorical_flags(feature_infos: str, n_features: int) -> list[bool]:
    """Numeric features are described as `[min:max]` (or `none`); categorical ones as `a:b:c`."""
    infos = feature_infos.split(" ") if feature_infos else []
    if len(infos) != n_features:
        return [False] * n_features
    return [not (info.startswith("[") or info == "none") for info in infos]


def objective_task(objective: str, num_class: int) -> tuple[Task, Unit]:
    name = objective.split(" ")[0]
    if name in ("multiclass", "softmax", "multiclassova", "multiclass_ova", "ova", "ovr"):
        return Task.MULTICLASS, Unit.LOG_ODDS
    if name in ("binary", "cross_entropy", "xentropy"):
        return Task.BINARY, Unit.LOG_ODDS
    if num_class > 1:
        return Task.MULTICLASS, Unit.RAW_MARGIN
    return Task.REGRESSION, Unit.TARGET if name in (
        "regression",
        "regression_l2",
        "l2",
        "mse",
        "regression_l1",
        "l1",
        "mae",
        "huber",
        "fair",
        "quantile",
        "mape",
    ) else Unit.RAW_MARGIN


class LightGBMModel(ModelAdapter):
    """A LightGBM Booster loaded from its text format."""

    def __init__(self, path: Path, text: str) -> None:
        import lightgbm as lgb

        self.path = path
        header = read_header(text, path)
        names = header["feature_names"].split(" ")
        flags = categorical_flags(header.get("feature_infos", ""), len(names))
        pandas_cats = read_pandas_categorical(text) or []
        features: list[FeatureSpec] = []
        cat_index = 0
        for name, is_cat in zip(names, flags, strict=True):
            if is_cat:
                labels = (
                    [str(v) for v in pandas_cats[cat_index]] if cat_index < len(pandas_cats) else []
                )
                cat_index += 1
                features.append(FeatureSpec(name, labels))
            else:
                features.append(FeatureSpec(name))
        self.features = features
        num_class = int(header.get("num_class", "1") or 1)
        task, unit = objective_task(header["objective"], num_class)
        self.output_names = (
            [f"class {k}" for k in range(num_class)] if task is Task.MULTICLASS else ["output"]
        )
        if task is Task.BINARY:
            self.output_names = ["positive class"]
        try:
            self.booster = lgb.Booster(model_str=text)
        except Exception as error:  # LightGBM raises its own LightGBMError or ValueError
            raise ModelLoadError(
                f"LightGBM could not read {path.name}: {error}. The file may be truncated; "
                "save the model again with booster.save_model().",
                path,
            ) from error
        n_trees = self.booster.num_trees()
        if n_trees == 0:
            raise ModelLoadError(
                f"{path.name} contains no trees: there is nothing to explain.", path
            )
        self.info = ModelInfo(
            framework="LightGBM",
            task=task,
            unit=unit,
            objective=header["objective"],
            n_trees=n_trees,
            explainer="exact TreeSHAP (LightGBM pred_contrib)",
        )
        # Concurrent predict calls on one Booster have crashed LightGBM (issue #5482).
        self._lock = threading.Lock()

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        with self._lock:
            raw = self.booster.predict(X, raw_score=True)
        return np.asarray(raw, dtype=np.float64).reshape(X.shape[0], -1)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            contrib = self.booster.predict(X, pred_contrib=True)
        contrib = np.asarray(contrib, dtype=np.float64)
        n_rows, n_features, k = X.shape[0], len(self.features), self.n_outputs
        blocks = contrib.reshape(n_rows, k, n_features + 1)
        values = np.ascontiguousarray(blocks[:, :, :n_features].transpose(0, 2, 1), np.float32)
        base = blocks[0, :, n_features].copy() if n_rows else np.zeros(k)
        return values, base
