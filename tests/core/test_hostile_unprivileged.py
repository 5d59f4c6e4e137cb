"""Permission cases of issue 21 for real, also when the suite runs as root (as CI does): an
unreadable data file, `explain` into a read-only folder, and a cache folder or entry another
user made. Root ignores file modes, so each case runs in a forked child that gives up root for
the 'nobody' account (a fork, not a new interpreter: 'nobody' may not reach the interpreter under
/root). Without root the child simply runs as the current user.

Everything the child needs is imported by the parent first: the child may not be able to read
the interpreter's own files.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import app.commands.explain  # noqa: F401  (imported here: the child may not read it)
from app.cli import main
from app.core.base.errors import CacheError, ShapLensError
from app.core.base.types import Explanation, Unit
from app.core.data.cache import ExplanationCache, cache_key
from app.core.data.data_io import load_dataset
from app.core.review.glossary import load_glossary
from app.ui import cache_jobs

pytestmark = pytest.mark.timeout(120)

NOBODY = 65534
READ_ONLY = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder 'nobody' may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="shaplens-unpriv-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):  # make everything removable again
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def give(*paths: Path) -> None:
    """Hand files and folders to the account the child runs as."""
    if os.geteuid() == 0:
        for path in paths:
            os.chown(path, NOBODY, NOBODY)


def unprivileged(base: Path, job: Callable[[], object]) -> object:
    """`job()` in a forked child without root; its return value (JSON) or 'RAISED <message>'."""
    result = base / "result.json"
    result.write_text("")
    give(result)
    with warnings.catch_warnings():  # 3.12+ warns on fork beside threads; the child only reads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setgroups([])
                os.setuid(NOBODY)
            try:
                value: object = job()
            except ShapLensError as error:
                value = f"RAISED {error}"
            result.write_text(json.dumps(value))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child failed outside the job"
    return json.loads(result.read_text())


def run_cli(*argv: str | Path) -> dict[str, object]:
    """`shaplens argv` in this (child) process: its exit status and what it wrote to stderr."""
    err, saved = io.StringIO(), sys.stderr
    sys.stderr = err
    try:
        code = main([str(a) for a in argv])
    finally:
        sys.stderr = saved
    return {"code": code, "err": err.getvalue()}


def test_unreadable_data_file(base: Path, sample_data_path: Path) -> None:
    data = base / "locked.parquet"
    pd.read_parquet(sample_data_path).iloc[:50].to_parquet(data)
    load_dataset(data)  # readable to its owner
    data.chmod(0)
    outcome = unprivileged(base, lambda: load_dataset(data).shape[0])
    assert isinstance(outcome, str) and outcome.startswith("RAISED The data file "), outcome
    assert outcome.endswith("locked.parquet cannot be read (permission denied); give yourself "
                            "read access to it or copy it somewhere readable.")  # fmt: skip


def test_explain_into_a_read_only_folder(
    base: Path, sample_model_path: Path, sample_data_path: Path
) -> None:
    data, model = base / "d.parquet", base / "m.txt"
    pd.read_parquet(sample_data_path).iloc[:50].to_parquet(data)
    # A copy: a fresh clone's folder (mktemp's 0700) is not searchable by the child's user.
    shutil.copyfile(sample_model_path, model)
    folder = base / "locked"
    folder.mkdir()
    earlier = folder / "values.parquet"
    earlier.write_bytes(b"the earlier values")
    give(folder, earlier, data, model)
    folder.chmod(READ_ONLY)
    for out in (earlier, folder / "new" / "values.parquet"):
        outcome = unprivileged(
            base,
            lambda out=out: run_cli("explain", "--model", model, "--data", data, "--out", out),
        )
        assert isinstance(outcome, dict) and outcome["code"] == 2, outcome
        lines = str(outcome["err"]).strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: Cannot write values.parquet")
        assert f"the folder {folder} is read-only or you lack permission" in lines[0]
    assert earlier.read_bytes() == b"the earlier values"
    assert sorted(p.name for p in folder.iterdir()) == ["values.parquet"]


def test_a_model_in_a_folder_the_user_cannot_search(
    base: Path, sample_model_path: Path, sample_data_path: Path
) -> None:
    # Was a traceback from Path.exists(), or, when the output was checked against the inputs
    # first, "Cannot write adult_lgbm.txt: the folder ... is read-only" (seen in CI).
    hidden = base / "private"
    hidden.mkdir(mode=0o700)
    model = hidden / "m.txt"
    shutil.copyfile(sample_model_path, model)
    data, outputs = base / "d.parquet", base / "outputs"
    pd.read_parquet(sample_data_path).iloc[:20].to_parquet(data)
    outputs.mkdir()
    out = outputs / "values.parquet"
    give(data, outputs)
    outcome = unprivileged(
        base, lambda: run_cli("explain", "--model", model, "--data", data, "--out", out)
    )
    assert isinstance(outcome, dict) and outcome["code"] == 2, outcome
    lines = str(outcome["err"]).strip().splitlines()
    assert lines == [
        f"error: The model file {model} cannot be read (permission denied); give yourself "
        "read access to it or copy it somewhere readable."
    ]
    assert not out.exists()


@pytest.mark.parametrize("kind", ["data", "glossary"])
def test_a_file_in_a_folder_the_user_cannot_search(base: Path, sample_data_path, kind) -> None:
    # Path.exists() raised PermissionError there (Python 3.11): a traceback, not a sentence.
    hidden = base / "private"
    hidden.mkdir(mode=0o700)
    if kind == "data":
        path = hidden / "d.parquet"
        pd.read_parquet(sample_data_path).iloc[:5].to_parquet(path)
        outcome = unprivileged(base, lambda: load_dataset(path).shape[0])
    else:
        path = hidden / "g.yaml"
        path.write_text("features: {}\n")
        outcome = unprivileged(base, lambda: len(load_glossary(path).features))
    assert isinstance(outcome, str) and outcome.startswith("RAISED The "), outcome
    assert outcome.endswith(f"{path} cannot be read (permission denied); give yourself read "
                            "access to it or copy it somewhere readable.")  # fmt: skip


def _explanation(n: int = 12) -> Explanation:
    rng = np.random.default_rng(0)
    return Explanation(
        values=rng.normal(size=(n, 3, 1)).astype(np.float32),
        base_values=np.array([0.5]),
        raw_output=rng.normal(size=(n, 1)),
        feature_names=["a", "b", "c"],
        output_names=["y"],
        unit=Unit.TARGET,
        exact=True,
        rows=np.arange(n, dtype=np.int64),
        engine="test",
    )


@pytest.mark.parametrize("locked", ["entry folder", "entry file"])
def test_cache_another_user_made_is_a_miss(base: Path, locked: str) -> None:
    """A cache written by root (`sudo shaplens ...` once) must not keep the user's files from
    opening: the entry is skipped and the values are computed again."""
    cache = ExplanationCache(base / "cache")
    key = cache_key(b"model", b"data")
    meta = cache.put(key, _explanation())
    assert cache.get(key).n_rows == 12
    if locked == "entry folder":
        meta.parent.chmod(0)
    else:
        meta.chmod(0)

    def look() -> dict[str, object]:
        present = key in cache
        try:
            cache.get(key)
            got = "read"
        except CacheError as error:
            got = str(error)
        return {"present": present, "get": got}

    outcome = unprivileged(base, look)
    assert isinstance(outcome, dict)
    if locked == "entry folder":
        assert outcome["present"] is False
        assert outcome["get"].startswith("No cached explanation")
    else:
        assert outcome["present"] is True
        assert "permission denied" in outcome["get"] and "computed again" in outcome["get"]


def test_window_lookup_in_a_cache_it_may_not_search(
    base: Path, sample_model_path: Path, sample_data_path: Path
) -> None:
    """The window's worker-side look-up (the step that once failed the whole file opening)."""
    from app.core.data.align import align
    from app.core.data.model_io import load_model

    model_path = base / "model.txt"  # where the child can read it (the checkout may not be)
    shutil.copy(sample_model_path, model_path)
    model = load_model(model_path)
    X = align(model, pd.read_parquet(sample_data_path).iloc[:50]).X
    cache = ExplanationCache(base / "cache")
    key = cache_key(model_path.read_bytes(), X, cache_jobs.settings_for(model))
    cache.put(key, _explanation())
    (base / "cache").chmod(0o700)  # root's private cache folder

    def look() -> dict[str, object]:
        found = cache_jobs.lookup(cache, model_path, model, X)
        return {"key": found.key, "hit": found.hit is not None}

    assert unprivileged(base, look) == {"key": key, "hit": False}
