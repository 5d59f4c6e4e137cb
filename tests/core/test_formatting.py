"""The one number formatter (issue 20: about seven private copies had drifted). Each named style
is pinned here, including where two styles differ on purpose."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.base import formatting as f


def test_shap_numbers_are_short_signed_and_use_a_real_minus() -> None:
    assert f.signed(0.1234) == "+0.123"
    assert f.signed(-0.1234) == "−0.123"
    assert f.signed(0.0) == "+0"
    assert f.signed(-2e-5) == "−2.00e−05"
    assert f.signed(float("nan")) == "n/a"
    assert f.plain(-1.2) == "−1.2" and f.plain(1234.5) == "1.23e+03"


def test_feature_and_data_values_read_as_written() -> None:
    assert f.feature_value(None) == "missing" and f.feature_value(float("nan")) == "missing"
    assert f.feature_value(np.float32(0.333333)) == "0.3333"
    assert f.feature_value(12) == "12" and f.feature_value("married") == "married"
    assert [f.data_number(v) for v in (39.0, 2174.0, 48842.0, 0.3125, 432201.0)] == [
        "39",
        "2174",
        "48,842",
        "0.3125",
        "432,201",
    ]


def test_report_cells_and_comparison_metrics_differ_on_purpose() -> None:
    # A report cell keeps significant digits; a comparison table aligns four decimals.
    assert f.cell(0.81) == "0.81" and f.metric(0.81) == "0.8100"
    assert f.cell(12345.6) == "12,346" and f.metric(12345.6) == "12,346"
    assert f.cell(7) == "7" and f.metric(np.int64(4200)) == "4,200"
    assert f.cell(float("nan")) == "" and f.metric(float("nan")) == "–"
    assert f.cell(None) == "" and f.cell(True) == "yes"
    assert f.cell(0.123456, 3) == "0.123"


def test_percentages_in_tables_and_sentences() -> None:
    assert f.percent(0.125) == "12.5%" and f.percent(None) == "" and f.percent(math.nan) == ""
    # The panels and `shaplens audit` say "n/a" (they had three copies that disagreed on NaN).
    assert f.percent(math.nan, "n/a") == "n/a" and f.percent(None, "n/a") == "n/a"
    assert f.percent(np.float32(0.5), "n/a") == "50.0%"
    assert f.spoken_percent(0.83) == "83%"
    assert f.spoken_percent(0.004) == "0.4%" and f.spoken_percent(0.996) == "99.6%"
    assert f.spoken_percent(0.0) == "0%" and f.spoken_percent(math.inf) == "unknown"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.234, "+1.2"), (-0.0996, "-0.10"), (0.996, "+1.0"), (1234.0, "+1,234"), (0.0, "0")],
)
def test_effects_in_sentences_are_never_scientific(value: float, text: str) -> None:
    assert f.effect(value) == text
