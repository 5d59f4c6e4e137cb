"""State is reached as attributes, never searched for: no `findChild(` anywhere in app/, and the
window's state modules import no panel module."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
STATE_MODULES = ("ui/state.py", "ui/state_contexts.py")


def test_no_state_is_found_by_searching_the_object_tree() -> None:
    found = [
        f"{path.relative_to(APP)}:{number}"
        for path in APP.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "findChild(" in line
    ]
    assert found == [], f"reach state through attributes, not findChild: {found}"


def test_state_modules_import_no_panel() -> None:
    for name in STATE_MODULES:
        tree = ast.parse((APP / name).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert not [m for m in imported if m.startswith("app.ui.panels")], name
