"""Fixes found by the hostile-input matrix (tests/cli/test_cli_matrix_*.py), tested on their own."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import AlignmentError
from app.core.data.align import naming_the_file
from app.core.explain.pipeline import open_inputs
from app.core.production.drift import _overlay, quantile_edges


def test_an_alignment_error_names_the_data_file() -> None:
    fits = r"^other\.csv: The dataset does not fit"
    with pytest.raises(AlignmentError, match=fits) as caught, naming_the_file(Path("/a/other.csv")):
        raise AlignmentError("The dataset does not fit the model — missing model features: a.")
    assert isinstance(caught.value.__cause__, AlignmentError)


def test_a_message_that_names_the_file_is_left_alone() -> None:
    with (
        pytest.raises(AlignmentError, match=r"^x\.csv has no column a\.$"),
        naming_the_file("x.csv"),
    ):
        raise AlignmentError("x.csv has no column a.")


def test_open_inputs_names_the_data_file_that_does_not_fit(
    tmp_path, sample_model_path, sample_data_path
) -> None:
    data = tmp_path / "renamed.csv"
    frame = pd.read_parquet(sample_data_path).head(20)
    frame.rename(columns={"age": "years"}).to_csv(data, index=False)
    with pytest.raises(AlignmentError, match=r"^renamed\.csv: .*missing model features: age"):
        open_inputs(sample_model_path, data)


def test_drift_bins_ignore_infinite_values() -> None:
    """A quantile between inf and inf is NaN: edges from finite values only, without a
    RuntimeWarning (one more line on the command line's stderr)."""
    reference = np.array([np.inf, -np.inf, np.nan, 1.0, 2.0, 3.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        edges = quantile_edges(reference, 4)
        assert np.isfinite(edges).all() and edges.size > 0
        assert quantile_edges(np.array([np.inf, -np.inf, np.nan]), 4).size == 0
        lo_hi, ref_h, _ = _overlay(reference, np.array([np.inf, 2.0]))
    assert np.isfinite(lo_hi).all() and ref_h.sum() == pytest.approx(6 / 7)


@pytest.mark.parametrize("content", ["", " , ,\n\n"])
def test_a_rows_file_without_rows_is_named(tmp_path, content) -> None:
    import argparse

    from app.commands.export import _parse_rows
    from app.core.base.errors import ShapLensError

    path = tmp_path / "rows.txt"
    path.write_text(content)
    args = argparse.Namespace(row=None, rows=None, rows_from=path)
    with pytest.raises(ShapLensError, match=r"rows\.txt holds no row numbers"):
        _parse_rows(args, 100)
    path.write_text("3, 1\n")
    assert _parse_rows(args, 100) == [3, 1]
