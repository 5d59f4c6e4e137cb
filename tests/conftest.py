"""Shared fixtures: paths to the bundled sample and the real datasets in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

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
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")
    parser.addoption(
        "--monkey-actions",
        type=int,
        default=None,
        help="random GUI actions in tests/ui/test_monkey.py (default 2,000; long runs need --timeout=0)",
    )


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


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return SHARED_DATA
