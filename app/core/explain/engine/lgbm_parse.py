"""LightGBM models (native text format and `dump_model()` JSON) into `ForestArrays`.

The parser reads every field it needs, checks counts and cross-references, and raises
ModelLoadError on any damage. LightGBM itself trusts `tree_sizes` and array lengths when it
loads text, and a truncated file can crash the process; callers therefore run `parse_text`
(which validates) before handing the same text to `lightgbm.Booster`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

from app.core.explain.engine.lgbm_text_checks import (
    TREE_KEYS_ALWAYS,
    TREE_KEYS_SPLITS,
    check_block_shape,
    check_header,
    check_header_lines,
    check_tail,
    check_tree_sizes,
)
from app.core.explain.engine.tree_arrays import (
    CATEGORICAL_BIT,
    DEFAULT_LEFT_BIT,
    MISSING_NAN,
    MISSING_NONE,
    MISSING_ZERO,
    ForestArrays,
    _fail,
    validate,
)
from app.core.explain.models.model_schemas import LgbDump, LgbTreeInfo, ModelSchemaError, check

_MISSING = {"None": MISSING_NONE, "Zero": MISSING_ZERO, "NaN": MISSING_NAN}
# Category bitsets of a JSON dump are built from the category numbers; this many 32-bit words
# (64 million categories over all splits) is far beyond LightGBM's own limits.
MAX_CATEGORY_WORDS = 1 << 21


# Number formats LightGBM writes and reads back; anything else (Python's "1_0", "infinity",
# stray letters) would make LightGBM's own parser fail inside a parallel region and abort.
_FLOAT = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan)"
_FLOAT_LINE = re.compile(rf"(?:{_FLOAT}(?: {_FLOAT})*)?")
_INT_LINE = re.compile(r"(?:-?\d{1,18}(?: -?\d{1,18})*)?")
# Optional per-tree arrays LightGBM reads with a fixed count: (key, per split or per leaf).
_OPTIONAL_ARRAYS = (
    ("split_gain", 0),
    ("leaf_weight", 1),
    ("internal_value", 0),
    ("internal_weight", 0),
)


def _numbers(
    block: dict[str, str], key: str, n: int, dtype: type, source: str, tree: int
) -> np.ndarray:
    raw = block.get(key)
    if raw is None:
        raise _fail(source, f"tree {tree} has no {key} line")
    pattern = _FLOAT_LINE if dtype is np.float64 else _INT_LINE
    if not pattern.fullmatch(raw):
        raise _fail(source, f"tree {tree} {key} holds something that is not a number")
    tokens = raw.split()
    if len(tokens) != n:
        raise _fail(source, f"tree {tree} {key} has {len(tokens)} values, expected {n}")
    return np.array(tokens, dtype=np.float64).astype(dtype) if n else np.zeros(0, dtype)


def _int_field(block: dict[str, str], key: str, source: str, where: str) -> int:
    try:
        return int(block[key])
    except (KeyError, ValueError):
        raise _fail(source, f"{where} has no valid {key}") from None


def _key_values(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def parse_text(text: str, source: str = "The model file") -> ForestArrays:
    """Parse and validate a LightGBM text model (`booster.save_model()` output)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    first_tree = text.find("\nTree=")
    end = text.find("\nend of trees")
    if first_tree < 0:
        raise _fail(source, "it contains no trees (no 'Tree=' section)")
    if end < 0 or end < first_tree:
        raise _fail(source, "it ends before 'end of trees' (the file is truncated)")
    check_tail(text[end:], source)
    header_lines = text[:first_tree].split("\n")
    check_header_lines(header_lines, source)
    header = _key_values(header_lines)
    if header.get("version", "").strip() == "" and not text.startswith("tree"):
        raise _fail(source, "it has no LightGBM header")
    typed = check_header(header, source)  # types, bounds and agreement of the header's fields
    n_features, n_outputs = typed.max_feature_idx + 1, typed.num_tree_per_iteration
    names = typed.feature_names.split()
    blocks = text[first_tree + 1 : end].split("\nTree=")
    check_tree_sizes(header, blocks, source)
    trees = []
    for index, chunk in enumerate(blocks):
        head, _, body = chunk.partition("\n")
        try:
            number = int(head.removeprefix("Tree="))
        except ValueError:
            raise _fail(source, f"tree header 'Tree={head[:20]}' is not a number") from None
        if number != index:
            raise _fail(source, f"tree {index} is labelled Tree={number}")
        check_block_shape(body, index, source)
        trees.append(_parse_tree_block(_key_values(body.split("\n")), index, source))
    forest = _assemble(
        trees,
        n_features,
        n_outputs,
        names,
        header.get("objective", ""),
        "average_output" in header,
        source,
    )
    if any(t.get("linear") for t in trees):
        forest.extra["linear_trees"] = True
    validate(forest, source)
    return forest


