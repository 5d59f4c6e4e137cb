"""Open an explained-values folder written by the Dask engine, without loading all of it.

The summary (mean |SHAP|, (value, SHAP) histograms, metrics, a sample of rows) is small and read
at once; row values stay in the Parquet parts and are paged by row group on demand, so opening
a hundred million rows takes as long as opening a thousand. Needs pyarrow only, not Dask.
"""

from __future__ import annotations

import bisect
import json
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from app.core.base.input_gate import DATA, InputError, open_input, read_input
from app.core.base.input_gate import MANIFEST as MANIFEST_ROLE
from app.core.base.types import Explanation, Unit
from app.core.explain.distributed import ExplainedDatasetError
from app.core.explain.distributed.histogram import Histogram2D
from app.core.explain.distributed.summary import Summary
from app.core.explain.distributed.table import raw_column, shap_columns
from app.core.explain.views import ImportanceData, importance

MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"

RowKey = tuple[int, int] | int | str | float


def is_explained_dataset(path: str | Path) -> bool:
    """True for a folder that a finished dask explain run wrote."""
    path = Path(path)
    return path.is_dir() and (path / MANIFEST).is_file() and (path / SUCCESS).exists()


def open_explained(path: str | Path) -> ExplainedStore:
    """Open a finished explained-values folder, or raise ExplainedDatasetError saying why not."""
    path = Path(path)
    if not path.exists():
        raise ExplainedDatasetError(f"Explained dataset not found: {path}", path)
    if not path.is_dir():
        raise ExplainedDatasetError(
            f"{path.name} is a file; choose the folder written by "
            "`shaplens explain --engine dask --out FOLDER`.",
            path,
        )
    if not (path / MANIFEST).is_file() or not (path / SUCCESS).exists():
        raise ExplainedDatasetError(
            f"{path.name} is not a complete explained dataset (no {SUCCESS} or {MANIFEST}): the "
            "run that wrote it did not finish, or this is another folder. Run the explain again.",
            path,
        )
    try:
        manifest = json.loads(read_input(path / MANIFEST, MANIFEST_ROLE))
        summary = Summary.load(path)
    except InputError as error:  # a FIFO or a huge file in the folder: refused, not waited on
        raise ExplainedDatasetError(str(error), path) from error
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise ExplainedDatasetError(f"{path.name} is damaged: {error}", path) from error
    missing = [p["file"] for p in manifest["parts"] if not (path / p["file"]).is_file()]
    if missing:
        raise ExplainedDatasetError(
            f"{path.name} is missing {len(missing)} value file(s) ({', '.join(missing[:3])}); "
            "it was copied incompletely. Copy the whole folder or run the explain again.",
            path,
        )
    return ExplainedStore(path, manifest, summary)


