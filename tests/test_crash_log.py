"""The crash report `make test` prints after a segfault: the running test and the crashed thread."""

from __future__ import annotations

from tests import crash_log

DUMP = """Fatal Python error: Segmentation fault

Thread 0x00007f1066ffd6c0 (most recent call first):
  File "/x/app/core/production/inspect.py", line 201 in training_params
  File "/x/app/workers.py", line 134 in _execute

Current thread 0x00007f10eaffc6c0 (most recent call first):
  File "/x/app/ui/panels/overview.py", line 12 in _show
  File "/x/.venv/lib/python3.11/site-packages/_pytest/python.py", line 187 in pytest_pyfunc_call
  File "/x/.venv/lib/python3.11/site-packages/pluggy/_callers.py", line 103 in _multicall

Extension modules: numpy.core._multiarray_umath (total: 1)
"""


def test_the_report_names_the_test_and_the_crashed_thread_without_pytest_frames() -> None:
    text = crash_log.report(DUMP, "tests/ui/test_x.py::test_y\n")
    lines = text.splitlines()
    assert "Running test: tests/ui/test_x.py::test_y" in lines
    assert "2 Python threads" in text
    assert lines[-2:] == [
        "Current thread 0x00007f10eaffc6c0 (most recent call first):",
        '  File "/x/app/ui/panels/overview.py", line 12 in _show',
    ]
    assert "training_params" not in text  # other threads stay in the file


def test_a_crash_outside_python_threads_says_so() -> None:
    native = DUMP.replace("Current thread", "Thread")
    assert "a native thread crashed" in crash_log.report(native, "")


def test_no_report_when_the_run_did_not_crash() -> None:
    assert crash_log.report("", "tests/ui/test_x.py::test_y") == ""
