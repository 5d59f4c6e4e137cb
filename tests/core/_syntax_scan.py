"""What the read and write gate tests share: the calls in a module of app/, and how to name them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "app"


def calls_in(path: Path, gate: set[str]) -> Iterator[tuple[str, str, ast.Call]]:
    """(module path relative to app/, called name, call) for every call outside the gate."""
    rel = path.relative_to(ROOT).as_posix()
    if rel in gate:
        return
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            yield rel, name_of(node.func), node


def name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def receiver_of(node: ast.Call) -> str:
    func = node.func
    return name_of(func.value) if isinstance(func, ast.Attribute) else ""


def open_mode(node: ast.Call) -> str:
    mode = node.args[1] if len(node.args) > 1 else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
