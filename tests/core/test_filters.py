"""The filter grammar: a table of expressions with the rows they must select, and of errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import FilterSyntaxError
from app.core.debugging.filters import (
    apply_filter,
    filter_mask,
    parse,
    quote_column,
    quote_value,
    tokenize,
)

FRAME = pd.DataFrame(
    {
        "age": [25, 41, 52, 38, 67, np.nan],
        "sex": pd.array(["Male", "Female", "Female", "Male", None, "Female"], dtype="str"),
        "education": ["Bachelors", "Masters", "HS-grad", "Bachelors", "Doctorate", "HS-grad"],
        "capital_gain": [0, 1500, 5000, 800, 12000, 1000],
        "x": [1, 2, 3, 4, 5, 6],
        "y": [2, 2, 1, 2, 2, 0],
        "flag": [True, False, True, False, True, False],
        "hours per week": [40, 50, 40, 20, 60, 40],
    }
)

CASES = [
    ('age > 40 and sex == "Female"', [1, 2]),
    ("age > 40 AND sex = 'Female'", [1, 2]),
    ('education in ("Bachelors", "Masters")', [0, 1, 3]),
    ('education not in ("Bachelors", "Masters",)', [2, 4, 5]),
    ("not (x <= 3 or y != 2)", [3, 4]),
    ("capital_gain between 1000 and 5000", [1, 2, 5]),
    ("capital_gain not between 1000 and 5000", [0, 3, 4]),
    ("sex is missing", [4]),
    ("age is not missing and age < 30", [0]),
    ("age != 25", [1, 2, 3, 4, 5]),  # missing age is "not equal", exactly not (age == 25)
    ("age >= 52 or x == 1", [0, 2, 4]),
    ("x < y", [0]),  # column against column
    ("flag", [0, 2, 4]),
    ("not flag and x > 1", [1, 3, 5]),
    ("flag == false", [1, 3, 5]),
    ("`hours per week` >= 50", [1, 4]),
    ("x == 1e0 or x == 2.0 or x == -3", [0, 1]),
    ("(x == 1 or x == 2) and (y == 2)", [0, 1]),
    ("x == 1 or x == 2 and y == 0", [0]),  # and binds tighter than or
    ("   ", [0, 1, 2, 3, 4, 5]),
]


@pytest.mark.parametrize(("text", "rows"), CASES)
def test_expressions_select_rows(text: str, rows: list[int]) -> None:
    assert np.flatnonzero(filter_mask(text, FRAME)).tolist() == rows


def test_matches_pandas_query_on_adult(sample_data_path) -> None:
    frame = pd.read_parquet(sample_data_path)
    ours = filter_mask('age > 40 and sex == "Female" or education in ("Masters",)', frame)
    theirs = ((frame.age > 40) & (frame.sex == "Female")) | frame.education.isin(["Masters"])
    assert np.array_equal(ours, theirs.to_numpy())
    assert filter_mask("workclass is missing", frame).sum() == frame.workclass.isna().sum() > 0


ERRORS = [
    ("agee > 40", 0, "did you mean 'age'"),
    ("AGE > 40", 0, "did you mean 'age'"),
    ("sex == Female", 7, 'put it in quotes: "Female"'),
    ("age > ", 6, "expected a value"),
    ("age > 40 and", 12, "expected a column name"),
    ("(age > 40", 9, "expected ')'"),
    ("age > 40)", 8, "expected 'and', 'or'"),
    ("age 40", 4, "expected a comparison"),
    ('age > "forty"', 6, "holds numbers"),
    ("sex == 1", 7, 'quotes: "1"'),
    ('sex > "M"', 0, "use ==, != or in"),
    ("education in Bachelors", 13, "expected '('"),
    ("capital_gain between 1 5", 23, "expected 'and'"),
    ('sex between "a" and "b"', 0, "needs numbers"),
    ("age is 3", 7, "expected 'missing'"),
    ("age", 0, "not true/false"),
    ("age > 3 $", 8, "Unexpected character '$'"),
    ('sex == "Male', 7, "Unclosed quote"),
    ("", 0, "empty"),
    ("and x > 1", 0, "keyword"),
    ("flag == 2", 8, "true or false"),
]


@pytest.mark.parametrize(("text", "position", "message"), ERRORS)
def test_errors_point_at_the_problem(text: str, position: int, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        if text:
            apply_filter(text, FRAME)
        else:
            parse(text)
    assert info.value.position == position
    assert message.lower() in str(info.value).lower()


def test_unknown_column_without_close_match_lists_columns() -> None:
    with pytest.raises(FilterSyntaxError, match="Columns: age, sex"):
        apply_filter("zzz_qqq > 1", FRAME)


def test_hint_for_a_value_that_never_occurs() -> None:
    result = apply_filter('sex == "female"', FRAME)
    assert result.rows.size == 0
    assert result.hints == ["'female' never occurs in column 'sex'; did you mean 'Female'?"]


def test_extra_columns_and_no_eval() -> None:
    error = np.array([0.1, 0.9, 0.2, 0.8, 0.5, 0.0])
    assert apply_filter("error > 0.5", FRAME, {"error": error}).rows.tolist() == [1, 3]
    # Python syntax is not a back door: attribute access and calls are not tokens
    with pytest.raises(FilterSyntaxError):
        apply_filter("__import__('os').system('true')", FRAME)


def test_tokenizer_positions_and_quoting_round_trip() -> None:
    tokens = tokenize('a>=1 and `b c` in ("x\\"y")')
    assert [(t.kind, t.pos) for t in tokens][:4] == [
        ("name", 0), ("op", 1), ("number", 3), ("keyword", 5),
    ]  # fmt: skip
    assert tokens[4].value == "b c" and tokens[7].value == 'x"y'
    assert quote_column("hours per week") == "`hours per week`"
    assert quote_column("age") == "age" and quote_column("in") == "`in`"
    odd = 'Ma"le'
    text = f"{quote_column('hours per week')} == {quote_value(40)} and sex == {quote_value(odd)}"
    assert apply_filter(text, FRAME).rows.size == 0
    assert filter_mask(f"sex == {quote_value('Male')}", FRAME).sum() == 2


def test_dates_compare_with_quoted_text() -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2020-01-01", "2021-06-30", "2022-03-15"])})
    assert filter_mask('when >= "2021-01-01"', frame).tolist() == [False, True, True]
    assert filter_mask('when between "2021-01-01" and "2021-12-31"', frame).tolist() == [
        False, True, False,
    ]  # fmt: skip
    with pytest.raises(FilterSyntaxError, match="not a date"):
        apply_filter('when > "soon"', frame)
