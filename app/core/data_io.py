"""load_dataset(path): read a tabular file into a DataFrame, or raise DataLoadError saying why."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.core.errors import DataLoadError

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".arrow", ".ipc"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
DATA_SUFFIXES = CSV_SUFFIXES | PARQUET_SUFFIXES | FEATHER_SUFFIXES | EXCEL_SUFFIXES


def load_dataset(path: str | Path) -> pd.DataFrame:
    """Read CSV/TSV, Parquet, Feather or Excel by suffix; every failure names the file."""
    path = Path(path)
    if not path.exists():
        raise DataLoadError(f"Data file not found: {path}", path)
    if path.is_dir():
        raise DataLoadError(f"{path} is a folder; choose a data file inside it.", path)
    if path.stat().st_size == 0:
        raise DataLoadError(f"{path.name} is empty (0 bytes); choose a file with data.", path)
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        elif suffix in FEATHER_SUFFIXES:
            frame = pd.read_feather(path)
        elif suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(path)
        elif suffix in CSV_SUFFIXES:
            frame = pd.read_csv(path, sep=None, engine="python")
        else:
            raise DataLoadError(
                f"{path.name}: unknown data format '{suffix}'. "
                "Use CSV/TSV, Parquet, Feather or Excel.",
                path,
            )
    except DataLoadError:
        raise
    except UnicodeDecodeError as error:
        raise DataLoadError(
            f"{path.name} is not UTF-8 text ({error.reason} at byte {error.start}); "
            "save it as UTF-8 or choose the encoding when opening.",
            path,
        ) from error
    except Exception as error:  # pandas/pyarrow raise many types; the boundary names the file
        raise DataLoadError(f"Could not read {path.name}: {error}", path) from error
    if frame.shape[0] == 0:
        raise DataLoadError(f"{path.name} has column names but no rows.", path)
    return frame
