"""Shared fixtures and the suite's guards.

Tests read only what ships with the repository or its dependencies (tests/datasets.py). Two guards
keep it so: an audit hook fails any test that opens a file in a sibling folder of the checkout
(a developer's machine may keep data there; a user's clone has nothing beside it), and under
CI=true any skip outside a short allow-list fails the run, so missing data or tools never pass.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from tests import crash_log

# Tests never need a real screen; the Xvfb smoke test sets its own DISPLAY in a subprocess.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw the same examples on every run, so a red CI run means the code changed,
# not the dice (a random draw once failed CI on a damage the validator had never seen).
# HYPOTHESIS_PROFILE=explore draws fresh examples to hunt for new failures.
settings.register_profile("fixed", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_MODEL = ROOT / "sample_models" / "adult_lgbm.txt"
SAMPLE_DATA = ROOT / "sample_models" / "adult.parquet"
SIBLINGS = str(ROOT.parent) + os.sep
INSIDE = str(ROOT) + os.sep
# Skips that say nothing about the checkout: opt-in slow runs, and a permission test that root
# cannot run (root ignores folder permissions).
ALLOWED_SKIPS = (
    "slow: run with --runslow",
    "running with privileges that ignore read-only folders",
)


def _refuse_reads_beside_the_checkout(event: str, args: tuple) -> None:
    if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if path.startswith(SIBLINGS) and not path.startswith(INSIDE) and path != str(ROOT):
        raise PermissionError(
            f"tests may not read outside the repository ({path}); a user's clone has nothing "
            "beside it: use tests/datasets.py, sample_models/ or a seeded fixture"
        )


sys.addaudithook(_refuse_reads_beside_the_checkout)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")
    parser.addoption(
        "--monkey-actions",
        type=int,
        default=None,
        help="random GUI actions in tests/ui/test_monkey.py (default 2,000; long runs need --timeout=0)",
    )


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler set-up, which it replaces
def pytest_configure(config: pytest.Config) -> None:
    crash_log.enable()


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    crash_log.disable()


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    crash_log.mark_running(nodeid)


_unexpected_skips: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or not os.environ.get("CI"):
        return
    reason = (
        str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    )
    if not any(allowed in reason for allowed in ALLOWED_SKIPS):
        _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected_skips:
        print("\nCI allows no skip for missing data or tools; these were skipped:")
        print("\n".join(f"  {line}" for line in _unexpected_skips))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sample_model_path() -> Path:
    return SAMPLE_MODEL


@pytest.fixture(scope="session")
def sample_data_path() -> Path:
    return SAMPLE_DATA