def _is_linear(block: dict[str, str], t: int, source: str) -> bool:
    """A linear tree says is_linear=1 and carries its leaves' coefficients; LightGBM reads any
    other flag as a number, so a damaged one is refused rather than guessed."""
    flag = block.get("is_linear", "0")
    if flag not in ("0", "1") or (flag == "1" and "leaf_const" not in block):
        raise _fail(source, f"tree {t} has a damaged is_linear line")
    return flag == "1"


def _parse_tree_block(block: dict[str, str], t: int, source: str) -> dict[str, Any]:
    n_leaves = _int_field(block, "num_leaves", source, f"tree {t}")
    required = TREE_KEYS_ALWAYS + (TREE_KEYS_SPLITS if n_leaves > 1 else ())
    missing = [key for key in required if key not in block]
    if missing:
        raise _fail(source, f"tree {t} has no {', '.join(missing)} line")
    n_cat = _int_field(block, "num_cat", source, f"tree {t}") if "num_cat" in block else 0
    if n_leaves < 1 or n_leaves > 1 << 24 or n_cat < 0 or n_cat > n_leaves:
        raise _fail(source, f"tree {t} declares {n_leaves} leaves and {n_cat} categorical splits")
    n = n_leaves - 1
    for key, per_leaf in _OPTIONAL_ARRAYS:
        # A one-leaf tree leaves these empty (LightGBM stops reading after leaf_value).
        if key in block and n_leaves > 1:
            _numbers(block, key, n + per_leaf, np.float64, source, t)
    if "shrinkage" in block and not re.fullmatch(_FLOAT, block["shrinkage"]):
        raise _fail(source, f"tree {t} shrinkage is not a number")
    tree: dict[str, Any] = {
        "leaf_value": _numbers(block, "leaf_value", n_leaves, np.float64, source, t),
        "linear": _is_linear(block, t, source),
    }
    if block.get("leaf_count"):
        tree["leaf_count"] = _numbers(block, "leaf_count", n_leaves, np.float64, source, t)
    else:
        tree["leaf_count"] = np.zeros(n_leaves)
    tree["split_feature"] = _numbers(block, "split_feature", n, np.int64, source, t)
    tree["threshold"] = _numbers(block, "threshold", n, np.float64, source, t)
    tree["decision_type"] = _numbers(block, "decision_type", n, np.int64, source, t)
    tree["left"] = _numbers(block, "left_child", n, np.int64, source, t)
    tree["right"] = _numbers(block, "right_child", n, np.int64, source, t)
    tree["internal_count"] = _numbers(block, "internal_count", n, np.float64, source, t)
    if np.any((tree["decision_type"] < 0) | (tree["decision_type"] > 15)):
        raise _fail(source, f"tree {t} has a decision_type outside 0..15")
    if n_cat:
        bounds = _numbers(block, "cat_boundaries", n_cat + 1, np.int64, source, t)
        if bounds[0] != 0 or np.any(np.diff(bounds) <= 0):
            raise _fail(source, f"tree {t} cat_boundaries are not increasing from 0")
        words = _numbers(block, "cat_threshold", int(bounds[-1]), np.int64, source, t)
        if np.any((words < 0) | (words > 0xFFFFFFFF)):
            raise _fail(source, f"tree {t} cat_threshold has a value outside 32 bits")
    else:
        bounds, words = np.zeros(1, np.int64), np.zeros(0, np.int64)
    is_cat = (tree["decision_type"] & CATEGORICAL_BIT) != 0
    cat_idx = tree["threshold"][is_cat]
    if np.any((cat_idx < 0) | (cat_idx >= n_cat) | (cat_idx != np.floor(cat_idx))):
        raise _fail(source, f"tree {t} has a categorical split whose list index is out of range")
    begin = np.zeros(n, np.int64)
    stop = np.zeros(n, np.int64)
    idx = cat_idx.astype(np.int64)
    begin[is_cat] = bounds[idx]
    stop[is_cat] = bounds[idx + 1]
    tree["cat_begin"], tree["cat_end"], tree["cat_words"] = begin, stop, words
    return tree


