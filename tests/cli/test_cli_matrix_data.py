"""Issue 21's matrix, datasets: every verb that reads a dataset (--data, --reference, --current,
--drift-data), on every class of hostile data file, ends in exit 2 and one `error:` line naming
the file, with no traceback, no input changed and nothing left behind.

Data files never reach a native reader that could crash the interpreter, so all run in-process.
A dataset of only NaN and inf is data a tree model can take (missing and infinite values are
valid inputs): there, correct output is right too, as long as nothing breaks.
"""

from __future__ import annotations

import pytest

from app.core.data import data_io
from tests.cli import hostile_files as F
from tests.cli import hostile_matrix as M

VALID_BUT_ODD = {"nan_inf_only"}
# A glossary describes the columns it is given; a nested one becomes a category of its texts.
GLOSSARY_DESCRIBES = {("nested_column", "glossary")}


class _Memory:
    available = 100 * 1024**2  # the decoded size of the bomb (200 MB) does not fit


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> M.Good:
    return M.make_good(tmp_path_factory.mktemp("good_data"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", M.DATA_ROLES, ids=M.role_id)
@pytest.mark.parametrize("kind", sorted(F.DATA))
def test_every_verb_refuses_hostile_data(qapp, monkeypatch, tmp_path, good, kind, role) -> None:
    monkeypatch.setattr(data_io.psutil, "virtual_memory", lambda: _Memory())
    hostile = F.DATA[kind](tmp_path, good)
    watched = [*good.files(), hostile]
    before, files = M.fingerprint(watched), M.listing(tmp_path)
    code, err = M.run_in_process(good.argv(*role, hostile, tmp_path))
    assert M.fingerprint(watched) == before, "an input changed"
    if kind in VALID_BUT_ODD or (kind, role[0]) in GLOSSARY_DESCRIBES:
        assert "Traceback" not in err and code in (0, 2), (code, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and err.startswith("error:"), err
            assert M.listing(tmp_path) == files
        return
    M.check_outcome(code, err, hostile.name)
    assert M.listing(tmp_path) == files, "the run left files behind"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("verb", sorted(M.VERBS))
def test_every_verb_succeeds_on_the_good_files(qapp, tmp_path, good, verb) -> None:
    """The matrix's command lines are right: with no hostile file, each verb does its job, so
    the refusals above are the hostile file's doing."""
    code, err = M.run_in_process(good.argv(verb, "NONE", tmp_path, tmp_path))
    assert code == 0 and "error:" not in err, err
    writes = [w for w in M.VERBS[verb] if w.startswith("OUT")]
    assert [p.name for p in tmp_path.iterdir()] == [f"out{w[3:]}" for w in writes]


# The small files a verb reads besides the model and the data, each with its own size limit.
SMALL_FILES = {
    "report:glossary": ("report", ["--glossary", "{}"]),
    "report:session": ("report", ["--session", "{}"]),
    "export:rows_from": ("export", ["--rows-from", "{}"]),
}
SMALL_KINDS = {
    "empty": lambda folder: F.empty(folder, "small.yaml"),
    "fifo": lambda folder: F.fifo(folder, "small.yaml"),
    "directory": lambda folder: F.directory(folder, "small.yaml"),
    "not_utf8": lambda folder: F._write(folder / "small.yaml", b"\xff\xfe\x81" * 100),
    "dev_zero": lambda folder: F.endless(folder, "small.yaml"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", sorted(SMALL_FILES))
@pytest.mark.parametrize("kind", sorted(SMALL_KINDS))
def test_small_input_files_are_refused(qapp, tmp_path, good, kind, role) -> None:
    verb, extra = SMALL_FILES[role]
    hostile = SMALL_KINDS[kind](tmp_path)
    argv = good.argv(verb, "NONE", tmp_path, tmp_path)
    if verb == "export":  # rows are for the one-row views
        argv[argv.index("importance")] = "waterfall"
    argv += [word.format(hostile) for word in extra]
    before, files = M.fingerprint([*good.files(), hostile]), M.listing(tmp_path)
    code, err = M.run_in_process(argv)
    assert M.fingerprint([*good.files(), hostile]) == before, "an input changed"
    if (kind, role) == ("empty", "report:glossary"):  # an empty YAML file: a glossary of nothing
        assert code == 0 and (tmp_path / "out.html").is_file(), err
        return
    M.check_outcome(code, err, hostile.name)
    assert M.listing(tmp_path) == files, "the run left files behind"
