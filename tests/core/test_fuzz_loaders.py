"""Random bytes and random small frames: loaders load or raise their own error, nothing else."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.base.errors import AlignmentError, DataLoadError, ModelLoadError
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PREFIXES = [b"", b"PAR1", b"ARROW1", b"PK\x03\x04", b"{", b"tree\n", b"a,b\n", b"\x80\x04"]
MODEL_SUFFIXES = [".txt", ".json", ".skops", ".bin", ".model"]
DATA_SUFFIXES = [".csv", ".tsv", ".parquet", ".feather", ".xlsx", ".dat"]


@FUZZ
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=400),
    suffix=st.sampled_from(MODEL_SUFFIXES),
)
def test_random_bytes_as_model(tmp_path_factory, prefix: bytes, body: bytes, suffix: str) -> None:
    # .ubj/.cbm magic is left out: those go to the child-process probe, tested elsewhere.
    path = tmp_path_factory.mktemp("m") / f"model{suffix}"
    path.write_bytes(prefix + body)
    with contextlib.suppress(ModelLoadError):
        load_model(path)  # never trusted: a random pickle must not be opened


@FUZZ
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=400),
    suffix=st.sampled_from(DATA_SUFFIXES),
)
def test_random_bytes_as_data(tmp_path_factory, prefix: bytes, body: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("d") / f"data{suffix}"
    path.write_bytes(prefix + body)
    try:
        frame = load_dataset(path)
    except DataLoadError:
        return
    assert isinstance(frame, pd.DataFrame) and frame.shape[0] > 0


CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5),
    st.text(max_size=4),
    st.none(),
    st.booleans(),
)


@FUZZ
@given(data=st.data())
def test_random_frames_align(sample_model_path, data) -> None:
    model = load_model(sample_model_path)
    names = model.feature_names
    chosen = data.draw(st.lists(st.sampled_from([*names, "extra"]), unique=True, max_size=16))
    n_rows = data.draw(st.integers(1, 5))
    columns = {c: data.draw(st.lists(CELLS, min_size=n_rows, max_size=n_rows)) for c in chosen}
    frame = pd.DataFrame(columns, dtype=object) if columns else pd.DataFrame(index=range(n_rows))
    try:
        aligned = align(model, frame)
    except AlignmentError:
        return
    assert aligned.X.shape == (n_rows, len(names)) and aligned.X.dtype == np.float64
