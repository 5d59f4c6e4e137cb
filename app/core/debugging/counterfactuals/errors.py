"""Why a counterfactual search cannot run (a user-facing message; never a crash)."""

from __future__ import annotations

from app.core.base.errors import ShapLensError


class CounterfactualError(ShapLensError):
    """The model, the row or the options do not allow a counterfactual search."""
