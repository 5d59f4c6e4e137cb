"""A Ctrl+C during a Dask run printed asyncio's "Task exception was never retrieved" traceback
from the in-process scheduler: the filter drops those, and only those."""

from __future__ import annotations

import logging
import os
import sys

from app.core.explain.distributed import cluster


def _record_from(filename: str) -> logging.LogRecord:
    code = compile("raise RuntimeError('ConnectionPool is closed')", filename, "exec")
    try:
        exec(code, {})
    except RuntimeError:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1, "Task exception was never retrieved", (), exc_info
    )


def test_drops_distributed_task_failures_and_keeps_everything_else() -> None:
    noise = cluster._DistributedTaskNoise()
    inside = os.path.join(os.sep, "venv", "site-packages", "distributed", "core.py")
    assert not noise.filter(_record_from(inside))
    assert noise.filter(_record_from(os.path.join(os.sep, "work", "app", "core.py")))
    plain = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "other", (), None)
    assert noise.filter(plain)


def test_installed_once_on_the_asyncio_logger() -> None:
    asyncio_log = logging.getLogger("asyncio")
    cluster._quiet_distributed_tasks()
    cluster._quiet_distributed_tasks()
    assert asyncio_log.filters.count(cluster._TASK_NOISE) == 1
