"""Connecting to a Dask cluster: an existing scheduler, or a LocalCluster on loopback for one run.

ShapLens never runs a cluster of its own beyond one command: `--scheduler` points at the team's
scheduler; without it a LocalCluster is started on 127.0.0.1 (processes, one thread each, no
dashboard, so nothing listens beyond loopback) and closed when the run ends or is cancelled.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.core.explain.distributed import DistributedExplainError, require_dask
from app.core.explain.models.isolation import SAFE_PATH_ENV, safe_path_environ

CONNECT_TIMEOUT = "10s"
# One worker process per core does the parallel work; native libraries inside each worker stay
# single-threaded so N workers use N cores instead of N x cores threads fighting for them.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def default_local_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@contextmanager
def dask_client(scheduler: str | None = None, local_workers: int | None = None) -> Iterator[Any]:
    """A distributed.Client for the run; whatever this opened is closed on the way out."""
    _, distributed = require_dask()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as error:  # OSError, TimeoutError, ValueError for a bad address
            raise DistributedExplainError(
                f"Could not reach the Dask scheduler at {scheduler}: {error}. Check the address "
                "(tcp://HOST:PORT) and that the scheduler is running."
            ) from error
        try:
            yield client
        finally:
            client.close()
        return
    workers = local_workers or default_local_workers()
    if workers < 1:
        raise DistributedExplainError(f"--local-workers must be at least 1, got {workers}")
    # Worker processes (and multiprocessing's resource tracker) are spawned with `python -c`,
    # which puts the current folder first on the import path. PYTHONSAFEPATH keeps a stray
    # pickle.py or numpy.py there from running: set while the cluster lives, and handed to the
    # Nanny for the workers it restarts.
    import dask

    _quiet_distributed_tasks()
    pre_spawn = {"distributed.nanny.pre-spawn-environ": _pre_spawn_environ(dask)}
    with safe_path_environ(), dask.config.set(pre_spawn):
        try:
            cluster = _local_cluster(distributed, workers)
        except (RuntimeError, OSError, TimeoutError) as error:
            # e.g. a worker process that cannot start (its interpreter unreachable, no memory):
            # distributed reports it as "Nanny failed to start" with a traceback.
            reason = str(error).rstrip(".")
            raise DistributedExplainError(
                f"Could not start {workers} local Dask worker(s) ({reason}). Try fewer "
                "--local-workers, or the local engine (--engine local)."
            ) from error
        try:
            client = distributed.Client(cluster, set_as_default=False)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


class _DistributedTaskNoise(logging.Filter):
    """Drops asyncio's report of a distributed-internal task that failed unobserved.

    On Ctrl+C the in-process scheduler's tasks die with "ConnectionPool is closed", and asyncio
    logs each as "Task exception was never retrieved" with a traceback, sometimes only when the
    task is collected after the cluster closed. What failed already reaches the command through
    its futures; this was a traceback on the user's terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        trace = error.__traceback__ if error is not None else None
        while trace is not None:
            if f"{os.sep}distributed{os.sep}" in trace.tb_frame.f_code.co_filename:
                return False
            trace = trace.tb_next
        return True


_TASK_NOISE = _DistributedTaskNoise()


def _quiet_distributed_tasks() -> None:
    """Installed once for the process: the reports can come after the cluster is gone."""
    asyncio_log = logging.getLogger("asyncio")
    if _TASK_NOISE not in asyncio_log.filters:
        asyncio_log.addFilter(_TASK_NOISE)


def _pre_spawn_environ(dask: Any) -> dict[str, Any]:
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.update(SAFE_PATH_ENV)
    return environ


def _local_cluster(distributed: Any, workers: int) -> Any:
    return distributed.LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        worker_dashboard_address=None,
        # The scheduler always serves health/metrics over HTTP, by default on port 8787 of its
        # host; a random loopback port avoids clashing with (and warning about) other clusters.
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        # A worker's failure reaches the command through its future, which names the partition;
        # the worker's own log of it (a traceback on stderr, also for tasks cut short by Ctrl+C)
        # only repeated it in a form meant for developers.
        silence_logs=logging.CRITICAL,
        env=dict(WORKER_ENV),
    )
