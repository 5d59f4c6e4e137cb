"""scikit-learn Pipelines (ColumnTransformer, then a tree ensemble), explained per input column.

The trees see the transformed columns (one-hot indicators, scaled numbers …). The user knows the
original columns, so each transformed column's contribution is summed back to the input column it
came from. Sums of SHAP values stay additive, so the result is still exact.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo
from app.core.explain.models.sklearn_model import SHAP_PATH, check_by_probe
from app.core.explain.models.sklearn_trees import (
    ForestShap,
    UnsupportedTrees,
    forest_engine,
    forest_of,
    raw_predict,
    round_like_sklearn,
)
from app.core.explain.models.tree_engine import record_path

ENCODERS = ("OneHotEncoder", "OrdinalEncoder", "TargetEncoder")


class UnsupportedPipeline(Exception):
    """The pipeline's columns cannot be traced back to its inputs (callers fall back)."""


def _steps(transformer: object) -> list[object]:
    steps = getattr(transformer, "steps", None)
    return [s for _, s in steps] if steps else [transformer]


def _encoder(transformer: object) -> object | None:
    for step in _steps(transformer):
        if type(step).__name__ in ENCODERS and hasattr(step, "categories_"):
            return step
    return None


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass
class InputSchema:
    """The pipeline's input columns, which are categorical, and the values behind each code."""

    features: list[FeatureSpec]
    values: dict[int, list[object]]  # feature index -> original category values, code order

    def frame(self, X: np.ndarray) -> pd.DataFrame:
        """Turn the aligned matrix (codes for categories) back into the frame the pipeline wants."""
        columns: dict[str, object] = {}
        for j, spec in enumerate(self.features):
            if j in self.values:
                lookup = np.array(self.values[j] + [np.nan], dtype=object)
                codes = X[:, j]
                index = np.where(np.isnan(codes), len(self.values[j]), codes).astype(np.int64)
                index = np.clip(index, 0, len(self.values[j]))
                columns[spec.name] = lookup[index]
            else:
                columns[spec.name] = X[:, j]
        return pd.DataFrame(columns)


def column_transformer_schema(ct: object) -> tuple[InputSchema, np.ndarray]:
    """Input schema and the (n_transformed, n_inputs) 0/1 matrix mapping outputs to inputs."""
    names = [str(n) for n in getattr(ct, "feature_names_in_", [])]
    if not names:
        raise UnsupportedPipeline("the ColumnTransformer was not fitted on named columns")
    to_inputs = getattr(ct, "_transformer_to_input_indices", None)
    slices = getattr(ct, "output_indices_", None)
    if to_inputs is None or slices is None:
        raise UnsupportedPipeline("unknown ColumnTransformer layout")
    n_out = max((s.stop for s in slices.values()), default=0)
    mapping = np.zeros((n_out, len(names)))
    values: dict[int, list[object]] = {}
    fitted = {name: trans for name, trans, _ in ct.transformers_}
    for name, out in slices.items():
        inputs = list(to_inputs.get(name, []))
        width = out.stop - out.start
        if width == 0 or not inputs:
            continue
        transformer = fitted.get(name, "passthrough")
        encoder = _encoder(transformer) if not isinstance(transformer, str) else None
        if encoder is not None:
            for i, cats in zip(inputs, encoder.categories_, strict=True):
                values[i] = [v for v in cats.tolist() if not _is_missing(v)]
        if len(inputs) == 1:
            mapping[out, inputs[0]] = 1.0
        elif encoder is not None and type(encoder).__name__ == "OneHotEncoder":
            widths = list(getattr(encoder, "_n_features_outs", []))
            if sum(widths) != width:
                raise UnsupportedPipeline("one-hot widths do not match")
            at = out.start
            for i, w in zip(inputs, widths, strict=True):
                mapping[at : at + w, i] = 1.0
                at += w
        elif width == len(inputs):
            mapping[np.arange(out.start, out.stop), inputs] = 1.0  # one output per input
        else:
            raise UnsupportedPipeline(f"cannot tell which inputs step '{name}' combines")
    features = [
        FeatureSpec(n, [str(v) for v in values[j]] if j in values else None)
        for j, n in enumerate(names)
    ]
    return InputSchema(features, values), mapping


def split_pipeline(pipeline: object) -> tuple[object, object]:
    steps = getattr(pipeline, "steps", None)
    if not steps or len(steps) != 2 or type(steps[0][1]).__name__ != "ColumnTransformer":
        raise UnsupportedPipeline("only ColumnTransformer → model pipelines are traced")
    return steps[0][1], steps[1][1]


def _dense(matrix: object) -> np.ndarray:
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    return np.asarray(matrix, dtype=np.float64)


class PipelineTreeModel(ModelAdapter):
    """ColumnTransformer + sklearn tree ensemble; SHAP values per original input column."""

    accepts_inf = False

    def __init__(self, path: Path, pipeline: object) -> None:
        self.path = path
        self.pipeline = pipeline
        self.preprocess, self.estimator = split_pipeline(pipeline)
        self.schema, self.mapping = column_transformer_schema(self.preprocess)
        self.forest = forest_of(self.estimator)
        if self.mapping.shape[0] != int(getattr(self.estimator, "n_features_in_", -1)):
            raise UnsupportedPipeline("transformed width differs from the model's input")
        self.features = self.schema.features
        self.output_names = list(self.forest.output_names)
        columns = [f"t{i}" for i in range(self.mapping.shape[0])]
        self.engine, why = forest_engine(self.forest, columns, path.name)
        if self.engine is None and self.forest.has_categorical:
            raise UnsupportedTrees(f"native categorical splits ({why})")
        self._shap = ForestShap(self.forest) if self.engine is None else None
        self.info = ModelInfo(
            framework="scikit-learn",
            task=self.forest.task,
            unit=self.forest.unit,
            objective=f"Pipeline → {type(self.estimator).__name__}",
            n_trees=len(self.forest.trees),
            extra={
                "explained_in": "original input columns: contributions of the columns a "
                "ColumnTransformer made (one-hot indicators, scaled values) are summed back "
                "to the input column each came from",
                "transformed_columns": int(self.mapping.shape[0]),
            },
        )
        record_path(self.info, self.engine, SHAP_PATH, why)

    def transform(self, X: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # unknown categories: reported by align
            return _dense(self.preprocess.transform(self.schema.frame(X)))

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        Xt = round_like_sklearn(self.forest, self.transform(X))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return raw_predict(self.estimator, Xt)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Xt = self.transform(X)
        explain = self.engine.contributions if self.engine is not None else self._shap.contributions
        values, base = explain(Xt)
        summed = np.einsum("rtk,ti->rik", values.astype(np.float64), self.mapping)
        return summed.astype(np.float32), base

    def check_input(self, X: np.ndarray) -> None:
        check_by_probe(self, X)
