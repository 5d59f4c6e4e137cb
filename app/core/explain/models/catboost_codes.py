"""Category codes as CatBoost's one-hot splits see them.

CatBoost stores only hashes of its category labels, and ShapLens's codes are positions in the
labels alignment collected from the data (they grow as new data arrives). The engine's one-hot
bitsets are over a third numbering the model fixes at training: the position of the label's
hash in the feature's `values` list, `len(values)` for a label it never met. `CodeMap` turns
our codes into those positions, asking CatBoost for the hashes of labels it has not seen yet
(CatBoost writes `cat_features_hash` into a JSON export given a pool of those labels), so the
hashing is CatBoost's own, whatever the label.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.core.explain.models.base import FeatureSpec

MISSING_LABEL = "nan"  # what CatBoost itself turns a missing categorical value into


def signed32(value: int) -> int:
    """CatBoost exports label hashes unsigned in cat_features_hash and signed in splits."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def label_hashes(model: Any, pool: Any) -> dict[str, int]:
    """label -> signed hash for every categorical label in `pool`, by CatBoost itself."""
    with tempfile.TemporaryDirectory(prefix="shaplens-cb-") as folder:
        target = Path(folder) / "hashes.json"
        model.save_model(str(target), format="json", pool=pool)
        exported = json.loads(target.read_text(encoding="utf-8"))
    pairs = exported.get("features_info", {}).get("cat_features_hash", [])
    return {str(p["value"]): signed32(int(p["hash"])) for p in pairs}


class CodeMap:
    """Our codes -> the engine's one-hot positions, per categorical feature."""

    def __init__(
        self,
        features: list[FeatureSpec],
        values: dict[int, list[int]],
        hashes_of: Callable[[np.ndarray], dict[str, int]],
    ) -> None:
        """values: flat index -> the model's hash list; hashes_of(X) hashes the labels of a
        matrix of codes (the adapter builds CatBoost's pool for it)."""
        self._features = features
        self._values = values
        self._hashes_of = hashes_of
        self._hashes: dict[str, int] = {}
        self._lookup: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def _labels(self, j: int) -> list[str]:
        return [*(self._features[j].categories or []), MISSING_LABEL]

    def _refresh(self) -> None:
        stale = [
            j
            for j in self._values
            if j not in self._lookup or self._lookup[j].size != len(self._labels(j))
        ]
        if not stale:
            return
        missing = {j: [x for x in self._labels(j) if x not in self._hashes] for j in stale}
        rows = max((len(m) for m in missing.values()), default=0)
        if rows:
            X = np.zeros((rows, len(self._features)))
            for j, labels in missing.items():
                # NaN is the missing label; every column has it from its first unused row on.
                known = self._labels(j)[:-1]
                X[:, j] = np.nan
                X[: len(labels), j] = [known.index(x) if x in known else np.nan for x in labels]
            self._hashes.update(self._hashes_of(X))
        for j in stale:
            position = {h: i for i, h in enumerate(self._values[j])}
            unseen = len(self._values[j])
            self._lookup[j] = np.array(
                [position.get(self._hashes.get(x), unseen) for x in self._labels(j)], np.float64
            )

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """X with every categorical column as engine positions (missing and unknown codes as
        the missing label, which is how CatBoost reads them too)."""
        with self._lock:
            self._refresh()
            lookup = dict(self._lookup)
        out = np.array(X, dtype=np.float64, copy=True)
        for j, table in lookup.items():
            codes = out[:, j]
            ok = ~np.isnan(codes) & (codes >= 0) & (codes < table.size - 1)
            out[:, j] = table[np.where(ok, np.nan_to_num(codes), table.size - 1).astype(np.int64)]
        return out
