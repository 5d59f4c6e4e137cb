"""HistGradientBoosting trees as node arrays, including native categorical splits.

A categorical HistGradientBoosting model ordinal-encodes its categorical columns first (its
`_preprocessor` puts them before the numerical ones and maps each raw value to a code), and its
splits test codes: in the split's left bitset -> left, another known code -> right, an unknown
code, NaN or a negative value -> where missing values go. We express each split directly on the
raw values ShapLens feeds the model (small non-negative whole numbers) as one "goes left" bitset,
with codes outside it sent the missing-value way, so the engine needs no encoding step.
"""

from __future__ import annotations

import numpy as np

from app.core.explain.models.sklearn_trees import UnsupportedTrees

MAX_RAW_CATEGORY = 1 << 16  # bitset words per split stay small


def _bit(words: np.ndarray, code: int) -> bool:
    return bool((int(words[code >> 5]) >> (code & 31)) & 1)


def input_layout(model: object) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Original column of each column the trees see, and the raw value behind each code."""
    n = int(model.n_features_in_)
    pre = getattr(model, "_preprocessor", None)
    if pre is None:
        is_cat = getattr(model, "is_categorical_", None)
        codes = {} if is_cat is None else {int(j): np.arange(256.0) for j in np.flatnonzero(is_cat)}
        return np.arange(n), codes
    slices = pre.output_indices_
    is_cat = np.asarray(model.is_categorical_, dtype=bool)
    origin = np.zeros(n, np.int64)
    enc, num = slices["encoder"], slices["numerical"]
    origin[enc] = np.flatnonzero(is_cat)
    origin[num] = np.flatnonzero(~is_cat)
    encoder = pre.named_transformers_["encoder"]
    raw: dict[int, np.ndarray] = {}
    for j, cats in zip(range(enc.start, enc.stop), encoder.categories_, strict=True):
        try:
            values = np.asarray(cats, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise UnsupportedTrees("categories are text, not numeric codes") from error
        values = values[~np.isnan(values)]
        if values.size and (
            np.any(values < 0)
            or np.any(values != np.floor(values))
            or values.max() >= MAX_RAW_CATEGORY
        ):
            raise UnsupportedTrees("categories are not small non-negative whole numbers")
        raw[j] = values
    return origin, raw


def left_bitset(
    raw_values: np.ndarray, left_words: np.ndarray, known_words: np.ndarray, missing_left: bool
) -> np.ndarray:
    """Bitset over raw values of the values that go left (unknown ones follow missing values)."""
    top = int(raw_values.max()) if raw_values.size else 0
    size = top // 32 + 1
    bits = np.full(size * 32, missing_left, dtype=bool)
    for code, value in enumerate(raw_values[:256].astype(np.int64)):
        if _bit(left_words, code):
            bits[value] = True
        elif _bit(known_words, code):
            bits[value] = False
    weights = (np.uint64(1) << np.arange(32, dtype=np.uint64)).astype(np.uint64)
    return (bits.reshape(size, 32).astype(np.uint64) * weights).sum(axis=1).astype(np.uint32)


def hist_trees(model: object, k: int) -> list[dict[str, np.ndarray]]:
    """Every predictor's nodes as a node-array tree (see app.core.explain.engine.from_nodes)."""
    origin, raw = input_layout(model)
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    trees = []
    for iteration in model._predictors:
        for j, predictor in enumerate(iteration):
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            left = np.where(leaf, -1, nodes["left"]).astype(np.int32)
            right = np.where(leaf, -1, nodes["right"]).astype(np.int32)
            value = np.zeros((len(nodes), k))
            value[:, j] = nodes["value"]
            feature = nodes["feature_idx"].astype(np.int64)
            cat_left: dict[int, np.ndarray] = {}
            for node in np.flatnonzero(nodes["is_categorical"].astype(bool) & ~leaf):
                f = int(feature[node])
                if f not in raw:
                    raise UnsupportedTrees("a categorical split on an unknown column")
                cat_left[int(node)] = left_bitset(
                    raw[f],
                    predictor.raw_left_cat_bitsets[int(nodes["bitset_idx"][node])],
                    known[int(f_idx_map[f])],
                    bool(nodes["missing_go_to_left"][node]),
                )
            trees.append(
                {
                    "children_left": left,
                    "children_right": right,
                    "children_default": np.where(nodes["missing_go_to_left"] > 0, left, right),
                    "features": np.where(leaf, -2, origin[feature]).astype(np.int32),
                    "thresholds": nodes["num_threshold"].astype(np.float64),
                    "values": value,
                    "node_sample_weight": np.maximum(nodes["count"].astype(np.float64), 1e-9),
                    "cat_left": cat_left,
                }
            )
    return trees
