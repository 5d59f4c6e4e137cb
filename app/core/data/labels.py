"""Label columns as numbers the metrics can use: one encoder for every caller.

The model-debugging views, the report, `shaplens audit` and the model comparison all judge a model
against a label, so they must read the same label the same way. A number outside the model's
classes (2 for a binary model, 1.5, -1) is refused, not re-coded: re-coding {1, 2} to {0, 1} by
sorting the numbers as text would be right for some files and silently wrong for others ("10"
sorts before "2"), and a wrong label gives believable but wrong metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.core.base.errors import ShapLensError
from app.core.base.types import Task


class LabelError(ShapLensError):
    """The label column cannot be matched to the model's outputs."""


def encode_labels(labels: np.ndarray | pd.Series, task: Task, n_classes: int = 2) -> np.ndarray:
    """Labels as float64: class indices (NaN where missing) for classifiers, values otherwise.

    Text labels of a classifier map to indices in sorted order, as scikit-learn's LabelEncoder
    does, so for a binary model the positive class is the larger value (">50K" over "<=50K").
    """
    series = pd.Series(labels)
    if task is Task.REGRESSION:
        values = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        return values
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64").to_numpy()
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.notna().sum() == series.notna().sum():
        values = numeric.to_numpy(np.float64, na_value=np.nan)
        known = values[~np.isnan(values)]
        bad = known[(known != np.round(known)) | (known < 0) | (known >= n_classes)]
        if bad.size:
            raise LabelError(
                f"The label holds {bad[0]:g}, but the model has {n_classes} classes "
                f"(expected 0 … {n_classes - 1}). Choose the right label column."
            )
        return values
    levels = sorted(series.dropna().astype(str).unique().tolist())
    if len(levels) > n_classes:
        shown = ", ".join(levels[:6])
        raise LabelError(
            f"The label has {len(levels)} distinct values ({shown} …) but the model has "
            f"{n_classes} classes. Choose the right label column."
        )
    mapping = {level: float(i) for i, level in enumerate(levels)}
    text = series.astype("string")
    return text.map(mapping).astype("float64").to_numpy(np.float64, na_value=np.nan)
