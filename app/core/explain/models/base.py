"""The interface every model framework is wrapped in.

An adapter knows the model's features (names, which are categorical and their labels), its task
and output unit, how to turn a DataFrame into the numeric matrix the model consumes, how to predict
raw outputs from that matrix, and how to compute SHAP contributions for it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.core.base.types import Task, Unit


@dataclass
class FeatureSpec:
    """One model input: its name and, for a categorical feature, the labels its codes stand for."""

    name: str
    categories: list[str] | None = None  # code i means categories[i]; None for numeric
    # True when the model does not store its category labels (CatBoost hashes them): alignment
    # appends labels it meets in the data, and the model itself decides about unseen ones.
    open_categories: bool = False

    @property
    def is_categorical(self) -> bool:
        return self.categories is not None


@dataclass
class ModelInfo:
    """Facts about a loaded model for display (overview panel, captions, reports)."""

    framework: str
    task: Task
    unit: Unit
    objective: str = ""
    n_trees: int = 0
    exact: bool = True  # False for model-agnostic (sampled) explainers
    explainer: str = "exact TreeSHAP"
    extra: dict[str, object] = field(default_factory=dict)


def display_output_name(name: str) -> str:
    """How the window names an output: a bare class code reads as "class 2"; labels stay."""
    return f"class {name}" if name.lstrip("-").isdigit() else name


def split_contributions(
    contrib: np.ndarray, n_rows: int, n_features: int, n_outputs: int
) -> tuple[np.ndarray, np.ndarray]:
    """(values (n, features, outputs) float32, base values (outputs,)) from a library's own
    TreeSHAP output: LightGBM `pred_contrib`, XGBoost `pred_contribs` and CatBoost `ShapValues`
    all lay a row out as one block per output of the features' values then the bias."""
    blocks = np.asarray(contrib, dtype=np.float64).reshape(n_rows, n_outputs, n_features + 1)
    values = np.ascontiguousarray(blocks[:, :, :n_features].transpose(0, 2, 1), np.float32)
    base = blocks[0, :, n_features].copy() if n_rows else np.zeros(n_outputs)
    return values, base


def explainer_text(info: ModelInfo) -> str:
    """The explainer's name, with the reason when a tree model could not use the engine."""
    why = info.extra.get("engine_fallback")
    return f"{info.explainer} (not the ShapLens engine: {why})" if why else info.explainer


class ModelAdapter(ABC):
    """A loaded model. Matrices are float64, columns in `features` order, categories as codes."""

    path: Path
    features: list[FeatureSpec]
    info: ModelInfo
    # One per output column of raw output / SHAP values: the class as the model knows it ("0",
    # "<=50K"; never a display string), so exported columns read shap:<class>:<feature>.
    output_names: list[str]
    # False when the model refuses ±inf (XGBoost, scikit-learn): alignment then clips ±inf to
    # the largest finite float32, which every tree routes the same way as inf.
    accepts_inf: bool = True
    # True for sampled explainers that need rows of the dataset as background (set_background).
    needs_background: bool = False

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def task(self) -> Task:
        return self.info.task

    @property
    def unit(self) -> Unit:
        return self.info.unit

    @property
    def n_outputs(self) -> int:
        return len(self.output_names)

    @abstractmethod
    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        """Raw model output (log-odds / margin / value), shape (n_rows, n_outputs), float64."""

    @abstractmethod
    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SHAP values (n_rows, n_features, n_outputs) float32 and base values (n_outputs,)."""

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lowest-latency path for a single clicked row; adapters override when they can."""
        return self.contributions(x.reshape(1, -1))

    def set_background(self, X: np.ndarray) -> None:  # noqa: B027 - optional hook
        """Give a sampled explainer rows of the dataset to draw its background sample from."""

    def check_input(self, X: np.ndarray) -> None:  # noqa: B027 - optional hook
        """Raise AlignmentError when the model would refuse this input (e.g. NaN it cannot take).

        Called by align() after building X, so problems surface at load time, not mid-run.
        """

    def raw_to_prediction(self, raw: np.ndarray) -> np.ndarray:
        """Map raw outputs to what a user reads: probabilities for classifiers, values otherwise."""
        if self.task is Task.BINARY and self.unit is Unit.LOG_ODDS:
            return 1.0 / (1.0 + np.exp(-raw))
        if self.task is Task.MULTICLASS and self.unit is Unit.LOG_ODDS:
            shifted = raw - raw.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            return exp / exp.sum(axis=1, keepdims=True)
        return raw

    def file_bytes_for_hash(self) -> bytes:
        """The bytes that identify this model for caching (the file as loaded)."""
        from app.core.base.input_gate import MODEL_FILE, read_input

        return read_input(self.path, MODEL_FILE)
