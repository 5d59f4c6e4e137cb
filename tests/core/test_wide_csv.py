"""The README allows 100,000 columns: a CSV header of that many (1.5 MB, far beyond csv's
131,072-character field limit that once made such a file "damaged") loads; one more is refused
in one sentence (issue 21)."""

from __future__ import annotations

import pytest

from app.core.base.errors import DataLoadError
from app.core.data.data_io import MAX_COLUMNS, load_dataset

pytestmark = pytest.mark.timeout(120)


def _wide(path, columns: int):
    names = [f"column_{i}" for i in range(columns)]
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    return path


def test_a_csv_with_the_most_columns_the_readme_allows_loads(tmp_path) -> None:
    path = _wide(tmp_path / "widest.csv", MAX_COLUMNS)
    assert path.stat().st_size > 10 * 131_072
    frame = load_dataset(path)
    assert frame.shape == (1, 100_000) and frame.columns[-1] == "column_99999"


def test_one_column_more_is_refused_in_one_sentence(tmp_path) -> None:
    path = _wide(tmp_path / "too_wide.csv", MAX_COLUMNS + 1)
    with pytest.raises(DataLoadError) as caught:
        load_dataset(path)
    message = str(caught.value)
    assert "too_wide.csv" in message and "100,000" in message and "\n" not in message
