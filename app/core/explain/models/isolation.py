"""Child Python processes that import nothing from the current folder.

`python -m x` and `python -c ...` put the current folder first on the import path, so a
`numpy.py` or `xgboost.py` lying next to the user's files (or in the folder ShapLens was started
from) would run inside the child the moment it imports that name. Every Python child ShapLens
starts therefore either runs isolated (`-I`: no current folder, no PYTHON* variables, no user
site) with the parent's import path handed over explicitly, or, where a library builds the command
line itself (multiprocessing's spawn, used by Dask's local workers), gets `PYTHONSAFEPATH=1`,
which removes the current folder from the child's path before its first import (Python 3.11+).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Honoured by Python 3.11+ (the same as -P); multiprocessing children inherit it.
SAFE_PATH_ENV = {"PYTHONSAFEPATH": "1"}

_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv.pop(1)); "
    "from {module} import main; raise SystemExit(main(sys.argv[1:]))"
)


def app_root() -> Path:
    """The folder that holds the `app` package (site-packages, or a source checkout)."""
    return Path(__file__).resolve().parents[3]


def child_sys_path() -> list[str]:
    """The parent's import path without the current folder, with the app's own root last.

    Relative entries ('' and '.') and the current folder are dropped because they mean a
    different place for every user; the app's root goes last so that an installed numpy (not one
    lying beside the source checkout) wins.
    """
    try:
        here = Path.cwd().resolve()
    except OSError:  # the current folder was deleted
        here = None
    paths: list[str] = []
    for entry in sys.path:
        if not entry or not os.path.isabs(entry):
            continue
        try:
            if here is not None and Path(entry).resolve() == here:
                continue
        except OSError:
            continue
        if entry not in paths:
            paths.append(entry)
    root = str(app_root())
    if root not in paths:
        paths.append(root)
    return paths


def isolated_command(module: str, *args: str) -> list[str]:
    """argv running `module.main(list(args))` in an isolated interpreter (see module doc)."""
    boot = _BOOT.format(module=module)
    return [sys.executable, "-I", "-c", boot, json.dumps(child_sys_path()), *args]


@contextmanager
def safe_path_environ() -> Iterator[None]:
    """PYTHONSAFEPATH=1 in this process's environment while a library starts Python children.

    multiprocessing starts more than the workers (its resource tracker, a forkserver) from
    whatever os.environ holds at that moment, so the variable must be in place before the first
    of them; the previous value is restored afterwards.
    """
    before = {key: os.environ.get(key) for key in SAFE_PATH_ENV}
    os.environ.update(SAFE_PATH_ENV)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