def _assemble(
    trees: list[dict[str, Any]],
    n_features: int,
    n_outputs: int,
    names: list[str],
    objective: str,
    average_output: bool,
    source: str,
) -> ForestArrays:
    if not trees:
        raise _fail(source, "it contains no trees")
    node_offset = np.zeros(len(trees) + 1, np.int64)
    leaf_offset = np.zeros(len(trees) + 1, np.int64)
    word_base = 0
    begins, ends = [], []
    for i, tree in enumerate(trees):
        node_offset[i + 1] = node_offset[i] + tree["left"].size
        leaf_offset[i + 1] = leaf_offset[i] + tree["leaf_value"].size
        is_cat = (tree["decision_type"] & CATEGORICAL_BIT) != 0
        begins.append(np.where(is_cat, tree["cat_begin"] + word_base, 0))
        ends.append(np.where(is_cat, tree["cat_end"] + word_base, 0))
        word_base += tree["cat_words"].size

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate([t[key] for t in trees]).astype(dtype, copy=False)

    return ForestArrays(
        n_features=n_features,
        n_outputs=n_outputs,
        feature_names=names,
        objective=objective,
        average_output=average_output,
        node_offset=node_offset,
        leaf_offset=leaf_offset,
        split_feature=cat("split_feature", np.int64),
        threshold=cat("threshold", np.float64),
        decision_type=cat("decision_type", np.uint8),
        left=cat("left", np.int64),
        right=cat("right", np.int64),
        internal_count=cat("internal_count", np.float64),
        cat_begin=np.concatenate(begins).astype(np.int64),
        cat_end=np.concatenate(ends).astype(np.int64),
        cat_words=cat("cat_words", np.uint32),
        leaf_value=cat("leaf_value", np.float64),
        leaf_count=cat("leaf_count", np.float64),
    )


def parse_json(text: str | dict[str, Any], source: str = "The model file") -> ForestArrays:
    """Parse and validate a `booster.dump_model()` dictionary (or its JSON text)."""
    try:
        model = json.loads(text) if isinstance(text, str) else text
    except (json.JSONDecodeError, RecursionError) as error:
        raise _fail(source, f"it is not valid JSON ({error})") from None
    if not isinstance(model, dict) or "tree_info" not in model:
        raise _fail(source, "it is not a LightGBM JSON dump (no tree_info)")
    try:
        # Types and bounds of every header field first; how they fit together is checked here.
        dump = check(model, LgbDump)
    except ModelSchemaError as error:
        raise _fail(source, str(error)) from None
    names = dump.feature_names
    n_features = dump.max_feature_idx + 1
    n_outputs = dump.num_tree_per_iteration or dump.num_class
    if len(names) != n_features:
        raise _fail(
            source,
            f"feature_names lists {len(names)} features but max_feature_idx says {n_features}",
        )
    try:
        trees: list[dict[str, Any]] = []
        words_so_far = 0
        for i, info in enumerate(dump.tree_info):
            trees.append(_json_tree(info, i, source, words_so_far))
            words_so_far += trees[-1]["cat_words"].size
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise _fail(source, f"a required field is missing or malformed ({error!r})") from None
    forest = _assemble(
        trees,
        n_features,
        n_outputs,
        names,
        dump.objective,
        dump.average_output,
        source,
    )
    validate(forest, source)
    return forest


