"""Row filter expressions: a small, safe grammar evaluated as vectorised masks (no eval).

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | atom
    atom       := "(" expr ")" | column test | column          (a bare column must be boolean)
    test       := op value | ["not"] "in" "(" value ("," value)* ")"
                | ["not"] "between" value "and" value | "is" ["not"] "missing"
    op         := "==" | "=" | "!=" | "<" | "<=" | ">" | ">="
    value      := number | "text" | 'text' | true | false | column
    column     := name | `name with spaces`

Keywords are case-insensitive. A missing value fails every comparison (so `x != 3` is exactly
`not (x == 3)` and keeps missing rows); use `is missing` to ask for them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.core.base.errors import FilterSyntaxError
from app.core.debugging.filter_syntax import (
    KEYWORDS,
    Between,
    BoolOp,
    Column,
    Compare,
    InSet,
    IsMissing,
    Literal,
    Node,
    Not,
    Token,
    parse,
    tokenize,
)

__all__ = [
    "FilterResult",
    "Node",
    "Token",
    "apply_filter",
    "filter_mask",
    "parse",
    "quote_column",
    "quote_value",
    "tokenize",
]


# --------------------------------------------------------------------------- evaluation
@dataclass
class _Env:
    frame: pd.DataFrame
    extra: Mapping[str, np.ndarray]
    hints: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [str(c) for c in self.frame.columns] + list(self.extra)

    def series(self, column: Column, quoted_hint: bool = False) -> pd.Series:
        # Dataset columns win over computed ones, so a feature called "error" stays reachable.
        if column.name in self.frame.columns:
            return self.frame[column.name].reset_index(drop=True)
        if column.name in self.extra:
            return pd.Series(np.asarray(self.extra[column.name]))
        names = self.names()
        lowered = {n.lower(): n for n in names}
        close = [lowered[column.name.lower()]] if column.name.lower() in lowered else []
        close = close or difflib.get_close_matches(column.name, names, n=1, cutoff=0.6)
        message = f"Unknown column '{column.name}' at character {column.pos + 1}"
        if close:
            message += f"; did you mean '{close[0]}'?"
        elif quoted_hint:
            message += f'; to compare with text, put it in quotes: "{column.name}"'
        else:
            shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
            message += f". Columns: {shown}"
        raise FilterSyntaxError(message if message.endswith("?") else message + ".", column.pos)


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _kind(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _mask(result: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(result, pd.Series):
        return result.to_numpy(dtype=bool, na_value=False)
    return np.asarray(result, dtype=bool)


def _coerce(series: pd.Series, literal: Literal, column: Column, env: _Env) -> object:
    """The literal in the column's type, or a FilterSyntaxError explaining the mismatch."""
    kind, value = _kind(series), literal.value
    at = f"at character {literal.pos + 1}"
    if kind == "number":
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            raise FilterSyntaxError(
                f"Column '{column.name}' holds numbers; compare it with a number, not "
                f'"{value}" ({at}).',
                literal.pos,
            )
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value in (0.0, 1.0):
            return bool(value)
        raise FilterSyntaxError(
            f"Column '{column.name}' is true/false; compare it with true or false ({at}).",
            literal.pos,
        )
    if kind == "datetime":
        try:
            return pd.Timestamp(str(value))
        except ValueError as error:
            raise FilterSyntaxError(
                f"'{value}' is not a date for column '{column.name}' ({at}).", literal.pos
            ) from error
    if not isinstance(value, str):
        shown = f"{value:g}" if isinstance(value, float) else str(value).lower()
        raise FilterSyntaxError(
            f"Column '{column.name}' holds text; put the value in quotes: \"{shown}\" ({at}).",
            literal.pos,
        )
    levels = series.dropna().unique()
    if len(levels) <= 1000 and value not in set(map(str, levels)):
        close = difflib.get_close_matches(value, [str(v) for v in levels], n=1, cutoff=0.6)
        hint = f"'{value}' never occurs in column '{column.name}'"
        env.hints.append(hint + (f"; did you mean '{close[0]}'?" if close else "."))
    return value


