"""The shapes of model headers ShapLens reads: XGBoost JSON and LightGBM `dump_model()` JSON.

Each part a reader sizes or indexes something with is a msgspec Struct with typed, bounded
fields, so a wrong type, a number out of range or a list longer than any real model is refused
before anything trusts it. What a schema cannot say (a count agreeing with a list's length, child
indices inside their tree, no cycles, parents matching children) stays as code in
xgboost_checks.py and lgbm_parse.py, run after the schema has passed. Failures become one
`ModelSchemaError` sentence naming the field, e.g. "num_class is 1,000,000,000, outside 0..10,000".
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

import msgspec
import msgspec.inspect as mi
from msgspec import Meta

T = TypeVar("T")

# data_io.MAX_COLUMNS (a test keeps them equal); not imported, so that parsing a model does not
# pull in pandas.
MAX_COLUMNS = 100_000
MAX_CLASSES = 10_000
MAX_OUTPUTS = 100_000  # LightGBM's own header check (lgbm_text_checks.check_header)
MAX_TREES = 10_000_000
MAX_NODES = 1 << 31  # XGBoost stores node ids as 31-bit integers
NODE_ID = 2**31 - 1  # XGBoost writes this as the root's parent
# XGBoost refuses a feature name holding '[', ']' or '<' (they break its text dumps).
XGB_NAME_PATTERN = r"^[^\[\]<]*$"
_PATTERN_MEANING = {XGB_NAME_PATTERN: "is not text or holds '[', ']' or '<'"}

Name = Annotated[str, Meta(max_length=10_000)]
Objective = Annotated[str, Meta(max_length=100_000)]
Count = Annotated[int, Meta(ge=0, le=2**31 - 1)]
NodeRef = Annotated[int, Meta(ge=-1, le=NODE_ID)]  # -1 marks a leaf (or the root's parent)
Bit = Annotated[int, Meta(ge=0, le=1)]
Index = Annotated[int, Meta(ge=0, le=NODE_ID)]
# Per-node arrays: as long as a tree may be (their agreement with num_nodes is code).
NodeRefs = Annotated[list[NodeRef], Meta(max_length=MAX_NODES)]
Indices = Annotated[list[Index], Meta(max_length=MAX_NODES)]
Counts = Annotated[list[Count], Meta(max_length=MAX_NODES)]
Floats = Annotated[list[float], Meta(max_length=MAX_NODES)]  # NaN/overflow refused in code
Bits = Annotated[list[Bit], Meta(max_length=MAX_NODES)]
Flags = Annotated[list[Bit | bool], Meta(max_length=MAX_NODES)]


# ------------------------------------------------------------------------------------ XGBoost
class XgbLearnerParams(msgspec.Struct):
    """learner.learner_model_param (numbers written as strings, decoded before validation)."""

    num_feature: Annotated[int, Meta(ge=1, le=MAX_COLUMNS)]
    num_class: Annotated[int, Meta(ge=0, le=MAX_CLASSES)] = 0
    num_target: Annotated[int, Meta(ge=1, le=MAX_CLASSES)] = 1
    # '5E-1' or, since XGBoost 2, '[5E-1,...]' (one per target): parsed by base_score().
    base_score: Annotated[str, Meta(max_length=1_000_000)] | float = "0"


Group = Annotated[int, Meta(ge=0, le=MAX_CLASSES)]  # the output a tree adds to
TreeCount = Annotated[int, Meta(ge=0, le=MAX_TREES)]
XgbFeatureType = Literal["q", "c", "int", "float", "i"]


class XgbFeatures(msgspec.Struct):
    """learner.feature_names / feature_types (optional; paired with every column when given)."""

    feature_names: (
        Annotated[
            list[Annotated[str, Meta(max_length=10_000, pattern=XGB_NAME_PATTERN)]],
            Meta(max_length=MAX_COLUMNS),
        ]
        | None
    ) = None
    feature_types: Annotated[list[XgbFeatureType], Meta(max_length=MAX_COLUMNS)] | None = None


class XgbTreesParam(msgspec.Struct):
    """gradient_booster.model.gbtree_model_param."""

    num_trees: Annotated[int, Meta(ge=0, le=MAX_TREES)]
    num_parallel_tree: Annotated[int, Meta(ge=1, le=1 << 20)] = 1


class XgbTreesModel(msgspec.Struct):
    """gradient_booster.model: each tree is validated on its own (XgbTree) so errors name it."""

    gbtree_model_param: XgbTreesParam
    trees: Annotated[list[object], Meta(max_length=MAX_TREES)]
    tree_info: Annotated[list[Group], Meta(max_length=MAX_TREES)] | None = None
    iteration_indptr: Annotated[list[TreeCount], Meta(max_length=MAX_TREES + 1)] | None = None


class XgbTreeParam(msgspec.Struct):
    """A tree's tree_param (strings decoded). A leaf vector (multi-target) is refused."""

    num_nodes: Annotated[int, Meta(ge=1, le=MAX_NODES)]
    size_leaf_vector: Annotated[int, Meta(ge=0, le=1)] = 1
    num_deleted: Annotated[int, Meta(ge=0, le=0)] = 0
    num_feature: Annotated[int, Meta(ge=0, le=MAX_COLUMNS)] = 0


