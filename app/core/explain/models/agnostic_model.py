"""Any model with predict / predict_proba: shap's Permutation explainer over a background sample.

These values are estimates: they depend on the background rows (a fixed-seed sample of the
dataset) and on the permutations drawn. Permutation SHAP sums to f(x) - mean f(background) by
construction, but we measure the additivity rather than assume it and record it in ModelInfo.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np

from app.core.base.errors import AlignmentError, ExplainError
from app.core.base.types import Task, Unit
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo
from app.core.explain.models.pipeline_model import InputSchema
from app.core.explain.models.sklearn_model import (
    as_input,
    estimator_feature_names,
    probe_rows,
    refusal_message,
)
from app.core.explain.models.sklearn_trees import import_shap

BACKGROUND_ROWS = 100
SEED = 0
MAX_EVALS = 500


class AgnosticModel(ModelAdapter):
    """A model we can only call: sampled SHAP values in the unit of what it predicts."""

    needs_background = True

    def __init__(self, path: Path, estimator: object, schema: InputSchema | None = None) -> None:
        self.path = path
        self.estimator = estimator
        self.schema = schema
        if schema is not None:
            self.features = schema.features
        else:
            self.features = [FeatureSpec(n) for n in estimator_feature_names(estimator)]
        if not self.features:
            raise ValueError("the model does not say how many inputs it takes")
        classes = getattr(estimator, "classes_", None)
        self._proba = hasattr(estimator, "predict_proba") and classes is not None
        if self._proba:
            labels = [str(c) for c in classes]
            binary = len(labels) == 2
            task = Task.BINARY if binary else Task.MULTICLASS
            self.output_names = [labels[1]] if binary else labels
            unit = Unit.PROBABILITY
        else:
            task, unit, self.output_names = Task.REGRESSION, Unit.TARGET, ["output"]
        self.background: np.ndarray | None = None
        self._lock = threading.Lock()
        self.info = ModelInfo(
            framework=type(estimator).__module__.split(".")[0],
            task=task,
            unit=unit,
            objective=type(estimator).__name__,
            exact=False,
            explainer=f"shap Permutation (sampled; background of {BACKGROUND_ROWS} rows, seed "
            f"{SEED})",
            extra={"background_rows": 0, "additivity_error": None},
        )

    # The model may refuse inf; clipping to the largest float32 keeps tree-like models exact
    # and is reported by align.
    accepts_inf = False

    def _frame_or_array(self, X: np.ndarray) -> object:
        if self.schema is not None:
            return self.schema.frame(X)
        return as_input(self.estimator, X)

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        data = self._frame_or_array(np.asarray(X, dtype=np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if self._proba:
                out = np.asarray(self.estimator.predict_proba(data), dtype=np.float64)
                return out[:, 1:2] if out.shape[1] == 2 else out
            out = np.asarray(self.estimator.predict(data), dtype=np.float64)
        return out.reshape(X.shape[0], -1)

    def set_background(self, X: np.ndarray) -> None:
        rng = np.random.default_rng(SEED)
        n = min(BACKGROUND_ROWS, X.shape[0])
        rows = np.sort(rng.choice(X.shape[0], size=n, replace=False)) if n else np.arange(0)
        self.background = np.array(X[rows], dtype=np.float64)
        self.info.extra["background_rows"] = int(n)
        self.info.explainer = f"shap Permutation (sampled; background of {n} rows, seed {SEED})"

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shap = import_shap()
        X = np.asarray(X, dtype=np.float64)
        if self.background is None:
            if X.shape[0] < 2:
                raise ExplainError(
                    "This model is explained by sampling and needs dataset rows as background; "
                    "load a dataset first."
                )
            self.set_background(X)
        n_features = len(self.features)
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            masker = shap.maskers.Independent(self.background, max_samples=BACKGROUND_ROWS)
            explainer = shap.explainers.Permutation(self.predict_raw, masker, seed=SEED)
            result = explainer(X, max_evals=max(MAX_EVALS, 2 * n_features + 1), silent=True)
        k = self.n_outputs
        values = np.asarray(result.values, dtype=np.float64).reshape(X.shape[0], n_features, k)
        base_rows = np.asarray(result.base_values, dtype=np.float64).reshape(X.shape[0], k)
        base = base_rows[0] if X.shape[0] else np.zeros(k)
        if X.shape[0]:
            error = float(np.max(np.abs(values.sum(axis=1) + base - self.predict_raw(X))))
            previous = self.info.extra.get("additivity_error") or 0.0
            self.info.extra["additivity_error"] = max(float(previous), error)
        return values.astype(np.float32), base

    def check_input(self, X: np.ndarray) -> None:
        if X.shape[0] == 0:
            return
        try:
            self.predict_raw(probe_rows(X))
        except (ValueError, TypeError) as error:
            raise AlignmentError(refusal_message(self.path.name, error), self.path) from error
