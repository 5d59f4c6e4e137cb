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

from app.core.errors import FilterSyntaxError

KEYWORDS = {"and", "or", "not", "in", "between", "is", "missing", "true", "false", "null", "na"}
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "=")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>-?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<quoted>`[^`]*`)
  | (?P<name>[A-Za-z_][\w.:\-]*)
  | (?P<op>==|!=|<=|>=|<|>|=)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, keyword, op, punct, end
    text: str
    pos: int
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, or raise FilterSyntaxError at the first bad character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "\"'":
                raise FilterSyntaxError(f"Unclosed quote starting at character {pos + 1}.", pos)
            if char == "`":
                raise FilterSyntaxError(f"Unclosed ` starting at character {pos + 1}.", pos)
            raise FilterSyntaxError(f"Unexpected character {char!r} at character {pos + 1}.", pos)
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "number":
            tokens.append(Token("number", raw, pos, float(raw.replace("_", ""))))
        elif kind == "string":
            body = re.sub(r"\\(.)", r"\1", raw[1:-1])
            tokens.append(Token("string", raw, pos, body))
        elif kind == "quoted":
            tokens.append(Token("name", raw, pos, raw[1:-1]))
        elif kind == "name":
            lower = raw.lower()
            if lower in KEYWORDS:
                tokens.append(Token("keyword", raw, pos, lower))
            else:
                tokens.append(Token("name", raw, pos, raw))
        elif kind in ("op", "punct"):
            tokens.append(Token(kind, raw, pos, "==" if raw == "=" else raw))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: object  # float, str, bool
    pos: int


Value = Column | Literal


@dataclass(frozen=True)
class Compare:
    column: Column
    op: str
    value: Value


@dataclass(frozen=True)
class InSet:
    column: Column
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    column: Column
    low: Literal
    high: Literal
    negated: bool = False


@dataclass(frozen=True)
class IsMissing:
    column: Column
    negated: bool = False


@dataclass(frozen=True)
class Truthy:
    column: Column


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    parts: tuple[Node, ...]


Node = Compare | InSet | Between | IsMissing | Truthy | Not | BoolOp


def _describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "keyword" and token.value == word

    def expect_keyword(self, word: str, why: str) -> Token:
        token = self.take()
        if token.kind != "keyword" or token.value != word:
            raise self.error(token, f"expected '{word}' {why}")
        return token

    def expect_punct(self, char: str, why: str) -> Token:
        token = self.take()
        if token.kind != "punct" or token.value != char:
            raise self.error(token, f"expected '{char}' {why}")
        return token

    @staticmethod
    def error(token: Token, message: str) -> FilterSyntaxError:
        where = f"at character {token.pos + 1}"
        return FilterSyntaxError(
            f"{message[0].upper()}{message[1:]}, found {_describe(token)} {where}.", token.pos
        )

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise FilterSyntaxError("The filter is empty: write a condition such as age > 40.", 0)
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise self.error(token, "expected 'and', 'or' or the end of the expression")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.is_keyword("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.is_keyword("and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def not_expr(self) -> Node:
        if self.is_keyword("not"):
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token.kind == "punct" and token.value == "(":
            self.take()
            node = self.or_expr()
            self.expect_punct(")", "to close the '(' at character " + str(token.pos + 1))
            return node
        if token.kind != "name":
            if token.kind == "keyword" and token.value not in ("true", "false"):
                message = (
                    f"'{token.text}' is a keyword; quote a column with that name as `{token.text}`"
                )
                raise self.error(token, message)
            raise self.error(token, "expected a column name")
        column = Column(str(self.take().value), token.pos)
        return self.test(column)

    def test(self, column: Column) -> Node:
        token = self.peek()
        if token.kind == "op":
            self.take()
            return Compare(column, str(token.value), self.value(allow_column=True))
        negated = False
        if self.is_keyword("not"):
            self.take()
            negated = True
            token = self.peek()
            if not (token.kind == "keyword" and token.value in ("in", "between")):
                raise self.error(token, "expected 'in' or 'between' after 'not'")
        if self.is_keyword("in"):
            self.take()
            self.expect_punct("(", "after 'in' to start the list of values")
            values = [self.value()]
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                if self.peek().kind == "punct" and self.peek().value == ")":
                    break
                values.append(self.value())
            self.expect_punct(")", "to close the list of values")
            return InSet(column, tuple(values), negated)  # type: ignore[arg-type]
        if self.is_keyword("between"):
            self.take()
            low = self.value()
            self.expect_keyword("and", "between the two bounds of 'between'")
            high = self.value()
            return Between(column, low, high, negated)  # type: ignore[arg-type]
        if self.is_keyword("is"):
            self.take()
            negated = False
            if self.is_keyword("not"):
                self.take()
                negated = True
            token = self.take()
            if token.kind != "keyword" or token.value not in ("missing", "null", "na"):
                raise self.error(token, "expected 'missing' after 'is'")
            return IsMissing(column, negated)
        if (
            token.kind in ("end",)
            or (token.kind == "keyword" and token.value in ("and", "or"))
            or (token.kind == "punct" and token.value == ")")
        ):
            return Truthy(column)
        raise self.error(
            token, f"expected a comparison after column '{column.name}' (==, <, in, between …)"
        )

    def value(self, allow_column: bool = False) -> Value:
        token = self.take()
        if token.kind in ("number", "string"):
            return Literal(token.value, token.pos)
        if token.kind == "keyword" and token.value in ("true", "false"):
            return Literal(token.value == "true", token.pos)
        if token.kind == "name" and allow_column:
            return Column(str(token.value), token.pos)
        if token.kind == "name":
            raise self.error(token, f'expected a value; put text in quotes: "{token.value}"')
        raise self.error(token, "expected a value (a number or quoted text)")


def parse(text: str) -> Node:
    """The syntax tree of a filter expression; FilterSyntaxError pointing at the problem."""
    return _Parser(text).parse()


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
