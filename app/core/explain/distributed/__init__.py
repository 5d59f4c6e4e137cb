"""Explaining data larger than one machine on an existing Dask cluster, and reading the result.

Dask is optional (`pip install 'shaplens[dask]'`): nothing here imports it at module level, and
`require_dask()` turns its absence into a message the user can act on. The reader
(explained_store) needs only pyarrow, so the desktop app opens results without Dask installed.
"""

from __future__ import annotations

from types import ModuleType

from app.core.base.errors import ShapLensError

INSTALL_HINT = "pip install 'shaplens[dask]'"


class DaskNotInstalledError(ShapLensError):
    """The dask engine was asked for but dask/distributed are not installed."""


class DistributedExplainError(ShapLensError):
    """A partition failed on the cluster, or the cluster could not be reached."""


class ExplainedDatasetError(ShapLensError):
    """An explained-values folder is missing, incomplete or damaged."""


def require_dask() -> tuple[ModuleType, ModuleType]:
    """Import dask.dataframe and distributed, or raise DaskNotInstalledError saying how to add them."""
    try:
        import dask.dataframe as dd
        import distributed
    except ImportError as error:
        raise DaskNotInstalledError(
            f"The dask engine needs dask and distributed, which are not installed ({error.name} "
            f"is missing). Install them with: {INSTALL_HINT}"
        ) from error
    return dd, distributed
