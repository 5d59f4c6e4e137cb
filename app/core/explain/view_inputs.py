"""What a view's data function receives: the loaded model, data and explanation, and the
user's choices. Plain data (no Qt), so the function runs in a worker and in a test alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.base.types import Explanation
from app.core.data.align import AlignedData
from app.core.explain.models.base import ModelAdapter


@dataclass(frozen=True)
class ViewInputs:
    model: ModelAdapter
    data: AlignedData
    explanation: Explanation  # complete or partial: `explanation.rows` says which rows
    output: int  # the class every view follows (0 for binary and regression)
    output_name: str
    selected_row: int | None
    visible_rows: np.ndarray  # row positions passing the filter (int64, sorted)
