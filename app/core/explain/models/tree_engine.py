"""Build the engine for a model's trees, or say why the model keeps its library's own path.

Every tree family is first offered to ShapLens's engine (exact, GIL-free, both cores). When a
model uses something the engine cannot express, the adapter keeps its previous exact path and
the reason goes into ModelInfo (explainer name and extra["engine_fallback"]), which the window
and every export show.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.base.errors import ExplainError, ModelLoadError
from app.core.explain.engine import ENGINE_NAME, ForestArrays, TreeShapEngine
from app.core.explain.engine.from_nodes import NotExpressible
from app.core.explain.models.base import ModelInfo


def try_engine(build: Callable[[], ForestArrays]) -> tuple[TreeShapEngine | None, str]:
    """The engine over the converted trees, or None and the reason it could not be built."""
    try:
        return TreeShapEngine(build()), ""
    except (NotExpressible, ModelLoadError, ExplainError) as why:
        return None, str(why).split("\n")[0][:200]


def record_path(info: ModelInfo, engine: TreeShapEngine | None, fallback: str, why: str) -> None:
    """Name the path that explains this model; a fallback carries its reason."""
    if engine is not None:
        info.explainer = ENGINE_NAME
        info.extra["explain_path"] = "engine"
        return
    info.explainer = fallback
    info.extra["explain_path"] = "library"
    info.extra["engine_fallback"] = why or "not expressible as engine trees"
