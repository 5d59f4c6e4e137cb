"""One row explained by two model versions, side by side with the same features in the same
order, so a contribution that grew, shrank or changed sign is read straight across."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.core.base.formatting import feature_value
from app.core.base.types import Task
from app.core.data.align import align
from app.core.explain.models.base import ModelAdapter, display_output_name
from app.core.explain.views import (
    WaterfallData,
    WaterfallStep,
    display_values,
    other_features_label,
    prediction_text,
)


def aligned_waterfalls(
    model_a: ModelAdapter,
    model_b: ModelAdapter,
    frame: pd.DataFrame,
    row: int,
    *,
    top: int = 10,
) -> tuple[WaterfallData, WaterfallData]:
    """One row explained by both models, the same features in the same order in both.

    The order is A's: its `top` features by |SHAP| (then B-only features by B's |SHAP|), the
    rest folded into one bar, so a bar that grew, shrank or changed sign is read across directly.
    Multiclass shows the class A predicts. Each waterfall ends at that model's raw output.
    """
    one = frame.iloc[[int(row)]]
    x_a, x_b = align(model_a, one).X[0], align(model_b, one).X[0]
    raw_a, raw_b = model_a.predict_raw(x_a.reshape(1, -1)), model_b.predict_raw(x_b.reshape(1, -1))
    output = int(np.argmax(raw_a[0])) if model_a.task is Task.MULTICLASS else 0
    phi_a, base_a = _row_shap(model_a, x_a, output)
    phi_b, base_b = _row_shap(model_b, x_b, output)
    names_a, names_b = model_a.feature_names, model_b.feature_names
    order = [names_a[i] for i in np.argsort(-np.abs(list(phi_a.values())), kind="stable")]
    only_b = [n for n in names_b if n not in phi_a]
    order += sorted(only_b, key=lambda n: -abs(phi_b[n]))
    shown, folded = order[:top], order[top:]
    captions = [
        f"{n} = {feature_value(v)}"
        for n, v in zip(shown, display_values(one, shown, 0), strict=True)
    ]

    def build(model: ModelAdapter, phi: dict[str, float], base: float, raw: np.ndarray):
        desc = [(c, phi.get(n, 0.0), n, 1) for c, n in zip(captions, shown, strict=True)]
        if folded:
            label = other_features_label(len(folded))
            desc.append((label, float(sum(phi.get(n, 0.0) for n in folded)), None, len(folded)))
        steps, running = [], base
        for label, value, feature, count in reversed(desc):  # folded first, largest on top
            steps.append(WaterfallStep(label, value, running, feature, count))
            running += value
        name = (
            display_output_name(model.output_names[output]) if model.task is Task.MULTICLASS else ""
        )
        text = prediction_text(model, raw[0], output)
        return WaterfallData(int(row), base, running, steps, model.unit, text, name)

    return build(model_a, phi_a, base_a, raw_a), build(model_b, phi_b, base_b, raw_b)


def _row_shap(model: ModelAdapter, x: np.ndarray, output: int) -> tuple[dict[str, float], float]:
    values, base = model.contributions_one(x)
    phi = np.asarray(values, dtype=np.float64).reshape(-1, model.n_outputs)[:, output]
    base_value = float(np.asarray(base, dtype=np.float64).reshape(-1)[output])
    return dict(zip(model.feature_names, phi.tolist(), strict=True)), base_value
