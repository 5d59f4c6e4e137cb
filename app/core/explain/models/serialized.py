"""Python-object model files: skops (.skops), pickle and joblib; and the adapter for an object.

A pickle runs arbitrary code when loaded, so it is opened only when the caller says the user
trusts it (or the user earlier chose to always trust a file with these exact bytes). skops files
are loaded with only the types skops trusts, plus sklearn's Tree (and the HistGradientBoosting
TreePredictor), whose node arrays we check ourselves before anything predicts with them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from app.core.base.errors import ModelLoadError, UntrustedPickleError
from app.core.base.types import Task
from app.core.explain.models.base import ModelAdapter
from app.core.explain.models.sklearn_checks import check_sklearn_trees

TREE_TYPES = {
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
}


def untrusted_message(path: Path, what: str) -> str:
    return (
        f"{path.name} is a {what}. Opening it runs any code stored inside it, which could "
        "harm your computer. Open it only if you made it or trust where it came from "
        "(in the app: choose Load once or Always trust this file; on the command line: add "
        "--trust-pickle)."
    )


def load_pickle(path: Path, trust: bool) -> Any:
    """joblib.load (which also reads plain pickles), only for a trusted file."""
    if not trust:
        raise UntrustedPickleError(untrusted_message(path, "pickle/joblib file"), path)
    import joblib

    try:
        return joblib.load(path)
    except (ModuleNotFoundError, ImportError, AttributeError) as error:
        raise ModelLoadError(
            f"{path.name} needs Python code that is not installed here ({error}). Install the "
            "package the model was made with, or save the model in a portable format "
            "(LightGBM .txt, XGBoost .json, CatBoost .cbm, skops).",
            path,
        ) from error
    except MemoryError as error:
        raise ModelLoadError(f"{path.name} is too large to load in memory.", path) from error
    except Exception as error:  # unpickling damaged bytes raises almost anything
        raise ModelLoadError(
            f"{path.name} could not be unpickled ({type(error).__name__}: "
            f"{str(error)[:200]}); the file is damaged or truncated.",
            path,
        ) from error


def load_skops(path: Path, trust: bool) -> Any:
    import skops.io as sio

    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as error:  # a damaged zip or schema
        raise ModelLoadError(
            f"{path.name} is not a readable skops file ({type(error).__name__}: "
            f"{str(error)[:200]}); save the model again with skops.io.dump.",
            path,
        ) from error
    unknown = sorted(untrusted - TREE_TYPES)
    if unknown and not trust:
        raise UntrustedPickleError(
            untrusted_message(
                path, "skops file with types skops does not vouch for: " + ", ".join(unknown[:6])
            ),
            path,
        )
    try:
        model = sio.load(path, trusted=sorted(untrusted))
    except Exception as error:
        raise ModelLoadError(
            f"skops could not load {path.name} ({type(error).__name__}: {str(error)[:200]}).",
            path,
        ) from error
    check_sklearn_trees(model, path)
    return model


def _module(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def adapter_for_object(path: Path, obj: Any) -> ModelAdapter:
    """Pick the adapter for an already-loaded model object (from skops or a trusted pickle)."""
    from app.core.explain.models.sklearn_trees import (
        UnsupportedTrees,
        forest_of,
        is_supported_tree_model,
    )

    module = _module(obj)
    if module == "lightgbm":
        from app.core.explain.models.lightgbm_model import LightGBMModel

        booster = getattr(obj, "booster_", obj)
        if not hasattr(booster, "model_to_string"):
            raise ModelLoadError(f"{path.name} holds an unfitted LightGBM model.", path)
        model = LightGBMModel(path, booster.model_to_string())
        classes = getattr(obj, "classes_", None)
        if classes is not None and model.task is Task.MULTICLASS:
            model.output_names = [str(c) for c in classes]
        model.info.extra["loaded_from"] = f"{type(obj).__name__} in a pickle (booster_)"
        return model
    if module == "xgboost":
        from app.core.explain.models.xgboost_model import from_xgboost_object

        return from_xgboost_object(path, obj)
    if module == "catboost":
        from app.core.explain.models.catboost_model import CatBoostModel

        return CatBoostModel(path, obj)
    check_sklearn_trees(obj, path)
    if type(obj).__name__ == "Pipeline":
        from app.core.explain.models.pipeline_model import (
            PipelineTreeModel,
            UnsupportedPipeline,
            column_transformer_schema,
            split_pipeline,
        )

        try:
            return PipelineTreeModel(path, obj)
        except (UnsupportedPipeline, UnsupportedTrees) as why:
            schema = None
            with contextlib.suppress(UnsupportedPipeline):
                schema = column_transformer_schema(split_pipeline(obj)[0])[0]
            return _agnostic(path, obj, f"pipeline not traced exactly: {why}", schema)
    if is_supported_tree_model(obj):
        from app.core.explain.models.sklearn_model import SklearnTreeModel

        try:
            return SklearnTreeModel(path, obj, forest_of(obj))
        except UnsupportedTrees as why:
            return _agnostic(path, obj, f"trees not usable for exact SHAP: {why}")
    if hasattr(obj, "predict"):
        return _agnostic(path, obj, "")
    raise ModelLoadError(
        f"{path.name} holds a {type(obj).__name__}, not a model with predict(); "
        "choose the file the trained model was saved to.",
        path,
    )


def _agnostic(path: Path, obj: Any, why: str, schema: Any = None) -> ModelAdapter:
    from app.core.explain.models.agnostic_model import AgnosticModel

    try:
        model = AgnosticModel(path, obj, schema)
    except ValueError as error:
        raise ModelLoadError(
            f"{path.name}: {error}; fit the model on a DataFrame so it knows its columns.", path
        ) from error
    if why:
        model.info.extra["why_sampled"] = why
    return model
