"""The background nice level: a default, an override, and nonsense ignored."""

from __future__ import annotations

from app.core.base.priority import DEFAULT_BACKGROUND_NICENESS, NICENESS_ENV, background_niceness


def test_background_niceness_defaults_and_can_be_set_from_the_environment() -> None:
    assert background_niceness({}) == DEFAULT_BACKGROUND_NICENESS == 10
    assert background_niceness({NICENESS_ENV: "0"}) == 0
    assert background_niceness({NICENESS_ENV: " 5 "}) == 5
    assert background_niceness({NICENESS_ENV: "40"}) == 19  # the most Linux allows
    assert background_niceness({NICENESS_ENV: "-5"}) == 0  # raising priority needs root
    assert background_niceness({NICENESS_ENV: "high"}) == DEFAULT_BACKGROUND_NICENESS