class ExplainedStore:
    """An explained dataset on disk: the summary in memory, row values read on demand."""

    def __init__(self, path: Path, manifest: dict, summary: Summary) -> None:
        self.path = path
        self.manifest = manifest
        self.summary = summary
        self._parts: list[dict] = manifest["parts"]
        self._starts = np.cumsum([0] + [int(p["rows"]) for p in self._parts]).tolist()
        self._groups: dict[int, list[int]] = {}  # part → first row of each row group (+ end)
        self._by_partition = {int(p["partition"]): i for i, p in enumerate(self._parts)}

    # -- what the dataset is -------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return int(self.manifest["n_rows"])

    @property
    def feature_names(self) -> list[str]:
        return list(self.summary.features)

    @property
    def output_names(self) -> list[str]:
        return list(self.summary.outputs)

    @property
    def unit(self) -> Unit:
        return self.summary.unit

    @property
    def base_values(self) -> np.ndarray:
        return self.summary.base_values

    @property
    def key_column(self) -> str | None:
        """The user's key column (`--key`), or None when rows are keyed by (partition, row)."""
        return self.manifest.get("key")

    @property
    def metrics(self) -> dict[str, object]:
        return dict(self.summary.metrics)

    @property
    def sample(self) -> pd.DataFrame:
        """Stratified sample: partition, row, [key], value:<f>, shap columns, raw_output, weight."""
        return self.summary.sample

    @cached_property
    def shap_columns(self) -> list[str]:
        return shap_columns(self.feature_names, self.output_names)

    def importance(self, output: int = 0) -> ImportanceData:
        """Exact mean |SHAP| over every row, ranked, for the importance plot."""
        return importance(
            self.summary.mean_abs,
            self.feature_names,
            self.unit,
            self.n_rows,
            self.n_rows,
            output,
            self.output_names[output],
        )

    def histogram(self, feature: str, output: int = 0) -> Histogram2D:
        """(value, SHAP) counts over every row: .x.edges(), .y.edges(), .counts, .missing."""
        return self.summary.histogram(feature, output)

    # -- rows on demand --------------------------------------------------------------------
    def read_rows(self, start: int, stop: int, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows [start, stop) in dataset order (index = global position), reading only the row
        groups that hold them."""
        start, stop = max(0, start), min(stop, self.n_rows)
        frames: list[pd.DataFrame] = []
        if stop > start:
            first = bisect.bisect_right(self._starts, start) - 1
            for part in range(first, len(self._parts)):
                offset = self._starts[part]
                if offset >= stop:
                    break
                lo, hi = max(start - offset, 0), min(stop - offset, self._starts[part + 1] - offset)
                if hi > lo:
                    frames.append(self._read_part(part, lo, hi, columns))
        if not frames:
            return self._read_part(0, 0, 0, columns) if self._parts else pd.DataFrame()
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame.index = pd.RangeIndex(start, start + len(frame))
        return frame

    def key_at(self, index: int) -> RowKey:
        """The key of the row at global position `index` (what row_values takes)."""
        row = self.read_rows(index, index + 1)
        if row.empty:
            raise IndexError(f"row {index} is outside 0..{self.n_rows - 1}")
        if self.key_column is not None:
            return row[self.key_column].iloc[0]
        return int(row["partition"].iloc[0]), int(row["row"].iloc[0])

    def row_values(self, key: RowKey) -> np.ndarray:
        """SHAP values (features, outputs) float32 of the row with this key.

        `key` is (partition, row-in-partition) or a value of the user's key column; with
        duplicate user keys the first match is returned. KeyError when no row has the key.
        """
        row = self._row(key, self.shap_columns)
        flat = row[self.shap_columns].to_numpy(np.float32).reshape(-1)
        return flat.reshape(len(self.output_names), len(self.feature_names)).T.copy()

    def row_explanation(self, key: RowKey) -> Explanation:
        """One row as an Explanation (for the waterfall), values read from disk by key."""
        multi = len(self.output_names) > 1
        raws = [raw_column(o, multi) for o in self.output_names]
        row = self._row(key, [*self.shap_columns, *raws, "partition", "row"])
        values = row[self.shap_columns].to_numpy(np.float32).reshape(-1)
        values = values.reshape(len(self.output_names), len(self.feature_names)).T[None]
        return Explanation(
            values=np.ascontiguousarray(values),
            base_values=self.base_values.copy(),
            raw_output=row[raws].to_numpy(np.float64).reshape(1, -1),
            feature_names=self.feature_names,
            output_names=self.output_names,
            unit=self.unit,
            exact=True,
            rows=np.array([self._global_index(row)], dtype=np.int64),
            complete=False,
            engine=str(self.manifest.get("engine", "")),
        )

    # -- internals -------------------------------------------------------------------------
    def _file(self, part: int) -> Path:
        return self.path / self._parts[part]["file"]

    def _group_starts(self, part: int) -> list[int]:
        if part not in self._groups:
            with open_input(self._file(part), DATA) as handle:
                meta = pq.read_metadata(handle)
            sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            self._groups[part] = np.cumsum([0, *sizes]).tolist()
        return self._groups[part]

    def _read_part(self, part: int, lo: int, hi: int, columns: list[str] | None) -> pd.DataFrame:
        starts = self._group_starts(part)
        with open_input(self._file(part), DATA) as handle:
            return _slice(pq.ParquetFile(handle), starts, lo, hi, columns)

    def _row(self, key: RowKey, columns: list[str]) -> pd.DataFrame:
        if isinstance(key, tuple):
            partition, row = int(key[0]), int(key[1])
            part = self._by_partition.get(partition)
            if part is None or not 0 <= row < int(self._parts[part]["rows"]):
                raise KeyError(f"no row {row} in partition {partition}")
            return self._read_part(part, row, row + 1, _unique([*columns, "partition", "row"]))
        if self.key_column is None:
            raise KeyError(f"{key!r}: this dataset is keyed by (partition, row); pass a pair")
        dataset = ds.dataset(
            [str(self._file(i)) for i in range(len(self._parts))], format="parquet"
        )
        wanted = _unique([*columns, self.key_column, "partition", "row"])
        try:
            value = pa.scalar(key, type=dataset.schema.field(self.key_column).type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as error:
            raise KeyError(f"{key!r} is not a valid {self.key_column} value: {error}") from error
        table = dataset.to_table(columns=wanted, filter=pc.field(self.key_column) == value)
        if table.num_rows == 0:
            raise KeyError(f"no row has {self.key_column} = {key!r}")
        return table.slice(0, 1).to_pandas()

    def _global_index(self, row: pd.DataFrame) -> int:
        part = self._by_partition[int(row["partition"].iloc[0])]
        return int(self._starts[part] + int(row["row"].iloc[0]))


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _slice(
    source: pq.ParquetFile, starts: list[int], lo: int, hi: int, columns: list[str] | None
) -> pd.DataFrame:
    """Rows lo..hi of a part whose row groups start at `starts`, reading only those groups."""
    if hi <= lo:
        return (
            source.schema_arrow.empty_table()
            .select(columns or source.schema_arrow.names)
            .to_pandas()
        )
    first = bisect.bisect_right(starts, lo) - 1
    last = bisect.bisect_left(starts, hi) - 1
    groups = list(range(first, last + 1))
    table = source.read_row_groups(groups, columns=columns)
    return table.slice(lo - starts[first], hi - lo).to_pandas()
