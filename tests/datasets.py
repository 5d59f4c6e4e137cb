"""Real datasets for the tests, all from inside the repository or scikit-learn's wheel.

A user's clone has nothing beside it, so no test reads a file outside the repository. Three real
datasets cover the three tasks:

- binary: UCI Adult as bundled in ``sample_models/adult.parquet`` (categorical columns, missing
  values);
- regression: scikit-learn's diabetes data (Efron et al. 2004, bundled in the wheel), in original
  units, with a seeded categorical ``clinic`` column and seeded missing blood pressures, because
  the real regression models must also meet categories and NaN;
- multiclass: scikit-learn's wine data (UCI Wine, bundled), with the classes numbered 1-3 as in
  the UCI original (labels that are not 0..K-1 are a case of their own) and a seeded categorical
  ``cellar`` column.

The seeded additions are noise by construction; tests use them for the code paths they reach, never
for what a model learns from them.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ADULT = ROOT / "sample_models" / "adult.parquet"
SEED = 20261201

LABELS = {"adult": "income_gt_50k", "diabetes": "progression", "wine": "cultivar"}
TASK_DATASET = {"binary": "adult", "regression": "diabetes", "multiclass": "wine"}
CLINICS = ("Riverside General", "North Hills", "Eastgate", "Harbour View")
CELLARS = ("north", "south", "west")


@functools.cache
def _frame(name: str) -> pd.DataFrame:
    if name == "adult":
        return pd.read_parquet(ADULT)
    from sklearn.datasets import load_diabetes, load_wine

    rng = np.random.default_rng(SEED)
    if name == "diabetes":
        frame = load_diabetes(as_frame=True, scaled=False).frame.rename(
            columns={"target": LABELS[name]}
        )
        clinic = rng.choice(np.array(CLINICS, dtype=object), size=len(frame))
        clinic[rng.random(len(frame)) < 0.03] = None
        frame.insert(len(frame.columns) - 1, "clinic", pd.Series(clinic, dtype=object))
        frame.loc[rng.random(len(frame)) < 0.04, "bp"] = np.nan
        return frame
    if name == "wine":
        frame = load_wine(as_frame=True).frame.rename(columns={"target": LABELS[name]})
        frame[LABELS[name]] = frame[LABELS[name]] + 1
        cellar = rng.choice(np.array(CELLARS, dtype=object), size=len(frame))
        frame.insert(len(frame.columns) - 1, "cellar", pd.Series(cellar, dtype=object))
        return frame
    raise KeyError(name)


def load(name: str) -> tuple[pd.DataFrame, str]:
    """A fresh copy of the dataset and the name of its label column."""
    return _frame(name).copy(), LABELS[name]


def for_task(task: str) -> tuple[pd.DataFrame, str]:
    return load(TASK_DATASET[task])
