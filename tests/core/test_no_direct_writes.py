"""Every file ShapLens writes goes through the output gate (app/core/base/atomic.py).

This walks the syntax tree of every module under app/ and fails on a write that bypasses the gate:
open(..., "w"), Path.write_text/write_bytes, os.replace/rename, a Qt writer given a file name
(QImage.save(str(path)), QSvgGenerator.setFileName, QPdfWriter(path)), and numpy/pandas/pyarrow
writers given a path instead of the file object the gate hands its producer. Writers must write
into that handle (by convention named `handle`, `f` or `h`) or into a QBuffer named `buffer`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.core._syntax_scan import ROOT, calls_in, open_mode, receiver_of

GATE = {"core/base/atomic.py", "core/base/output_gate.py"}
HANDLE_NAMES = {"handle", "f", "h", "buffer"}
# Destination argument of writers that accept a path or a file object.
DESTINATION_ARG = {
    "save": 0,  # np.save, QImage/QPixmap.save, and our own .save(path) methods (checked below)
    "savez": 0,
    "savez_compressed": 0,
    "write_table": 1,
    "ParquetWriter": 0,
    "QPdfWriter": 0,
    "to_parquet": 0,
    "to_csv": 0,
    "to_json": 0,
    "to_excel": 0,
    "to_feather": 0,
    "tofile": 0,
}
# Our own objects whose .save(path) goes through the gate themselves.
OWN_SAVERS = {"glossary", "summary", "self", "cohorts"}
# Reviewed exceptions: (file, call) -> why it is not a user-visible file write.
ALLOWED = {
    (
        "core/explain/distributed/result_folder.py",
        "rename",
    ): "publishes a whole result folder (the gate"
    " for folders: renames a finished staging folder, checked to be ours)",
    ("core/explain/distributed/dask_explain.py", "rmtree"): "removes the run's own staging folder,"
    " created by this run under a random hidden name",
    ("core/explain/distributed/dask_explain.py", "rename"): "moves that staging folder aside first",
    (
        "core/explain/distributed/partition.py",
        "rmtree",
    ): "a worker's private temporary model folder",
    (
        "core/data/cache.py",
        "rmtree",
    ): "clears the explanation cache folder, which only ShapLens writes",
}


def problems_in(path: Path) -> list[str]:
    found = []
    for rel, call, node in calls_in(path, GATE):
        where = f"{rel}:{node.lineno}"
        if (rel, call) in ALLOWED:
            continue
        if call == "open" and any(c in open_mode(node) for c in "wax+"):
            found.append(f"{where}: open(..., {open_mode(node)!r})")
        elif call in ("write_text", "write_bytes", "setFileName", "rmtree"):
            found.append(f"{where}: .{call}(...)")
        elif call in ("rename", "replace") and receiver_of(node) == "os":
            found.append(f"{where}: os.{call}(...)")
        elif call in ("rename", "replace") and len(node.args) == 1 and not node.keywords:
            if not isinstance(node.args[0], ast.Dict):  # DataFrame.replace({...}) is not a file
                found.append(f"{where}: Path.{call}(...)")
        elif (call in DESTINATION_ARG and call != "save") or (
            call == "save" and receiver_of(node) not in OWN_SAVERS and node.args
        ):
            index = DESTINATION_ARG[call]
            if len(node.args) <= index:
                continue  # to_csv() without a path returns text
            target = node.args[index]
            if not (isinstance(target, ast.Name) and target.id in HANDLE_NAMES):
                found.append(f"{where}: {call}() to {ast.unparse(target)}")
    return found


def test_every_write_in_app_goes_through_the_gate() -> None:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 50
    problems = [p for file in files for p in problems_in(file)]
    assert problems == [], "writes that bypass app.core.base.atomic:\n" + "\n".join(problems)


def test_the_check_catches_what_it_should(tmp_path, monkeypatch) -> None:
    bad = ROOT / "_probe_for_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: SAMPLE)
    assert len(problems_in(bad)) == SAMPLE.count("# bad")


SAMPLE = """
open(path, "w")  # bad
open(path, mode="ab")  # bad
open(path)
path.write_text("x")  # bad
tmp.replace(out)  # bad
os.replace(a, b)  # bad
text.replace("a", "b")
frame.replace({1: 2})
image.save(str(path), "PNG")  # bad
image.save(buffer, "PNG")
generator.setFileName(str(path))  # bad
QPdfWriter(str(path))  # bad
QPdfWriter(buffer)
pq.write_table(table, tmp)  # bad
pq.write_table(table, handle)
np.save(f, array)
np.savez_compressed(folder / "x.npz", **arrays)  # bad
frame.to_parquet(folder / "x.parquet")  # bad
frame.to_csv()
glossary.save(args.out)
shutil.rmtree(folder)  # bad
"""
