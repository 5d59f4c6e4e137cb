"""Checks on a LightGBM text model's framing, beyond the tree arrays themselves.

LightGBM's loader trusts `tree_sizes`, parses the trees in an OpenMP loop (where an error aborts
the process instead of raising) and reads the parameters section without bounds; each check
here refuses a damage that, found by fuzzing, crashed LightGBM 4.x.
"""

from __future__ import annotations

import json
import re

from app.core.explain.engine.tree_arrays import _fail
from app.core.explain.models.model_schemas import (
    LGB_TEXT_NUMBERS,
    LgbTextHeader,
    ModelSchemaError,
    check,
    decode_numbers,
)

_PARAMETER_LINE = re.compile(r"\[[A-Za-z0-9_]+: [^\]\n]*\]")
# Every field LightGBM writes for a tree; its loader aborts the process when one it needs is
# missing (the trees are parsed in an OpenMP loop, where its errors cannot be caught).
TREE_KEYS_ALWAYS = ("num_leaves", "num_cat", "leaf_value")
TREE_KEYS_SPLITS = (
    "split_feature",
    "split_gain",
    "threshold",
    "decision_type",
    "left_child",
    "right_child",
    "leaf_weight",
    "leaf_count",
    "internal_value",
    "internal_weight",
    "internal_count",
)


def check_block_shape(body: str, t: int, source: str) -> None:
    """One `key=value` per line and no blank line before the block's end (LightGBM ends a
    tree at the first blank line and would miss the fields after it)."""
    lines = body.rstrip("\n").split("\n")
    for line in lines:
        key, sep, _ = line.partition("=")
        if not sep or not key or not key.replace("_", "").isalnum():
            raise _fail(source, f"tree {t} has a malformed line {line[:40]!r}")


# LightGBM refuses a text model whose header lacks any of these, so we refuse it first (they are
# the required fields of model_schemas.LgbTextHeader; a test keeps the two lists equal).
REQUIRED_HEADER_KEYS = (
    "num_class",
    "num_tree_per_iteration",
    "label_index",
    "max_feature_idx",
    "feature_names",
    "feature_infos",
)


_HEADER_KEY = re.compile(r"[a-z_]+")


def check_header_lines(lines: list[str], source: str) -> None:
    """Each header line is `key=value` or a bare flag, as LightGBM splits it. It keeps a bare word
    as a key with an empty value, and an empty `objective` makes it index an empty list (a
    segfault, found by fuzzing); a key with stray spaces is another key to it."""
    for number, line in enumerate(lines):
        if not line or (number == 0 and line == "tree"):
            continue
        key, _, value = line.partition("=")
        if not _HEADER_KEY.fullmatch(key):  # a bare word (average_output) is a flag
            raise _fail(source, f"its header has a malformed line {line[:40]!r}")
        if "=" in value and key != "feature_names":  # LightGBM refuses any other such line
            raise _fail(source, f"its header line {line[:40]!r} has more than one '='")
        if key == "objective" and not value.strip():
            raise _fail(source, "its header names an empty objective")


# The objective names LightGBM 4 rebuilds from a saved model's `objective=` line (anything else
# makes it refuse the file), and the parameters its binary and multiclass objectives require.
LIGHTGBM_OBJECTIVES = frozenset(
    [
        "regression",
        "regression_l1",
        "quantile",
        "huber",
        "fair",
        "poisson",
        "binary",
        "lambdarank",
        "rank_xendcg",
        "multiclass",
        "multiclassova",
        "cross_entropy",
        "cross_entropy_lambda",
        "mape",
        "gamma",
        "tweedie",
        "custom",
    ]
)
_OBJECTIVE_NEEDS = {
    "binary": ("sigmoid",),
    "multiclass": ("num_class",),
    "multiclassova": ("num_class", "sigmoid"),
}


