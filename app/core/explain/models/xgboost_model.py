"""XGBoost Boosters (.json / .ubj, Booster or sklearn wrapper saved with save_model).

SHAP values come from ShapLens's engine over the booster's JSON trees (app.core.explain.engine.
from_xgboost). A model the engine cannot express (linear or vector-leaf boosters, a base score
it cannot place) keeps XGBoost's own exact TreeSHAP (`pred_contribs=True`), and ModelInfo says
so. Booster calls are serialised with a lock because one Booster is not safe to share.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from app.core.base.errors import ModelLoadError
from app.core.base.types import Task, Unit
from app.core.data.data_io import MAX_COLUMNS
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo, split_contributions
from app.core.explain.models.tree_engine import record_path, try_engine
from app.core.explain.models.xgboost_checks import MultiTarget, check_feature_names, validate_json

_TARGET_OBJECTIVES = (
    "reg:squarederror",
    "reg:squaredlogerror",
    "reg:absoluteerror",
    "reg:pseudohubererror",
    "reg:quantileerror",
    "reg:linear",
)


def objective_task(objective: str, num_class: int) -> tuple[Task, Unit]:
    if objective.startswith("multi:") or num_class > 1:
        return Task.MULTICLASS, Unit.LOG_ODDS if objective.startswith("multi:") else Unit.RAW_MARGIN
    if objective in ("binary:logistic", "binary:logitraw"):
        return Task.BINARY, Unit.LOG_ODDS
    if objective.startswith("binary:"):
        return Task.BINARY, Unit.RAW_MARGIN
    if objective in _TARGET_OBJECTIVES:
        return Task.REGRESSION, Unit.TARGET
    return Task.REGRESSION, Unit.RAW_MARGIN  # log links (poisson, gamma, tweedie, cox), ranking


def _categories(booster: Any) -> dict[str, list[str]]:
    try:
        pairs = booster.get_categories(export_to_arrow=True).to_arrow()
    except Exception:  # older files and non-categorical models carry none
        return {}
    return {str(name): [str(v) for v in arr.to_pylist()] for name, arr in pairs if arr is not None}


class XGBoostModel(ModelAdapter):
    accepts_inf = False  # DMatrix refuses inf unless missing=inf

    def __init__(self, path: Path, booster: Any) -> None:
        self.path = path
        self.booster = booster
        config = json.loads(booster.save_config())["learner"]
        objective = str(config["objective"]["name"])
        params = config["learner_model_param"]
        num_class = int(params.get("num_class", "0") or 0)
        if int(params.get("num_target", "1") or 1) > 1:
            raise _multi_target(path)
        task, unit = objective_task(objective, num_class)
        n_features = booster.num_features()
        try:
            if n_features > MAX_COLUMNS:
                raise ValueError(f"it declares {n_features:,} features")
            check_feature_names(booster.feature_names, booster.feature_types, n_features)
        except ValueError as error:
            raise ModelLoadError(
                f"{path.name} is not a usable XGBoost model ({error}); save it again with "
                "booster.save_model('model.json').",
                path,
            ) from error
        names = booster.feature_names or [f"f{i}" for i in range(n_features)]
        types = booster.feature_types or ["float"] * n_features
        labels = _categories(booster)
        self.features = [
            FeatureSpec(n, labels.get(n, []), open_categories=n not in labels)
            if t == "c"
            else FeatureSpec(n)
            for n, t in zip(names, types, strict=True)
        ]
        self._names = list(names)
        self._types = list(types)
        self._categorical = "c" in types
        self.output_names = (
            [str(k) for k in range(num_class)]
            if task is Task.MULTICLASS
            else ["positive class"]
            if task is Task.BINARY
            else ["output"]
        )
        rounds = booster.num_boosted_rounds()
        if rounds == 0:
            raise ModelLoadError(
                f"{path.name} contains no trees: there is nothing to explain.", path
            )
        self._lock = threading.Lock()
        self.info = ModelInfo(
            framework="XGBoost",
            task=task,
            unit=unit,
            objective=objective,
            n_trees=rounds * max(num_class, 1),
            extra={"categorical": self._categorical},
        )
        self.engine, why = try_engine(self._forest)
        if self.engine is not None:
            why = self._check_engine()
            self.engine = None if why else self.engine
        record_path(self.info, self.engine, "exact TreeSHAP (XGBoost pred_contribs)", why)

    def _forest(self) -> Any:
        from app.core.explain.engine.from_xgboost import forest_from_xgboost

        model = json.loads(self.booster.save_raw(raw_format="json"))
        return forest_from_xgboost(model, self._names, self.path.name)

    def _check_engine(self) -> str:
        """The engine must reproduce XGBoost's margin (it places base_score itself)."""
        X = np.full((2, len(self._names)), np.nan)
        X[1] = 0.0
        ours = self.engine.predict_raw(X)
        theirs = self.predict_raw(X)
        if not np.allclose(ours, theirs, rtol=1e-5, atol=1e-4):
            return "the engine's margin differs from XGBoost's (base score not understood)"
        return ""

    def _matrix(self, X: np.ndarray) -> Any:
        import xgboost as xgb

        return xgb.DMatrix(
            np.asarray(X, dtype=np.float64),
            feature_names=self._names,
            feature_types=self._types,
            enable_categorical=self._categorical,
            nthread=-1,
        )

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        with self._lock:
            raw = self.booster.predict(self._matrix(X), output_margin=True)
        return np.asarray(raw, dtype=np.float64).reshape(X.shape[0], -1)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions(X)
        with self._lock:
            contrib = self.booster.predict(self._matrix(X), pred_contribs=True)
        return split_contributions(contrib, X.shape[0], len(self.features), self.n_outputs)

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions_one(x)
        return self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))


