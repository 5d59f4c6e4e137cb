"""Decoding structured inputs (JSON, YAML) against a schema, with depth and size limits.

Hand-written `isinstance` checks miss cases (a non-text key, a 1e400 number, nesting deep enough
to exhaust the stack), so every structured file is decoded straight into a typed msgspec schema
(see schemas.py): types, bounds and the nesting depth are checked while parsing, and any failure
becomes one `SchemaError` whose `problem` and `where` callers turn into a sentence naming the file.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, TypeVar

import msgspec
import yaml

T = TypeVar("T")
MAX_DEPTH = 32  # no file we read nests deeper than a handful of levels

_LOCATION = re.compile(r"^(?P<problem>.*?)(?: - at `(?P<where>[^`]*)`)?$", re.S)


class SchemaError(ValueError):
    """A structured input does not fit its schema; `where` is a readable location or ''."""

    def __init__(self, problem: str, where: str = "") -> None:
        self.problem, self.where = problem, where
        super().__init__(f"{problem} (at {where})" if where else problem)


def _readable(where: str) -> str:
    """msgspec's `$.features[...].values` as `features → values`; '' for the top level."""
    where = where.removeprefix("$").replace("[...]", "").lstrip(".")
    return re.sub(r"\.", " → ", where)


def _from_validation(error: msgspec.ValidationError) -> SchemaError:
    match = _LOCATION.match(str(error))
    problem = match.group("problem") if match else str(error)
    where = match.group("where") if match and match.group("where") else ""
    problem = problem.replace("Object contains unknown field", "unknown key")
    problem = problem.replace("Object missing required field", "missing key")
    problem = problem.replace("Number out of range", "a number too large to use")
    return SchemaError(problem.replace("`object`", "`mapping`"), _readable(where))


def decode_json(data: bytes | str, schema: type[T]) -> T:
    """`data` as an instance of `schema`, or SchemaError (bad JSON, wrong type, out of bounds)."""
    try:
        return msgspec.json.decode(data, type=schema)
    except msgspec.ValidationError as error:
        raise _from_validation(error) from error
    except msgspec.DecodeError as error:
        detail = str(error).removeprefix("JSON is malformed: ")
        raise SchemaError(f"not valid JSON ({detail})") from error
    except RecursionError as error:
        raise SchemaError("nested far too deeply to be a file ShapLens wrote") from error


def convert(value: object, schema: type[T]) -> T:
    """An already-parsed value (from YAML) as an instance of `schema`, or SchemaError."""
    try:
        return msgspec.convert(value, type=schema)
    except msgspec.ValidationError as error:
        raise _from_validation(error) from error
    except RecursionError as error:
        raise SchemaError("nested far too deeply") from error


def _key_text(key: object) -> str:
    """YAML reads `1:` as an int and `2020-01-01:` as a date: keys become the text they print as."""
    if isinstance(key, bool) or key is None:
        return str(key).lower() if isinstance(key, bool) else "null"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    if isinstance(key, (str, int, float, _dt.date)):
        return str(key)
    raise SchemaError(f"a key is a {type(key).__name__}, not a piece of text")


def yaml_document(text: str, loader: type[yaml.SafeLoader], max_depth: int = MAX_DEPTH) -> Any:
    """Parse YAML after checking its nesting depth on the event stream (no recursion involved).

    Mapping keys become text and scalar leaves stay as parsed (the schema decides what they may
    be); raises SchemaError for a too-deep document or one with aliases (a "billion laughs"
    expands exponentially) and lets yaml.YAMLError through for syntax.
    """
    depth = 0
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=fast):
        if isinstance(event, yaml.AliasEvent):
            # `*name` repeats a whole subtree: nine levels of ten make a billion nodes
            mark = event.start_mark
            raise SchemaError(
                "uses YAML aliases (*name), which ShapLens does not expand; write the values out",
                f"line {mark.line + 1}" if mark is not None else "",
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > max_depth:
                mark = event.start_mark
                raise SchemaError(
                    f"nested more than {max_depth} levels deep",
                    f"line {mark.line + 1}" if mark is not None else "",
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return _text_keys(yaml.load(text, Loader=loader))  # a SafeLoader subclass


def _text_keys(value: Any) -> Any:
    """Mapping keys as text, all the way down (depth already bounded by yaml_document)."""
    if isinstance(value, dict):
        return {_key_text(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value
