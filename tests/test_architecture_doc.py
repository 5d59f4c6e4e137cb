"""docs/ARCHITECTURE.md names real files: a newcomer follows its paths to the file to copy, so
a renamed or moved module must take the document with it.

Checked: every backticked path (`app/...`, `tests/...`, `benchmarks/...`, `docs/...`), every
backticked module name (`app.core.base.atomic`, `app.plots.export`, possibly ending in a
function or class name), and every file of the "Where each feature lives" table, whose cells
name files relative to app/core (core column) or app/ (ui / plot column), a bare name sharing
the folder of the name before it.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "ARCHITECTURE.md"
TEXT = DOC.read_text(encoding="utf-8")


def _exists(relative: str) -> bool:
    """A file or folder, or a glob (`engine/interaction_*.py`) matching at least one."""
    relative = relative.rstrip("/")
    if "*" in relative:
        return any(ROOT.glob(relative))
    return (ROOT / relative).exists()


def _backticked() -> list[str]:
    return re.findall(r"`([^`\n]+)`", TEXT)


def _doc_paths() -> list[str]:
    found = []
    for token in _backticked():
        path = token.split(":", 1)[0]  # `app/ui/panels/__init__.py:PANEL_MODULES`
        if re.fullmatch(r"(app|tests|benchmarks|docs)/[\w/.*<>-]*", path) and "<" not in path:
            found.append(path)
    return sorted(set(found))


def _doc_modules() -> list[str]:
    names = []
    for token in _backticked():
        name = re.split(r"[(\s]", token, maxsplit=1)[0]  # `app.plots.report_pdf.write_pdf(...)`
        if re.fullmatch(r"app(\.\w+)+", name):
            names.append(name)
    return sorted(set(names))


def _module_exists(dotted: str) -> bool:
    """`app.x.y` is app/x/y.py or the package app/x/y; else `y` is a name inside app.x (at
    most two trailing names: `module.Class.attribute`)."""
    parts = dotted.split(".")
    for cut in range(len(parts), max(len(parts) - 3, 1), -1):
        stem = ROOT.joinpath(*parts[:cut])
        module = stem.with_suffix(".py")
        if module.is_file() or (stem / "__init__.py").is_file():
            names = parts[cut:]
            if not names:
                return True
            source = module if module.is_file() else stem / "__init__.py"
            text = source.read_text(encoding="utf-8")
            return re.search(rf"\b(def|class)\s+{names[0]}\b|^{names[0]}\b", text, re.M) is not None
    return False


def _table_files() -> list[tuple[str, str]]:
    """(cell item, resolved path) of the feature table's core and ui / plot columns."""
    start = TEXT.index("## Where each feature lives")
    table = TEXT[start : TEXT.index("\n## ", start + 3)]
    resolved = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("feature", "---"):
            continue
        for base, cell in (("app/core", cells[1]), ("app", cells[2])):
            cell = re.sub(r"\([^)]*\)", "", cell)  # "(which view File > Export View means)"
            folder = ""
            for item in re.split(r"[,;]", cell):
                item = item.strip()
                if not re.fullmatch(r"[\w/.*]+", item) or ("." not in item and "/" not in item):
                    continue  # "—", "everywhere"
                if "/" in item:
                    folder = item.rsplit("/", 1)[0]
                    name = item
                else:
                    name = f"{folder}/{item}" if folder else item
                resolved.append((item, _table_path(base, name)))
    return resolved


def _table_path(base: str, name: str) -> str:
    """`panels/x.py` in the ui column is app/ui/panels/x.py; `engine/x.py` in the core column
    after an explain/ file is app/core/explain/engine/x.py."""
    bare = name.rsplit("/", 1)[-1]  # `workers.py` after `ui/explain_runner.py`: app/workers.py
    for candidate in (
        f"{base}/{name}",
        f"app/ui/{name}",
        f"app/core/explain/{name}",
        f"{base}/{bare}",
    ):
        if _exists(candidate):
            return candidate
    return f"{base}/{name}"


def test_the_document_names_paths_and_modules() -> None:
    # The extraction works: without it, every check below would pass on nothing.
    assert "app/core/workspace/workspace.py" in _doc_paths()
    assert "app.core.base.atomic" in _doc_modules()
    assert len(_table_files()) > 60


@pytest.mark.parametrize("path", _doc_paths())
def test_every_backticked_path_exists(path: str) -> None:
    assert _exists(path), f"docs/ARCHITECTURE.md names {path}, which does not exist"


@pytest.mark.parametrize("name", _doc_modules())
def test_every_backticked_module_exists(name: str) -> None:
    assert _module_exists(name), f"docs/ARCHITECTURE.md names {name}, which does not exist"


@pytest.mark.parametrize(("item", "path"), _table_files())
def test_every_file_of_the_feature_table_exists(item: str, path: str) -> None:
    assert _exists(path), f"the feature table names {item} ({path}), which does not exist"