class XgbTree(msgspec.Struct):
    """One tree: its parameters and per-node arrays (lengths checked against num_nodes in code)."""

    tree_param: XgbTreeParam
    left_children: NodeRefs
    right_children: NodeRefs
    parents: NodeRefs
    split_indices: Indices
    split_conditions: Floats
    default_left: Flags
    base_weights: Floats
    loss_changes: Floats
    sum_hessian: Floats
    split_type: Bits | None = None  # written since XGBoost 1.6
    id: Annotated[int, Meta(ge=0, le=MAX_TREES)] | None = None
    categories: Indices = []
    categories_nodes: Counts = []
    categories_segments: Counts = []
    categories_sizes: Counts = []


# ------------------------------------------------------------------------------------ LightGBM
class LgbTreeInfo(msgspec.Struct):
    """One `tree_info` entry of a dump; its tree_structure is walked in code (it can be deep)."""

    num_leaves: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    tree_structure: object
    num_cat: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0
    shrinkage: Annotated[float, Meta(ge=-1e300, le=1e300)] = 1.0  # bounds refuse NaN too


class LgbDump(msgspec.Struct):
    """The header of `booster.dump_model()`; max_feature_idx agreeing with the names is code."""

    max_feature_idx: Annotated[int, Meta(ge=0, le=MAX_COLUMNS - 1)]
    feature_names: Annotated[list[Name], Meta(max_length=MAX_COLUMNS)]
    tree_info: Annotated[list[LgbTreeInfo], Meta(max_length=MAX_TREES)]
    num_class: Annotated[int, Meta(ge=1, le=MAX_OUTPUTS)] = 1
    num_tree_per_iteration: Annotated[int, Meta(ge=1, le=MAX_OUTPUTS)] | None = None
    objective: Objective = ""
    average_output: bool = False
    feature_infos: Annotated[dict[Name, object], Meta(max_length=MAX_COLUMNS)] = {}
    pandas_categorical: (
        Annotated[
            list[Annotated[list[object], Meta(max_length=1 << 24)]], Meta(max_length=MAX_COLUMNS)
        ]
        | None
    ) = None


class LgbTextHeader(msgspec.Struct):
    """The `key=value` header of a LightGBM text model: the keys LightGBM refuses a file
    without, their numbers decoded from text. LightGBM sizes its buffers by these."""

    max_feature_idx: Annotated[int, Meta(ge=0, le=MAX_COLUMNS - 1)]
    num_class: Annotated[int, Meta(ge=1, le=MAX_OUTPUTS)]
    num_tree_per_iteration: Annotated[int, Meta(ge=1, le=MAX_OUTPUTS)]
    label_index: Annotated[int, Meta(ge=0, le=2**31 - 1)]
    feature_names: Annotated[str, Meta(max_length=MAX_COLUMNS * 10_000)]  # space-separated
    feature_infos: Annotated[str, Meta(max_length=MAX_COLUMNS * 10_000)]
    objective: Objective = ""


LGB_TEXT_NUMBERS = ("max_feature_idx", "num_class", "num_tree_per_iteration", "label_index")


# ------------------------------------------------------------------------------------ checking
class ModelSchemaError(ValueError):
    """A model header does not fit its schema; the message is one sentence naming the field."""


_WHOLE = re.compile(r"[-+]?\d{1,40}")


def decode_numbers(params: Any, keys: tuple[str, ...] | None = None) -> Any:
    """Numbers written as strings ('6': XGBoost's parameters, LightGBM's header) read as ints
    first, for `keys` only when given (a feature named '5' stays text); others are left as they
    are, for the schema to name."""
    if not isinstance(params, dict):
        return params
    return {
        key: int(value)
        if isinstance(value, str)
        and (keys is None or key in keys)
        and _WHOLE.fullmatch(value.strip())
        else value
        for key, value in params.items()
    }


