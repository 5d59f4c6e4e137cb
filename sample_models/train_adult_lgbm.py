"""Retrain the bundled LightGBM sample on the Adult census data, with a fixed seed.

Run from the project root:  .venv/bin/python sample_models/train_adult_lgbm.py
Writes sample_models/adult_lgbm.txt (LightGBM's native text format) and prints the test AUC.
"""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import pandas as pd
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
LABEL = "income_gt_50k"
# fnlwgt is a census sampling weight, not a property of the person; split marks train/test.
NOT_FEATURES = {LABEL, "fnlwgt", "split"}
SEED = 20261127


def main() -> None:
    data = pd.read_parquet(HERE / "adult.parquet")
    features = [c for c in data.columns if c not in NOT_FEATURES]
    for column in features:
        if pd.api.types.is_string_dtype(data[column]) or data[column].dtype == object:
            data[column] = data[column].astype("category")
    train = data[data["split"] == "train"]
    test = data[data["split"] == "test"]
    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.9,
        "bagging_freq": 1,
        "seed": SEED,
        "deterministic": True,
        "num_threads": 1,
        "verbose": -1,
    }
    booster = lgb.train(
        params,
        lgb.Dataset(train[features], label=train[LABEL], categorical_feature="auto"),
        num_boost_round=300,
    )
    booster.save_model(str(HERE / "adult_lgbm.txt"))
    auc = roc_auc_score(test[LABEL], booster.predict(test[features]))
    print(f"features: {len(features)}, trees: {booster.num_trees()}, test AUC: {auc:.4f}")


if __name__ == "__main__":
    main()
