"""CatBoost models (.cbm). SHAP from ShapLens's engine over the oblivious trees when every split
is on a float feature or a one-hot categorical value; otherwise (CTRs, text features) CatBoost's own get_feature_importance(type="ShapValues"),
Regular (exact) mode, and ModelInfo says why.

CatBoost keeps categorical features as text and stores only hashes of the labels, so the
features are "open": alignment collects the labels found in the data and we hand CatBoost the
labels themselves; a label CatBoost never saw is handled by CatBoost as it would in predict.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.core.base.errors import ModelLoadError
from app.core.base.types import Task, Unit
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo, split_contributions
from app.core.explain.models.catboost_codes import MISSING_LABEL, CodeMap, label_hashes
from app.core.explain.models.tree_engine import record_path, try_engine

_TARGET_LOSSES = ("RMSE", "MAE", "Quantile", "MAPE", "Huber", "Lq", "Expectile", "MultiQuantile")


def loss_task(loss: str, n_classes: int) -> tuple[Task, Unit]:
    name = loss.split(":")[0]
    if name in ("MultiClass", "MultiClassOneVsAll") or n_classes > 2:
        return Task.MULTICLASS, Unit.LOG_ODDS if name == "MultiClass" else Unit.RAW_MARGIN
    if name in ("Logloss", "CrossEntropy"):
        return Task.BINARY, Unit.LOG_ODDS
    if name in _TARGET_LOSSES:
        return Task.REGRESSION, Unit.TARGET
    return Task.REGRESSION, Unit.RAW_MARGIN


class CatBoostModel(ModelAdapter):
    def __init__(self, path: Path, model: Any) -> None:
        self.path = path
        self.model = model
        names = [str(n) for n in model.feature_names_]
        self._cat_index = sorted(int(i) for i in model.get_cat_feature_indices())
        cats = set(self._cat_index)
        self.features = [
            FeatureSpec(n, [], open_categories=True) if i in cats else FeatureSpec(n)
            for i, n in enumerate(names)
        ]
        params = model.get_all_params() or {}
        loss = str(params.get("loss_function", "RMSE"))
        found = getattr(model, "classes_", None)
        classes = [] if found is None else list(found)
        task, unit = loss_task(loss, len(classes))
        if task is Task.MULTICLASS:
            self.output_names = [str(c) for c in classes] or ["0"]
        elif task is Task.BINARY:
            self.output_names = [str(classes[1])] if len(classes) == 2 else ["positive class"]
        else:
            self.output_names = ["output"]
        n_trees = int(model.tree_count_ or 0)
        if n_trees == 0:
            raise ModelLoadError(
                f"{path.name} contains no trees: there is nothing to explain.", path
            )
        self._lock = threading.Lock()
        self._codes: CodeMap | None = None
        self.info = ModelInfo(
            framework="CatBoost",
            task=task,
            unit=unit,
            objective=loss,
            n_trees=n_trees,
            extra={"categorical_features": [names[i] for i in self._cat_index]},
        )
        self.engine, why = try_engine(self._forest)
        record_path(
            self.info, self.engine, "exact TreeSHAP (CatBoost ShapValues, Regular mode)", why
        )

    def _forest(self) -> Any:
        from app.core.explain.engine.from_catboost import category_hashes, forest_from_catboost

        with tempfile.TemporaryDirectory(prefix="shaplens-cb-") as folder:
            target = Path(folder) / "model.json"
            self.model.save_model(str(target), format="json")
            exported = json.loads(target.read_text(encoding="utf-8"))
        names = self.feature_names
        forest = forest_from_catboost(exported, names, len(self.output_names), self.path.name)
        if self._cat_index:
            self._codes = CodeMap(self.features, category_hashes(exported), self._hashes_of)
        return forest

    def _hashes_of(self, X: np.ndarray) -> dict[str, int]:
        with self._lock:
            return label_hashes(self.model, self._pool(X))

    def _engine_input(self, X: np.ndarray) -> np.ndarray:
        """Categorical codes as the engine's one-hot positions (see catboost_codes)."""
        return X if self._codes is None else self._codes(X)

    def _pool(self, X: np.ndarray) -> Any:
        import catboost

        columns: dict[str, object] = {}
        for j, spec in enumerate(self.features):
            if spec.is_categorical:
                labels = np.array([*(spec.categories or []), MISSING_LABEL], dtype=object)
                codes = X[:, j]
                ok = ~np.isnan(codes) & (codes >= 0) & (codes < len(labels) - 1)
                index = np.where(ok, np.nan_to_num(codes), len(labels) - 1).astype(np.int64)
                columns[spec.name] = labels[index]
            else:
                columns[spec.name] = X[:, j]
        frame = pd.DataFrame(columns)
        return catboost.Pool(frame, cat_features=self._cat_index or None)

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        pool = self._pool(np.asarray(X, dtype=np.float64))
        with self._lock:
            raw = self.model.predict(pool, prediction_type="RawFormulaVal")
        return np.asarray(raw, dtype=np.float64).reshape(X.shape[0], -1)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions(self._engine_input(X))
        pool = self._pool(np.asarray(X, dtype=np.float64))
        with self._lock:
            shap = self.model.get_feature_importance(
                pool, type="ShapValues", shap_calc_type="Regular"
            )
        return split_contributions(shap, X.shape[0], len(self.features), self.n_outputs)

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions_one(self._engine_input(x.reshape(1, -1)))
        return self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))


def load_catboost_file(path: Path) -> CatBoostModel:
    import catboost

    from app.core.explain.models.probe import probe_model_file

    probe_model_file("catboost", path, "CatBoost")
    model = catboost.CatBoost()
    try:
        model.load_model(str(path))
    except catboost.CatBoostError as error:
        first = str(error).splitlines()[0][:300]
        raise ModelLoadError(f"CatBoost could not read {path.name}: {first}", path) from error
    return CatBoostModel(path, model)