def check(value: Any, schema: type[T], where: str = "") -> T:
    """`value` as an instance of `schema`, or ModelSchemaError naming `where` and the field."""
    try:
        return msgspec.convert(value, type=schema)
    except msgspec.ValidationError as error:
        raise ModelSchemaError(describe(str(error), value, schema, where)) from None
    except RecursionError:
        raise ModelSchemaError(f"{where or 'it'} is nested far too deeply") from None


_NOUNS = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "array": "a list",
    "object": "an object",
    "bool": "true or false",
}
# What a part is called when the error is about the part as a whole (no field in the path).
_WHOLE_NAMES: dict[type, str] = {
    XgbLearnerParams: "learner_model_param",
    XgbFeatures: "the feature names",
    XgbTreesModel: "the trees' model",
    LgbDump: "the dump",
    LgbTextHeader: "its header",
}
_SHOWN = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def describe(message: str, value: Any, schema: type, where: str = "") -> str:
    """msgspec's 'Expected `int` <= 1 - at `$.tree_param.size_leaf_vector`' as a sentence."""
    match = _SHOWN.match(message)
    problem = match.group("problem") if match else message
    path = (match.group("path") if match else "") or ""
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(path)]
    label = " ".join(filter(None, [where, _label(steps)])) or _WHOLE_NAMES.get(schema, "it")
    missing = re.match(r"Object missing required field `(\w+)`", problem)
    if missing:
        return f"{label} lacks {missing.group(1)}"
    got = _value_at(value, steps)
    kind = _type_at(schema, steps)
    if isinstance(kind, (mi.IntType, mi.FloatType)) and re.search(r"[<>]=?", problem):
        low = "" if kind.ge is None else f"{kind.ge:,}"
        high = "" if kind.le is None else f"{kind.le:,}"
        shown = f"{got:,}" if isinstance(got, (int, float)) else repr(got)[:40]
        return f"{label} is {shown}, outside {low}..{high}"
    if "of length" in problem and hasattr(got, "__len__"):
        limit = getattr(kind, "max_length", None)
        return f"{label} holds {len(got):,} items, more than {limit:,}" if limit else problem
    if "matching regex" in problem and isinstance(kind, mi.StrType):
        meaning = _PATTERN_MEANING.get(kind.pattern or "", "holds a character not allowed")
        return f"{label} {str(got)[:60]!r} {meaning}"
    if "Invalid enum value" in problem and isinstance(kind, mi.LiteralType):
        return f"{label} is {str(got)[:40]!r}, not one of {', '.join(map(str, kind.values))}"
    expected = re.match(r"Expected `([^`]+)`, got `(\w+)`", problem)
    if expected:
        nouns = [_NOUNS.get(part, part) for part in expected.group(1).split(" | ")]
        if len(nouns) == 1 and expected.group(1) in ("str", "int", "float"):
            return f"{label} is not {nouns[0]} ({repr(got)[:40]})"
        return f"{label} is not {' or '.join(nouns)}"
    problem = problem.replace("Expected `", "expected `").replace("Object contains", "has")
    return f"{label}: {problem}"


def _label(steps: list[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _value_at(value: Any, steps: list[str | int]) -> Any:
    for step in steps:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _type_at(schema: type, steps: list[str | int]) -> Any:
    kind: Any = mi.type_info(schema)
    for step in steps:
        kind = _unwrap(kind, str if isinstance(step, str) else int)
        if isinstance(kind, mi.StructType) and isinstance(step, str):
            kind = next((f.type for f in kind.fields if f.encode_name == step), None)
        elif isinstance(kind, mi.DictType):
            kind = kind.value_type
        elif isinstance(kind, mi.ListType):
            kind = kind.item_type
        else:
            return None
    return _unwrap(kind, None)


def _unwrap(kind: Any, step: type | None) -> Any:
    """The member of an Optional/union the path walks into (a struct for a key, a list for an
    index), or for a leaf value its number or text type."""
    while isinstance(kind, mi.Metadata):
        kind = kind.type
    if not isinstance(kind, mi.UnionType):
        return kind
    members = [k for k in kind.types if not isinstance(k, mi.NoneType)]
    wanted = {
        str: (mi.StructType, mi.DictType),
        int: (mi.ListType,),
        None: (mi.IntType, mi.FloatType, mi.StrType, mi.LiteralType),
    }[step]
    return next((k for k in members if isinstance(k, wanted)), members[0] if members else None)
