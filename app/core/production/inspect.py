"""What is this model? Framework, task, size of the forest, features used, cost in memory.

Everything here reads the loaded adapter; framework details come through `getattr` so a model
type without trees (or without a booster) simply leaves those fields empty. LightGBM answers
split counts and gain from `booster.feature_importance`, the tree shapes from `dump_model()`;
XGBoost from `get_score` and its JSON dump. Mean |SHAP| per feature comes from a sample of the
data when data is given (or from an Explanation already computed).

Memory "once loaded" is measured by loading the file again: the process's resident-set growth
(psutil, which sees the framework's C++ allocations) and the Python-heap peak (tracemalloc). It is
the cost of one more copy with the libraries already imported, and it is noisy by a few MB when
other threads allocate at the same time.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.core.base.types import Explanation
from app.core.explain.models.base import ModelAdapter
from app.core.production.forest_shape import forest_shape

SHAP_SAMPLE_ROWS = 1_000
# Training parameters worth a line of their own in the overview (the rest stay in `params`).
# Per framework: the same name means different things (LightGBM's alpha is a Huber quantile).
KEY_PARAMS = {
    "LightGBM": (
        "boosting", "objective", "num_iterations", "learning_rate", "num_leaves", "max_depth",
        "min_data_in_leaf", "feature_fraction", "bagging_fraction", "bagging_freq", "lambda_l1",
        "lambda_l2", "min_gain_to_split", "max_bin", "seed",
    ),
    "XGBoost": (
        "objective", "num_boost_round", "eta", "max_depth", "min_child_weight", "gamma",
        "subsample", "colsample_bytree", "lambda", "alpha", "max_bin", "tree_method", "seed",
    ),
}  # fmt: skip


@dataclass
class TreeStats:
    n_trees: int
    leaves_total: int
    leaves_mean: float
    leaves_max: int
    depth_mean: float
    depth_max: int


@dataclass
class FeatureSummary:
    name: str
    categorical: bool
    n_categories: int
    split_count: int | None  # times the feature is split on, over all trees
    gain: float | None  # total loss reduction of those splits
    mean_abs_shap: float | None  # on the data given, summed over outputs

    @property
    def used(self) -> bool | None:
        return None if self.split_count is None else self.split_count > 0


@dataclass
class ModelOverview:
    path: str
    framework: str
    task: str
    objective: str
    unit: str
    outputs: list[str]
    explainer: str
    file_bytes: int
    trees: TreeStats | None
    features: list[FeatureSummary]
    params: dict[str, Any] = field(default_factory=dict)
    memory_rss_bytes: int | None = None  # resident-set growth when loading one more copy
    memory_python_peak_bytes: int | None = None  # Python heap peak during that load
    shap_rows: int = 0

    @property
    def used_features(self) -> list[str]:
        return [f.name for f in self.features if f.used is not False]

    @property
    def unused_features(self) -> list[str]:
        return [f.name for f in self.features if f.used is False]

    @property
    def categorical_features(self) -> list[str]:
        return [f.name for f in self.features if f.categorical]

    def key_params(self) -> dict[str, Any]:
        keys = KEY_PARAMS.get(self.framework, ())
        return {k: self.params[k] for k in keys if k in self.params}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["used_features"] = self.used_features
        out["unused_features"] = self.unused_features
        out["categorical_features"] = self.categorical_features
        return out


def _stats(leaves: list[int], depths: list[int]) -> TreeStats | None:
    if not leaves:
        return None
    return TreeStats(
        n_trees=len(leaves),
        leaves_total=int(sum(leaves)),
        leaves_mean=float(np.mean(leaves)),
        leaves_max=int(max(leaves)),
        depth_mean=float(np.mean(depths)),
        depth_max=int(max(depths)),
    )


def _depth(node: dict[str, Any], children: tuple[str, str]) -> int:
    """Depth in edges from this node to its deepest leaf (iterative: trees can be deep)."""
    deepest, stack = 0, [(node, 0)]
    while stack:
        current, d = stack.pop()
        kids = []
        for key in children:  # LightGBM names each child; XGBoost lists them under "children"
            kid = current.get(key)
            kids.extend(kid if isinstance(kid, list) else [] if kid is None else [kid])
        if not kids:
            deepest = max(deepest, d)
        stack.extend((k, d + 1) for k in kids)
    return deepest


def tree_stats(model: ModelAdapter) -> TreeStats | None:
    """Trees, leaves and depth (mean/max) for LightGBM and XGBoost; None for other models."""
    # By the adapter's framework, not by duck typing: xgboost 3.2's Booster has a dump_model too.
    framework = model.info.framework
    engine = getattr(model, "engine", None)
    if framework in ("LightGBM", "XGBoost") and engine is not None:
        return _stats(*forest_shape(engine.forest))  # no JSON parse holding the GIL
    booster = getattr(model, "booster", None)
    if booster is None:
        return None
    if framework == "LightGBM":
        info = booster.dump_model().get("tree_info", [])
        leaves = [int(t["num_leaves"]) for t in info]
        depths = [_depth(t["tree_structure"], ("left_child", "right_child")) for t in info]
        return _stats(leaves, depths)
    if framework == "XGBoost":
        trees = [json.loads(t) for t in booster.get_dump(dump_format="json")]
        depths, leaves = [], []
        for tree in trees:
            depths.append(_depth(tree, ("children",)) if "children" in tree else 0)
            leaves.append(sum(1 for _ in _xgb_leaves(tree)))
        return _stats(leaves, depths)
    return None


def _xgb_leaves(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if "children" in node:
            stack.extend(node["children"])
        else:
            yield node


def split_and_gain(model: ModelAdapter) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Split counts and total gain per model feature, or (None, None) when the model can't say."""
    booster = getattr(model, "booster", None)
    n = len(model.features)
    framework = model.info.framework
    if booster is not None and framework == "LightGBM":
        split = np.asarray(booster.feature_importance("split"), dtype=np.int64)
        gain = np.asarray(booster.feature_importance("gain"), dtype=np.float64)
        if split.size == n:
            return split, gain
    if booster is not None and framework == "XGBoost":  # by feature name
        weight = booster.get_score(importance_type="weight")
        gain = booster.get_score(importance_type="total_gain")
        names = model.feature_names
        return (
            np.array([int(weight.get(f, 0)) for f in names], dtype=np.int64),
            np.array([float(gain.get(f, 0.0)) for f in names], dtype=np.float64),
        )
    return None, None