def _multi_target(path: Path) -> ModelLoadError:
    return ModelLoadError(
        f"{path.name} is a multi-target XGBoost model; ShapLens explains one target "
        "(or one multiclass model) at a time.",
        path,
    )


def check_model_json(path: Path, model: dict[str, Any]) -> None:
    """validate_json with the user-facing message (ModelLoadError) on any damage."""
    try:
        validate_json(model)
    except MultiTarget as error:
        raise _multi_target(path) from error
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError) as error:
        detail = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
        raise ModelLoadError(
            f"{path.name} is not a usable XGBoost model ({detail[:300]}). The file may be "
            "truncated or edited; save it again with booster.save_model('model.json').",
            path,
        ) from error


def _check_loaded(path: Path, booster: Any) -> None:
    """A model read without our JSON check first (.ubj, pickle): check XGBoost's own export."""
    try:
        exported = json.loads(booster.save_raw(raw_format="json"))
    except ValueError as error:  # a NaN leaf is exported as bare NaN, which json reads fine
        raise ModelLoadError(f"XGBoost could not export {path.name}: {error}", path) from error
    check_model_json(path, exported)


def load_xgboost_json(path: Path, data: bytes, model: dict[str, Any] | None = None) -> XGBoostModel:
    """A JSON model: checked in Python, then read by XGBoost in a child process, then here."""
    import xgboost as xgb

    from app.core.explain.models.probe import probe_model_file

    if model is None:
        try:
            model = json.loads(data)
        except (ValueError, RecursionError) as error:
            raise ModelLoadError(f"{path.name} is not valid JSON ({error}).", path) from error
    check_model_json(path, model)
    probe_model_file("xgboost", path, "XGBoost")
    try:
        booster = xgb.Booster()
        booster.load_model(bytearray(data))
    except xgb.core.XGBoostError as error:
        first = str(error).splitlines()[0][:300]
        raise ModelLoadError(f"XGBoost could not read {path.name}: {first}", path) from error
    return XGBoostModel(path, booster)


def load_xgboost_ubj(path: Path) -> XGBoostModel:
    import xgboost as xgb

    from app.core.explain.models.probe import probe_model_file

    probe_model_file("xgboost", path, "XGBoost")
    try:
        booster = xgb.Booster(model_file=str(path))
    except xgb.core.XGBoostError as error:
        first = str(error).splitlines()[0][:300]
        raise ModelLoadError(f"XGBoost could not read {path.name}: {first}", path) from error
    _check_loaded(path, booster)
    return XGBoostModel(path, booster)


def from_xgboost_object(path: Path, obj: Any) -> XGBoostModel:
    """A trusted, already-unpickled Booster or XGBModel wrapper."""
    import xgboost as xgb

    booster = obj.get_booster() if hasattr(obj, "get_booster") else obj
    copy = xgb.Booster()
    copy.load_model(booster.save_raw(raw_format="json"))
    _check_loaded(path, copy)
    model = XGBoostModel(path, copy)
    classes = getattr(obj, "classes_", None)
    if classes is not None and model.task is Task.MULTICLASS:
        model.output_names = [str(c) for c in classes]
    return model
