"""The Dask engine's result folder: replaced only when it is provably ours, and then only our files.

A folder at `--out` is "ours" when all of this holds: it carries our marker file with exactly the
content we write, its manifest parses with our schema (version 1, a list of parts named
`part-NNNNN.parquet`), and it holds nothing else than the files a run writes (manifest, marker,
_SUCCESS, summary, sample and the manifest's parts), all regular files. A folder that merely holds
a `_manifest.json` (someone else's, or ours with the user's notes added) is refused, and even an
owned folder is removed file by file (never rmtree), so a file that appears meanwhile survives.
(A run's own hidden staging folder, created by that run under a random name, is another matter:
it holds only what the run wrote and is removed whole when the run fails.)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path

from app.core.base.atomic import preflight, write_text_atomic
from app.core.explain.distributed import DistributedExplainError
from app.core.explain.distributed.explained_store import MANIFEST, SUCCESS
from app.core.explain.distributed.summary import SAMPLE_FILE, SUMMARY_JSON, SUMMARY_NPZ

MARKER = "_shaplens_result.json"
MARKER_CONTENT = {"writer": "shaplens", "kind": "explained-dataset", "layout": 1}
FIXED_FILES = frozenset({MANIFEST, SUCCESS, MARKER, SUMMARY_JSON, SUMMARY_NPZ, SAMPLE_FILE})
_PART = re.compile(r"part-\d{5,}\.parquet")
_MAX_MANIFEST = 64 * 1024**2  # a manifest lists parts: far below this even for 100,000 parts


def write_marker(folder: Path) -> None:
    """Sign a result folder as written by ShapLens (checked before it is ever replaced)."""
    write_text_atomic(folder / MARKER, json.dumps(MARKER_CONTENT, sort_keys=True))


def _read_small_json(path: Path) -> object:
    """A JSON file we wrote, read only if it is a regular file of sane size (no FIFO, no link)."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_MANIFEST:
        raise ValueError(f"{path.name} is not a small regular file")
    with open(path, "rb") as handle:
        return json.loads(handle.read(_MAX_MANIFEST + 1))


def owned_files(folder: Path) -> list[Path] | None:
    """Every file of a result folder that ShapLens wrote, or None when it is not provably ours."""
    try:
        if _read_small_json(folder / MARKER) != MARKER_CONTENT:
            return None
        manifest = _read_small_json(folder / MANIFEST)
        if not isinstance(manifest, dict) or manifest.get("version") != 1:
            return None
        parts = manifest.get("parts")
        if not isinstance(parts, list):
            return None
        names = [p.get("file") if isinstance(p, dict) else None for p in parts]
        if not all(isinstance(n, str) and _PART.fullmatch(n) for n in names):
            return None
        allowed = FIXED_FILES | set(names)
        found = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name not in allowed or not entry.is_file(follow_symlinks=False):
                    return None
                found.append(folder / entry.name)
        return found
    except (OSError, ValueError):
        return None


def check_result_out(out: Path, inputs: Iterable[Path]) -> Path:
    """Refuse an `--out` folder that is an input, holds an input, or holds what we did not write,
    or one in a place nothing can be created (a read-only folder): before a cluster starts."""
    target = preflight(out, inputs, folder=True)
    if target.is_dir() and any(target.iterdir()) and owned_files(target) is None:
        raise DistributedExplainError(
            f"--out {out} already holds other files (it is not a ShapLens result folder, or "
            "files were added to one); choose a new or empty folder. Nothing was deleted."
        )
    return target


def _remove_owned(folder: Path, files: list[Path]) -> None:
    """Delete exactly the files we wrote; the folder goes only if nothing else is left."""
    for file in files:
        with contextlib.suppress(FileNotFoundError):
            file.unlink()
    with contextlib.suppress(OSError):  # not empty: a file appeared meanwhile; keep it
        folder.rmdir()


def publish(new: Path, out: Path) -> None:
    """Put the finished staging folder `new` at `out`, replacing only an earlier result of ours."""
    write_marker(new)
    if not out.exists():
        new.rename(out)
        return
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
        new.rename(out)
        return
    files = owned_files(out)  # checked again now: the folder may have changed since planning
    if files is None:
        raise DistributedExplainError(
            f"--out {out} now holds files that ShapLens did not write; the new result was not "
            "published and nothing was deleted."
        )
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    out.rename(old)
    new.rename(out)
    _remove_owned(old, [old / f.name for f in files])
