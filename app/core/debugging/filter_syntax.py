"""Filter expression syntax: tokenizer, syntax tree and recursive-descent parser (no eval).

The grammar is documented in app/core/debugging/filters.py, which evaluates the tree over a DataFrame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.base.errors import FilterSyntaxError

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


MAX_NESTING = 64  # parentheses and `not`s inside each other; deeper exhausts the stack


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def nest(self, token: Token) -> None:
        """Count one level of nesting; the parser (and the evaluator) recurse once per level."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FilterSyntaxError(
                f"The filter nests parentheses or 'not' more than {MAX_NESTING} levels deep at "
                f"character {token.pos + 1}; write it with fewer levels.",
                token.pos,
            )

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
            self.nest(self.take())
            inner = self.not_expr()
            self.depth -= 1
            return Not(inner)
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token.kind == "punct" and token.value == "(":
            self.nest(self.take())
            node = self.or_expr()
            self.expect_punct(")", "to close the '(' at character " + str(token.pos + 1))
            self.depth -= 1
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
