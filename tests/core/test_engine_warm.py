"""The warm-up compiles every family's kernels, so none is compiled (holding the GIL) mid-run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Compiled inside their callers (inlined or called only from other kernels): numba records no
# signature on their own dispatchers.
CALLEES = {
    "decision._generic_go_left",
    "decision.go_left",
    "interaction_kernels._divided_pair",
    "interaction_kernels._pair_q",
    "interaction_kernels.leaf_add",
    "interaction_kernels.leaf_pair_values",
    "interaction_kernels.leaf_pairs",
    "leaf_codes.distinct_codes",
    "leaf_codes.scatter_codes",
    "leaf_patterns.ones_polynomial",
    "leaf_patterns.walk_patterns",
    "oblivious_kernels._leaf_table",
    "quad_kernels.quad_leaf",
    "treeshap_kernels._leaf_phi",
}


def _signatures(script: str) -> dict[str, dict[str, int]]:
    """Run `script` after warm_up in a fresh interpreter (this one's earlier tests may have
    compiled kernels already); returns {stage: {module.kernel: signatures}}."""
    code = (
        textwrap.dedent(
            """
        import importlib, json, pkgutil
        from numba.core.registry import CPUDispatcher
        import app.core.explain.engine as E
        from app.core.explain.engine import warm_up

        def snap():
            out = {}
            for m in pkgutil.iter_modules(E.__path__):
                mod = importlib.import_module(f"app.core.explain.engine.{m.name}")
                for name, obj in vars(mod).items():
                    if isinstance(obj, CPUDispatcher) and obj.__module__ == mod.__name__:
                        out[f"{m.name}.{name}"] = len(obj.signatures)
            return out

        warm_up()
        stages = {"warm": snap()}
        """
        )
        + textwrap.dedent(script)
        + "\nprint(json.dumps(stages))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_warm_up_compiles_every_kernel_and_no_family_adds_a_signature() -> None:
    stages = _signatures(
        """
        import numpy as np
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from pathlib import Path
        from app.core.explain.models.sklearn_model import SklearnTreeModel
        from app.core.explain.models.sklearn_trees import forest_of
        from tests.core import hostile_models as H
        from app.core.data.model_io import load_model
        import catboost

        X, y = load_breast_cancer(return_X_y=True)
        X = X[:200, :6]
        y = y[:200]
        cb = catboost.CatBoostClassifier(iterations=5, depth=3, verbose=0, allow_writing_files=False)
        cb.fit(X, y)
        import tempfile, os, shutil
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "m.cbm")
        cb.save_model(path)
        models = [load_model(path), load_model(H.xgb_file("json"))]
        shutil.rmtree(folder)
        for est in (RandomForestClassifier(5, max_depth=4, random_state=0),
                    HistGradientBoostingClassifier(max_iter=5, random_state=0)):
            est.fit(X, y)
            models.append(SklearnTreeModel(Path("m.skops"), est, forest_of(est)))
        for model in models:
            rows = np.zeros((20, len(model.feature_names)))
            model.contributions(rows)
            model.contributions_one(rows[0])
            model.predict_raw(rows)
        stages["families"] = snap()
        """
    )
    warm, families = stages["warm"], stages["families"]
    kernels = set(warm) - CALLEES
    assert {"oblivious_kernels.shap_rows_oblivious", "interaction_rows.interaction_rows"} <= kernels
    assert [k for k in sorted(kernels) if warm[k] == 0] == []
    assert {k: (warm[k], n) for k, n in families.items() if n != warm[k]} == {}