def _count_leaves(root: Any) -> int:
    """Leaves under `root`, walked without recursion (a dump can be deep)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            raise TypeError("a tree node is not an object")
        if "leaf_value" in node:
            count += 1
        else:
            stack.extend((node["left_child"], node["right_child"]))
    return count


def _json_tree(info: LgbTreeInfo, t: int, source: str, words_before: int = 0) -> dict[str, Any]:
    root = info.tree_structure
    n_leaves = info.num_leaves
    # Sized by what the tree holds, not by what it declares (num_leaves=2e9 once asked for 16 GB).
    held = _count_leaves(root)
    if n_leaves != held:
        raise _fail(source, f"tree {t} declares {n_leaves} leaves but holds {held}")
    n = n_leaves - 1
    feat = np.zeros(n, np.int64)
    thr = np.zeros(n)
    dtype = np.zeros(n, np.int64)
    left = np.zeros(n, np.int64)
    right = np.zeros(n, np.int64)
    icount = np.zeros(n)
    begin = np.zeros(n, np.int64)
    stop = np.zeros(n, np.int64)
    values = np.full(n_leaves, np.nan)
    counts = np.zeros(n_leaves)
    words: list[int] = []
    seen_nodes: set[int] = set()

    def index_of(node: dict[str, Any]) -> int:
        if "leaf_value" in node:
            leaf = int(node.get("leaf_index", 0))
            if not 0 <= leaf < n_leaves or not math.isnan(values[leaf]):
                raise _fail(source, f"tree {t} has a bad or repeated leaf_index {leaf}")
            values[leaf] = float(node["leaf_value"])
            counts[leaf] = float(node.get("leaf_count", 0))
            return ~leaf
        split = int(node["split_index"])
        if not 0 <= split < n or split in seen_nodes:
            raise _fail(source, f"tree {t} has a bad or repeated split_index {split}")
        seen_nodes.add(split)
        return split

    stack = [root]
    if index_of(root) != (0 if n else ~0):
        raise _fail(source, f"tree {t} does not start at split 0")
    while stack:
        node = stack.pop()
        if "leaf_value" in node:
            continue
        j = int(node["split_index"])
        feat[j] = int(node["split_feature"])
        icount[j] = float(node.get("internal_count", 0))
        code = DEFAULT_LEFT_BIT if node.get("default_left") else 0
        code |= _MISSING.get(str(node.get("missing_type", "None")), 3) << 2
        if node.get("decision_type") == "==":
            code |= CATEGORICAL_BIT
            cats = [int(c) for c in str(node["threshold"]).split("||")]
            if not cats or min(cats) < 0 or max(cats) > 1 << 24:
                raise _fail(source, f"tree {t} has a categorical split with bad categories")
            if words_before + len(words) + max(cats) // 32 + 1 > MAX_CATEGORY_WORDS:
                raise _fail(source, f"tree {t} has categorical splits on huge category numbers")
            bits = np.zeros(max(cats) // 32 + 1, np.int64)
            for c in cats:
                bits[c // 32] |= 1 << (c % 32)
            begin[j], stop[j] = len(words), len(words) + bits.size
            words.extend(int(w) for w in bits)
        elif node.get("decision_type", "<=") == "<=":
            # dump_model() writes +-inf thresholds as +-1e300 (Common::AvoidInf); undo that so
            # rows holding +-inf or values beyond 1e300 split as the text model does.
            value = float(node["threshold"])
            thr[j] = math.copysign(math.inf, value) if abs(value) >= 1e300 else value
        else:
            raise _fail(source, f"tree {t} uses decision type {node.get('decision_type')!r}")
        dtype[j] = code
        left[j] = index_of(node["left_child"])
        right[j] = index_of(node["right_child"])
        stack.extend((node["left_child"], node["right_child"]))
    if np.any(np.isnan(values)):
        raise _fail(source, f"tree {t} has fewer leaves than num_leaves={n_leaves}")
    return {
        "split_feature": feat,
        "threshold": thr,
        "decision_type": dtype,
        "left": left,
        "right": right,
        "internal_count": icount,
        "cat_begin": begin,
        "cat_end": stop,
        "cat_words": np.array(words, np.int64),
        "leaf_value": values,
        "leaf_count": counts,
    }