def training_params(model: ModelAdapter) -> dict[str, Any]:
    """The training parameters stored in the file, as far as the framework keeps them."""
    booster = getattr(model, "booster", None)
    params = getattr(booster, "params", None)
    if isinstance(params, dict) and params:
        return {str(k): v for k, v in params.items()}
    if booster is not None and hasattr(booster, "save_config"):  # XGBoost
        try:
            config = json.loads(booster.save_config())
        except (ValueError, TypeError):
            return {}
        learner = config.get("learner", {})
        out: dict[str, Any] = {}
        for section in ("learner_train_param", "generic_param"):
            out |= learner.get(section, {})
        updater = learner.get("gradient_booster", {}).get("tree_train_param", {})
        return out | updater
    return dict(model.info.extra)


def measure_load_memory(path: str | Path, trust_pickle: bool = False) -> tuple[int, int]:
    """(resident-set growth, Python heap peak) in bytes for loading `path` once more.

    `trust_pickle` carries the trust the first load was given: without it a pickle the user
    allowed once (--trust-pickle) was refused on this second load."""
    import psutil

    from app.core.data.model_io import load_model

    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    tracemalloc.start()
    try:
        model = load_model(path, trust_pickle=trust_pickle)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    grown = process.memory_info().rss - before
    del model
    return max(int(grown), 0), int(peak)


