"""Issue 21's matrix, models: every verb that reads a model, on every class of hostile model
file, ends in exit 2 and one `error:` line naming the file, with no traceback, no input changed
and nothing left behind. A pickle is refused, never loaded (loading it would leave a file).

Classes whose bytes reach a native reader run in one child process per class (a crash there
fails these tests instead of killing the test run); the others run in-process.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.cli import hostile_files as F
from tests.cli import hostile_matrix as M


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> M.Good:
    return M.make_good(tmp_path_factory.mktemp("good_models"))


def _check_run(folder: Path, good: M.Good, hostile: Path, run) -> tuple[int, str]:
    watched = [*good.files(), hostile]
    before, files = M.fingerprint(watched), M.listing(folder)
    code, err = run()
    assert M.fingerprint(watched) == before, "an input changed"
    assert M.listing(folder) == files, "the run left files behind"
    return code, err


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", M.MODEL_ROLES, ids=M.role_id)
@pytest.mark.parametrize("kind", sorted(F.SAFE_MODELS))
def test_every_verb_refuses_a_hostile_model_in_process(qapp, tmp_path, good, kind, role) -> None:
    hostile = F.SAFE_MODELS[kind](tmp_path, good)
    argv = good.argv(*role, hostile, tmp_path)
    code, err = _check_run(tmp_path, good, hostile, lambda: M.run_in_process(argv))
    M.check_outcome(code, err, hostile.name)
    assert not (tmp_path / "PICKLE_RAN").exists(), "the pickle was loaded"


@functools.cache
def _child_results(kind: str, folder: Path, good: M.Good) -> dict[str, tuple[int, str]]:
    """All roles of one class in one child; the whole class's inputs and folder are checked
    around it (each role's test then reports its own outcome)."""
    hostile = F.CRASH_PRONE_MODELS[kind](folder, good)
    runs = {M.role_id(role): good.argv(*role, hostile, folder) for role in M.MODEL_ROLES}
    results = _check_run(folder, good, hostile, lambda: (0, M.run_in_child(runs, folder)))[1]
    return {"hostile": hostile.name, **results}  # type: ignore[dict-item]


@pytest.fixture(scope="module")
def child_folder(tmp_path_factory):
    return lambda kind: tmp_path_factory.getbasetemp() / f"child_{kind}"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("role", M.MODEL_ROLES, ids=M.role_id)
@pytest.mark.parametrize("kind", sorted(F.CRASH_PRONE_MODELS))
def test_every_verb_refuses_a_crash_prone_model_in_a_child(good, child_folder, kind, role) -> None:
    folder = child_folder(kind)
    folder.mkdir(exist_ok=True)
    results = _child_results(kind, folder, good)
    code, err = results[M.role_id(role)]
    M.check_outcome(code, err, results["hostile"])


def test_the_pickle_would_run_code_if_loaded(tmp_path, good) -> None:
    """The marker the tests above look for does appear when the pickle is loaded."""
    import pickle

    path = F.model_pickle(tmp_path, good)
    pickle.loads(path.read_bytes()).close()
    assert (tmp_path / "PICKLE_RAN").exists()
