"""What the command line imports: each verb only what it needs, and never the window's code.

A verb's module is imported only when the verb runs (app/cli.py), so these checks are what keep
`shaplens --help` and `shaplens explain` fast: one module-level `import sklearn` in a shared
module costs every verb seconds.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from app.cli import VERBS
from tests.conftest import SAMPLE_DATA, SAMPLE_MODEL

APP = Path(__file__).resolve().parents[2] / "app"
# Libraries that take a second or more to import, or bring Qt: no verb needs them to start.
HEAVY = (
    "sklearn", "shap", "dask", "distributed", "xgboost", "catboost", "lightgbm", "numba",
    "scipy", "PySide6", "pyqtgraph", "superqt",
)  # fmt: skip


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in sys.modules after `code` runs in a fresh interpreter."""
    script = (
        f"import json, sys\n{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _imports(path: Path, package: str) -> list[str]:
    return sorted(n for n in _imported_modules(path) if n == package or n.startswith(package + "."))


def test_no_command_but_gui_imports_the_window() -> None:
    offenders = {
        path.name: found
        for path in sorted((APP / "commands").glob("*.py"))
        if path.name != "gui.py" and (found := _imports(path, "app.ui"))
    }
    assert offenders == {}
    assert _imports(APP / "commands" / "gui.py", "app.ui")  # the check can see an import


def test_the_window_imports_no_command() -> None:
    offenders = {
        str(path.relative_to(APP)): found
        for path in sorted((APP / "ui").rglob("*.py"))
        if (found := _imports(path, "app.commands"))
    }
    assert offenders == {}


def test_every_command_module_is_a_registered_verb() -> None:
    modules = {p.stem for p in (APP / "commands").glob("[!_]*.py")}
    assert modules == {verb.module.rsplit(".", 1)[1] for verb in VERBS.values()}


def test_help_imports_no_verb_and_nothing_heavy() -> None:
    code = (
        "from app.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('app.commands.')], 'a verb loaded'\n"
        "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules"
    )
    assert _loaded_after(code) == []


@pytest.mark.parametrize("name", sorted(VERBS))
def test_importing_a_verb_pulls_in_nothing_heavy(name: str) -> None:
    assert _loaded_after(f"import {VERBS[name].module}") == []


def test_explain_runs_without_scikit_learn_lightgbm_or_qt(tmp_path) -> None:
    data = tmp_path / "ten.parquet"
    pd.read_parquet(SAMPLE_DATA).head(10).to_parquet(data)
    out = tmp_path / "values.parquet"
    argv = ["explain", "--model", str(SAMPLE_MODEL), "--data", str(data), "--out", str(out)]
    loaded = _loaded_after(f"from app.cli import main\nassert main({argv!r}) == 0")
    assert out.exists()
    # The engine is numba's (which loads scipy.linalg for BLAS); LightGBM's Booster, and the
    # scikit-learn it imports, stay out: the engine computes everything.
    assert set(loaded) <= {"numba", "scipy"}, loaded


def _window_modules_after(code: str) -> list[str]:
    """The app.ui modules in sys.modules after `code` runs in a fresh interpreter: the AST
    check above sees a command's own imports, this one also what they import in turn."""
    script = (
        f"import json, sys\n{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[:2] == ['app', 'ui'])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(VERBS))
def test_importing_a_verb_loads_no_window_module(name: str) -> None:
    assert _window_modules_after(f"import {VERBS[name].module}") == []


def test_a_report_with_figures_runs_without_the_window(tmp_path) -> None:
    """`report` draws its figures with app.plots (Qt, offscreen) and lays out the PDF there too;
    it used to reach them through app.ui (report_export, report_pdf)."""
    data = tmp_path / "forty.parquet"
    pd.read_parquet(SAMPLE_DATA).head(40).to_parquet(data)
    out = tmp_path / "report.pdf"
    argv = ["report", "--model", str(SAMPLE_MODEL), "--data", str(data), "--out", str(out)]
    argv += ["--rows", "3", "--sample", "0"]
    code = f"from app.cli import main\nassert main({argv!r}) == 0"
    assert _window_modules_after(code) == []
    assert out.stat().st_size > 0