def check_objective(objective: str, source: str) -> None:
    """`objective=name key:value ...` as LightGBM parses it back: a known name, and the
    positive numbers its constructor insists on (it reads a missing or bad one as <= 0)."""
    name, *options = objective.split()
    if name not in LIGHTGBM_OBJECTIVES:
        raise _fail(source, f"its objective {name[:40]!r} is not one LightGBM knows")
    given = dict(option.partition(":")[::2] for option in options if ":" in option)
    for key in _OBJECTIVE_NEEDS.get(name, ()):
        try:
            positive = float(given.get(key, "")) > 0
        except ValueError:
            positive = False
        if not positive:
            raise _fail(source, f"its {name} objective lacks a positive {key}")


def check_header(header: dict[str, str], source: str) -> LgbTextHeader:
    """Header fields LightGBM sizes its buffers by must be there, in bounds (the schema) and
    agree with each other (here); returns them typed."""
    try:
        typed = check(decode_numbers(header, LGB_TEXT_NUMBERS), LgbTextHeader, "its header")
    except ModelSchemaError as error:
        raise _fail(source, str(error)) from None
    n_features = typed.max_feature_idx + 1
    names = typed.feature_names.split()
    if len(names) != n_features:
        raise _fail(
            source,
            f"feature_names lists {len(names)} features but max_feature_idx says {n_features}",
        )
    if typed.num_class != typed.num_tree_per_iteration:
        raise _fail(
            source,
            f"num_class={typed.num_class} but {typed.num_tree_per_iteration} trees per iteration",
        )
    if header.get("objective"):
        check_objective(header["objective"], source)
    for key in ("feature_infos", "monotone_constraints"):  # LightGBM checks both sizes
        listed = header.get(key)
        if listed is not None and len(listed.split()) != n_features:
            raise _fail(source, f"{key} describes {len(listed.split())} of {n_features} features")
    return typed


def check_tail(tail: str, source: str) -> None:
    """What follows the trees. LightGBM reads `parameters:` up to `end of parameters` without a
    bound (a cut inside that section crashes it) and json-decodes a final pandas_categorical."""
    at = tail.find("\nparameters:")
    if at >= 0:
        stop = tail.find("\nend of parameters", at)
        if stop < 0:
            raise _fail(source, "it ends inside its parameters section (the file is truncated)")
        # LightGBM splits each "[name: value]" line without checking its shape.
        for line in tail[at + len("\nparameters:") + 1 : stop].rstrip("\n").split("\n"):
            if not _PARAMETER_LINE.fullmatch(line):
                raise _fail(source, f"its parameters section has a malformed line {line[:40]!r}")
    lines = tail.rstrip().rsplit("\n", 1)
    last = lines[-1].strip()
    if last.startswith("pandas_categorical:"):
        try:
            json.loads(last[len("pandas_categorical:") :])
        except (json.JSONDecodeError, RecursionError):
            raise _fail(source, "its pandas_categorical line is cut short") from None


def check_tree_sizes(header: dict[str, str], blocks: list[str], source: str) -> None:
    """LightGBM seeks to each tree by `tree_sizes` (bytes of "Tree=i ... blank line"); a wrong
    size makes it read out of bounds, so the sizes must match the blocks exactly."""
    if "tree_sizes" not in header:
        return
    try:
        sizes = [int(x) for x in header["tree_sizes"].split()]
    except ValueError:
        raise _fail(source, "tree_sizes holds something that is not a number") from None
    if len(sizes) != len(blocks):
        raise _fail(source, f"tree_sizes lists {len(sizes)} trees but the file has {len(blocks)}")
    for i, (size, block) in enumerate(zip(sizes, blocks, strict=True)):
        # Every block lost its "Tree=" prefix (the first one keeps it) and its final newline.
        actual = len(block.encode("utf-8")) + 1 + (5 if i else 0)
        if size != actual:
            raise _fail(source, f"tree {i} is {actual} bytes but tree_sizes says {size}")
