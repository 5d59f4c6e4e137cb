"""Tree shapes read from the engine's arrays match the libraries' own JSON dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.data.model_io import load_model
from app.core.production.inspect import tree_stats
from tests.core import hostile_models as H

ADULT = Path(__file__).resolve().parents[2] / "sample_models" / "adult_lgbm.txt"


@pytest.mark.parametrize("path", [ADULT, H.xgb_file("json")], ids=["lightgbm", "xgboost"])
def test_tree_stats_from_the_engine_equal_the_json_dump(path: Path) -> None:
    model = load_model(path)
    assert model.engine is not None
    from_engine = tree_stats(model)
    model.engine = None  # the JSON path (dump_model / get_dump), kept for engine-less models
    from_json = tree_stats(model)
    assert from_engine is not None and from_engine == from_json
    assert from_engine.depth_max > 0 and from_engine.leaves_total > from_engine.n_trees
