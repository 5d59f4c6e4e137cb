"""Every file ShapLens reads is opened by the input gate (app/core/base/input_gate.py).

The gate opens without blocking and judges the kind (regular file) and size on the open
descriptor, so a FIFO, a device or an oversized file is refused in one sentence instead of
freezing a thread or filling memory. This walks the syntax tree of every module under app/ and
fails on a read that bypasses it: open(...) for reading, Path.read_bytes/read_text, and the
numpy/pandas/pyarrow readers given a path instead of the file object the gate hands out (by
convention named `handle`, `f`, `h` or `buffer`, or an in-memory io.BytesIO).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.core._syntax_scan import ROOT, calls_in, name_of, open_mode, receiver_of

GATE = {"core/base/input_gate.py"}
HANDLE_NAMES = {"handle", "f", "h", "buffer"}
# Readers that accept a path or a file object: the source is their first argument.
READERS = {
    "load",  # np.load
    "loadtxt",
    "fromfile",
    "read_csv",
    "read_excel",
    "read_feather",
    "read_parquet",
    "read_json",
    "read_table",
    "read_metadata",
    "read_schema",
    "ParquetFile",
}
# Receivers whose .load(...) is not a file read (json.loads is another name; yaml gets text).
NOT_FILE_LOADS = {"json", "yaml", "pickle", "skops", "sio", "joblib", "cls", "self", "Summary"}
# Reviewed exceptions: (file, call) -> why the read need not go through the gate.
ALLOWED = {
    ("core/explain/models/probe.py", "open"): "the crash probe's child reads the model the parent"
    " already passed through the gate, under a timeout and a memory limit",
    ("core/data/cache.py", "load"): "memory-maps a cache array after check_input judged it (numpy"
    " needs a path to map)",
    ("core/explain/distributed/result_folder.py", "open"): "a manifest in a folder ShapLens wrote,"
    " lstat-checked to be a small regular file (not a link) first",
    ("core/explain/models/catboost_codes.py", "read_text"): "CatBoost's JSON export, written by"
    " this process into its own temporary folder",
    ("core/explain/models/catboost_model.py", "read_text"): "the same temporary export",
    ("core/production/latency.py", "open"): "/proc/cpuinfo, the machine's CPU name for the report",
    ("commands/install_desktop.py", "read_text"): "the .desktop entry bundled with the package",
    ("commands/install_desktop.py", "read_bytes"): "the icons bundled with the package",
}


def _is_handle(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in HANDLE_NAMES
    return isinstance(node, ast.Call) and name_of(node.func) == "BytesIO"


def problems_in(path: Path) -> list[str]:
    found = []
    for rel, call, node in calls_in(path, GATE):
        where = f"{rel}:{node.lineno}"
        if (rel, call) in ALLOWED:
            continue
        if call == "open" and isinstance(node.func, ast.Name):
            if not any(c in open_mode(node) for c in "wax+"):
                found.append(f"{where}: open(..., {open_mode(node)!r})")
        elif call in ("read_bytes", "read_text") and not node.args:
            found.append(f"{where}: .{call}()")
        elif (
            call in READERS
            and node.args
            and receiver_of(node) not in NOT_FILE_LOADS
            and not _is_handle(node.args[0])
        ):
            found.append(f"{where}: {call}({ast.unparse(node.args[0])})")
    return found


def test_every_read_in_app_goes_through_the_gate() -> None:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 50
    problems = [p for file in files for p in problems_in(file)]
    assert problems == [], "reads that bypass app.core.base.input_gate:\n" + "\n".join(problems)


def test_the_check_catches_what_it_should(monkeypatch) -> None:
    bad = ROOT / "_probe_for_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: SAMPLE)
    assert len(problems_in(bad)) == SAMPLE.count("# bad")


SAMPLE = """
open(path)  # bad
open(path, "rb")  # bad
open(path, "w")
path.read_bytes()  # bad
path.read_text(encoding="utf-8")  # bad
np.load(path, mmap_mode="r")  # bad
np.load(handle)
np.load(io.BytesIO(body))
pd.read_csv(path)  # bad
pd.read_csv(handle, sep=",")
pq.ParquetFile(folder / "x.parquet")  # bad
pq.read_metadata(handle)
json.load(handle)
yaml.load(text)
"""
