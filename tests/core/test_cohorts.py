"""Named cohorts and their comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import FilterSyntaxError
from app.core.debugging.cohorts import CohortError, CohortSet, compare_cohorts


def test_cohort_set_add_replace_remove_and_round_trip(tmp_path) -> None:
    cohorts = CohortSet()
    cohorts.add("Older women", 'age > 40 and sex == "Female"')
    cohorts.add("Young", "age < 25")
    cohorts.add("Young", "age < 30")  # replaces
    assert cohorts.names() == ["All rows", "Older women", "Young"]
    assert cohorts.get("Young").expression == "age < 30"
    with pytest.raises(FilterSyntaxError):
        cohorts.add("Broken", "age >")
    with pytest.raises(CohortError, match="built in"):
        cohorts.add("All rows", "age > 1")
    with pytest.raises(CohortError, match="cannot be removed"):
        cohorts.remove("All rows")
    path = tmp_path / "cohorts.json"
    cohorts.save(path)
    again = CohortSet.load(path)
    assert again.names() == cohorts.names() and again.get("Young").expression == "age < 30"
    again.remove("Young")
    assert again.names() == ["All rows", "Older women"]
    frame = pd.DataFrame({"age": [20, 50, 60], "sex": ["Female", "Female", "Male"]})
    assert cohorts.get("Older women").rows(frame).tolist() == [1]
    assert cohorts.get("All rows").rows(frame).tolist() == [0, 1, 2]
    with pytest.raises(CohortError, match="not valid"):
        CohortSet.from_json("{}")


def test_compare_cohorts_by_hand() -> None:
    values = np.array([[1.0, -2.0], [3.0, 2.0], [0.0, 1.0]], dtype=np.float32)
    result = compare_cohorts(values, np.array([0, 1]), np.array([2]), ["a", "b"])
    assert result.features == ["a", "b"]  # |2 - 0| > |2 - 1|
    assert result.mean_abs_a.tolist() == [2.0, 2.0]
    assert result.mean_abs_b.tolist() == [0.0, 1.0]
    assert result.mean_a.tolist() == [2.0, 0.0]
    assert result.difference.tolist() == [2.0, 1.0]
    assert (result.n_a, result.n_b) == (2, 1)
