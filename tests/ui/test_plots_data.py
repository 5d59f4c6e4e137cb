"""Small synthetic plot-ready data shared by the plot and export tests (no model needed)."""

from __future__ import annotations

import numpy as np

from app.core.base.types import Unit
from app.core.explain import views
from app.core.explain.models.base import FeatureSpec

LONG_NAME = "average_monthly_balance_of_the_primary_checking_account_over_the_last_year"


def importance() -> views.ImportanceData:
    names = ["age", LONG_NAME, "income", "job", "hours"]
    mean_abs = np.array([[0.9], [0.6], [0.4], [0.2], [0.05]])
    return views.importance(mean_abs, names, Unit.LOG_ODDS, 2_000, 48_842)


def beeswarm(n_rows: int = 300, seed: int = 0) -> views.BeeswarmData:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.normal(40, 10, n_rows), rng.integers(0, 4, n_rows), rng.normal(size=n_rows)]
    )
    X[::17, 2] = np.nan  # some missing values: drawn grey
    # SHAP grows with the feature value, so high (red) sits right and low (blue) left.
    values = np.stack([(X[:, 0] - 40) / 10, X[:, 1] - 1.5, np.nan_to_num(X[:, 2])], axis=1)
    specs = [FeatureSpec("age"), FeatureSpec("job", ["a", "b", "c", "d"]), FeatureSpec(LONG_NAME)]
    return views.beeswarm(
        values[:, :, None].astype(np.float32), X, specs, None, Unit.LOG_ODDS,
        ["age", "job", LONG_NAME], rows=np.arange(n_rows) + 1000,
    )  # fmt: skip


def waterfall() -> views.WaterfallData:
    shap = np.array([0.8, -0.5, 0.3, -0.2, 0.1, 0.05, -0.04, 0.03, 0.02, -0.01, 0.01, 0.005])
    names = [LONG_NAME if i == 1 else f"feature_{i}" for i in range(shap.size)]
    return views.waterfall(
        17, shap, -1.2, [f"v{i}" for i in range(shap.size)], names, Unit.LOG_ODDS,
        "P(positive class) = 0.62",
    )  # fmt: skip
