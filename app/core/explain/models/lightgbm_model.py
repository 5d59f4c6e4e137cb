"""LightGBM models from the native text format or a `dump_model()` JSON, explained by our engine."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from app.core.base.errors import ExplainError, ModelLoadError
from app.core.base.types import Task, Unit
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo, split_contributions

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


def _damaged(path: Path, why: str) -> ModelLoadError:
    return ModelLoadError(
        f"{path.name} is not a usable LightGBM model ({why}); save it again with "
        "booster.save_model('model.txt').",
        path,
    )


def _json_object(text: str, path: Path) -> dict[str, Any]:
    try:
        model = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _damaged(path, f"it is not valid JSON: {str(error)[:120]}") from error
    if not isinstance(model, dict):
        raise _damaged(path, "it is JSON but not an object")
    return model


def _category_lists(value: object, path: Path) -> list[list[object]]:
    """pandas_categorical: null, or one list of category labels per categorical feature."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
        raise _damaged(path, "pandas_categorical is not a list of category lists")
    return value


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


def _features(
    names: list[str], flags: list[bool], pandas_cats: list[list[object]]
) -> list[FeatureSpec]:
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
    return features


class LightGBMModel(ModelAdapter):
    """A LightGBM model from its text format or its `dump_model()` JSON.

    SHAP values and raw predictions come from ShapLens's own exact TreeSHAP engine (numba,
    GIL-free, both cores), built from the same parsed arrays. The text is parsed and validated
    before LightGBM sees it, because LightGBM can crash on a truncated file. A Booster is still
    made for text models (for `inspect`-style questions such as feature importance), but only
    when `booster` is first asked for: importing LightGBM pulls in scikit-learn (seconds), which
    explaining with the engine never needs. Any call into it goes through `self._lock`. JSON
    dumps need no LightGBM at all.
    """

    def __init__(self, path: Path, text: str | dict[str, Any]) -> None:
        from app.core.explain.engine import TreeShapEngine, parse_json, parse_text

        self.path = path
        self._booster: Any = None
        self._booster_text = ""  # the text a Booster is made from when first asked for
        self._lock = threading.RLock()  # concurrent Booster calls have crashed LightGBM (#5482)
        is_json = isinstance(text, dict) or text.lstrip().startswith("{")
        if is_json:
            model = text if isinstance(text, dict) else _json_object(text, path)
            forest = parse_json(model, path.name)  # checks feature_infos, pandas_categorical
            infos = model.get("feature_infos") or {}
            flags = [
                bool(isinstance(infos.get(n), dict) and infos[n].get("values"))
                for n in forest.feature_names
            ]
            pandas_cats = _category_lists(model.get("pandas_categorical"), path)
            objective = str(model.get("objective", ""))
            text = ""
        else:
            # Line endings converted on the way (e.g. by git) would break LightGBM's tree_sizes.
            text = text.replace("\r\n", "\n")
            header = read_header(text, path)
            forest = parse_text(text, path.name)  # validates before LightGBM reads the text
            flags = categorical_flags(header.get("feature_infos", ""), forest.n_features)
            pandas_cats = _category_lists(read_pandas_categorical(text), path)
            objective = header["objective"]
        self.features = _features(forest.feature_names, flags, pandas_cats)
        num_class = forest.n_outputs
        task, unit = objective_task(objective, num_class)
        self.output_names = (
            [str(k) for k in range(num_class)] if task is Task.MULTICLASS else ["output"]
        )
        if task is Task.BINARY:
            self.output_names = ["positive class"]
        try:
            self.engine: TreeShapEngine | None = TreeShapEngine(forest)
        except ExplainError:  # linear trees: LightGBM's own pred_contrib still handles them
            self.engine = None
        if self.engine is None and is_json:
            raise ModelLoadError(
                f"{path.name} uses linear trees, which ShapLens can only explain from the "
                "LightGBM text format; save it with booster.save_model('model.txt').",
                path,
            )
        if not is_json:
            self._booster_text = text
            if self.engine is None:  # LightGBM computes everything: load (and check) it now
                self._load_booster()
        self.info = ModelInfo(
            framework="LightGBM",
            task=task,
            unit=unit,
            objective=objective,
            n_trees=forest.n_trees,
            explainer=self.engine.name if self.engine else "exact TreeSHAP (LightGBM pred_contrib)",
        )

    @classmethod
    def from_json(cls, path: Path, text: str | dict[str, Any]) -> LightGBMModel:
        """A model from `booster.dump_model()` saved as JSON (explained without LightGBM)."""
        return cls(path, text)

    @property
    def booster(self) -> Any:
        """LightGBM's own Booster for a text model (made on first use); None for a JSON dump."""
        if self._booster is None and self._booster_text:
            with self._lock:
                if self._booster is None:
                    self._load_booster()
        return self._booster

    def _load_booster(self) -> None:
        import lightgbm as lgb

        try:
            self._booster = lgb.Booster(model_str=self._booster_text)
        except Exception as error:  # LightGBM raises its own LightGBMError or ValueError
            raise ModelLoadError(
                f"LightGBM could not read {self.path.name}: {error}. The file may be truncated; "
                "save the model again with booster.save_model().",
                self.path,
            ) from error
        self._booster_text = ""  # the Booster holds the model now

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        if self.engine is not None:
            return self.engine.predict_raw(X)
        with self._lock:
            raw = self.booster.predict(X, raw_score=True)
        return np.asarray(raw, dtype=np.float64).reshape(X.shape[0], -1)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions(X)
        with self._lock:
            contrib = self.booster.predict(X, pred_contrib=True)
        return split_contributions(contrib, X.shape[0], len(self.features), self.n_outputs)

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions_one(x)
        return self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))