def inspect_model(
    model: ModelAdapter,
    X: np.ndarray | None = None,
    *,
    explanation: Explanation | None = None,
    shap_rows: int = SHAP_SAMPLE_ROWS,
    measure_memory: bool = True,
    trust_pickle: bool = False,
    seed: int = 0,
) -> ModelOverview:
    """Everything the overview shows. `X` (aligned model input) adds mean |SHAP| per feature."""
    split, gain = split_and_gain(model)
    mean_abs: np.ndarray | None = None
    used_rows = 0
    if explanation is not None and explanation.n_rows:
        mean_abs = np.abs(explanation.values).mean(axis=0, dtype=np.float64).sum(axis=1)
        used_rows = explanation.n_rows
    elif X is not None and X.shape[0]:
        rows = np.arange(X.shape[0])
        if rows.size > shap_rows:
            rows = np.sort(np.random.default_rng(seed).choice(rows.size, shap_rows, replace=False))
        values, _ = model.contributions(X[rows])
        mean_abs = np.abs(values).mean(axis=0, dtype=np.float64).sum(axis=1)
        used_rows = rows.size
    features = [
        FeatureSummary(
            name=spec.name,
            categorical=spec.is_categorical,
            n_categories=len(spec.categories or []),
            split_count=None if split is None else int(split[j]),
            gain=None if gain is None else float(gain[j]),
            mean_abs_shap=None if mean_abs is None else float(mean_abs[j]),
        )
        for j, spec in enumerate(model.features)
    ]
    path = Path(getattr(model, "path", ""))
    rss, peak = (None, None)
    if measure_memory and path.is_file():
        rss, peak = measure_load_memory(path, trust_pickle)
    info = model.info
    return ModelOverview(
        path=str(path),
        framework=info.framework,
        task=info.task.value,
        objective=info.objective,
        unit=info.unit.value,
        outputs=list(model.output_names),
        explainer=info.explainer,
        file_bytes=path.stat().st_size if path.is_file() else 0,
        trees=tree_stats(model),
        features=features,
        params=training_params(model),
        memory_rss_bytes=rss,
        memory_python_peak_bytes=peak,
        shap_rows=used_rows,
    )


def _size(n: int | None) -> str:
    if n is None:
        return "not measured"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def overview_lines(o: ModelOverview) -> list[tuple[str, str]]:
    """(label, value) pairs for the overview panel and the CLI."""
    lines = [
        ("File", f"{Path(o.path).name} ({_size(o.file_bytes)})"),
        ("Framework", o.framework),
        ("Task", f"{o.task} — objective {o.objective or 'unknown'}"),
        ("Output", f"{', '.join(o.outputs)} in {o.unit}"),
        ("Explainer", o.explainer),
    ]
    if o.trees is not None:
        t = o.trees
        lines += [
            ("Trees", f"{t.n_trees:,} ({t.leaves_total:,} leaves)"),
            ("Leaves per tree", f"mean {t.leaves_mean:.1f}, max {t.leaves_max}"),
            ("Depth", f"mean {t.depth_mean:.1f}, max {t.depth_max}"),
        ]
    unused = o.unused_features
    lines += [
        ("Features", f"{len(o.features)} ({len(o.features) - len(unused)} used)"),
        ("Unused", ", ".join(unused) if unused else "none"),
        ("Categorical", ", ".join(o.categorical_features) or "none"),
        ("Memory (loaded)", f"{_size(o.memory_rss_bytes)} resident, "
                            f"{_size(o.memory_python_peak_bytes)} Python peak"),
    ]  # fmt: skip
    lines += [(f"  {k}", str(v)) for k, v in o.key_params().items()]
    return lines


def format_overview(o: ModelOverview) -> str:
    """Plain-text overview with the per-feature table, for the terminal."""
    width = max(len(k) for k, _ in overview_lines(o))
    text = [f"{k:<{width}}  {v}" for k, v in overview_lines(o)]
    order = sorted(o.features, key=lambda f: -(f.mean_abs_shap or f.gain or 0.0))
    text += ["", f"{'feature':<24}{'type':>12}{'splits':>9}{'gain':>14}{'mean |SHAP|':>13}"]
    for f in order:
        kind = f"cat ({f.n_categories})" if f.categorical else "numeric"
        splits = "-" if f.split_count is None else f"{f.split_count:,}"
        gain = "-" if f.gain is None else f"{f.gain:,.1f}"
        shap = "-" if f.mean_abs_shap is None else f"{f.mean_abs_shap:.4f}"
        text.append(f"{f.name:<24}{kind:>12}{splits:>9}{gain:>14}{shap:>13}")
    return "\n".join(text)