def _compare(node: Compare, env: _Env) -> np.ndarray:
    left = env.series(node.column)
    op = node.op
    if isinstance(node.value, Column):
        right = env.series(node.value, quoted_hint=True)
        if (_kind(left) == "number") != (_kind(right) == "number"):
            raise FilterSyntaxError(
                f"Cannot compare '{node.column.name}' with '{node.value.name}': one holds numbers, "
                "the other does not.",
                node.value.pos,
            )
        value: object = right.to_numpy() if _kind(right) == "number" else right
    else:
        value = _coerce(left, node.value, node.column, env)
    kind = _kind(left)
    if op in ("<", "<=", ">", ">=") and kind in ("text", "bool"):
        raise FilterSyntaxError(
            f"Column '{node.column.name}' holds {kind}: use ==, != or in, not {op}.",
            node.column.pos,
        )
    if kind == "number":
        x = pd.to_numeric(left, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        v = np.asarray(value, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            eq = {"==": np.equal, "<": np.less, "<=": np.less_equal, ">": np.greater}
            eq[">="] = np.greater_equal
            if op == "!=":
                return ~np.equal(x, v)
            return eq[op](x, v)
    equal = _mask(left == value)
    if op == "==":
        return equal
    if op == "!=":
        return ~equal
    ops = {"<": left.lt, "<=": left.le, ">": left.gt, ">=": left.ge}
    return _mask(ops[op](value))


def _in_set(node: InSet, env: _Env) -> np.ndarray:
    series = env.series(node.column)
    values = [_coerce(series, literal, node.column, env) for literal in node.values]
    if _kind(series) == "number":
        x = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        mask = np.isin(x, np.asarray(values, dtype=np.float64))
    else:
        mask = _mask(series.isin(values))
    return ~mask if node.negated else mask


def _between(node: Between, env: _Env) -> np.ndarray:
    series = env.series(node.column)
    if _kind(series) in ("text", "bool"):
        raise FilterSyntaxError(
            f"'between' needs numbers or dates; column '{node.column.name}' holds {_kind(series)}.",
            node.column.pos,
        )
    low = _coerce(series, node.low, node.column, env)
    high = _coerce(series, node.high, node.column, env)
    mask = _mask(series.ge(low) & series.le(high))
    return ~mask if node.negated else mask


def _evaluate(node: Node, env: _Env) -> np.ndarray:
    if isinstance(node, BoolOp):
        masks = [_evaluate(part, env) for part in node.parts]
        combine = np.logical_and if node.op == "and" else np.logical_or
        return combine.reduce(masks)
    if isinstance(node, Not):
        return ~_evaluate(node.inner, env)
    if isinstance(node, Compare):
        return _compare(node, env)
    if isinstance(node, InSet):
        return _in_set(node, env)
    if isinstance(node, Between):
        return _between(node, env)
    if isinstance(node, IsMissing):
        mask = env.series(node.column).isna().to_numpy(dtype=bool)
        return ~mask if node.negated else mask
    series = env.series(node.column)
    if _kind(series) != "bool":
        raise FilterSyntaxError(
            f"Column '{node.column.name}' is not true/false; add a comparison, e.g. "
            f"{node.column.name} == …",
            node.column.pos,
        )
    return _mask(series.fillna(False).astype(bool))


@dataclass
class FilterResult:
    mask: np.ndarray  # bool, one per row of the frame
    hints: list[str]  # non-fatal remarks, e.g. a text value that never occurs

    @property
    def rows(self) -> np.ndarray:
        return np.flatnonzero(self.mask).astype(np.int64)


def apply_filter(
    text: str, frame: pd.DataFrame, extra: Mapping[str, np.ndarray] | None = None
) -> FilterResult:
    """Evaluate `text` over `frame` (plus `extra` computed columns such as prediction or error,
    each an array of len(frame)). An empty or blank text selects every row."""
    if not text.strip():
        return FilterResult(np.ones(len(frame), dtype=bool), [])
    env = _Env(frame, extra or {})
    mask = _evaluate(parse(text), env)
    return FilterResult(np.broadcast_to(mask, (len(frame),)).copy(), env.hints)


def filter_mask(
    text: str, frame: pd.DataFrame, extra: Mapping[str, np.ndarray] | None = None
) -> np.ndarray:
    """The bool mask of rows that pass `text` (see apply_filter)."""
    return apply_filter(text, frame, extra).mask


def quote_column(name: str) -> str:
    """A column name as it must be written in an expression (backticks when not a plain word)."""
    plain = re.fullmatch(r"[A-Za-z_][\w.:\-]*", name) and name.lower() not in KEYWORDS
    return name if plain else f"`{name}`"


def quote_value(value: object) -> str:
    """A literal as it must be written in an expression."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.10g}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
