"""The sample model explained end to end: additivity, agreement with shap, chunking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import AlignmentError
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.explain.chunked import chunk_order, explain_all


@pytest.fixture(scope="module")
def sample(sample_model_path, sample_data_path):
    model = load_model(sample_model_path)
    frame = load_dataset(sample_data_path).iloc[:3000].reset_index(drop=True)
    return model, align(model, frame)


def test_values_add_up_to_the_models_raw_output(sample) -> None:
    model, data = sample
    explanation = explain_all(model, data.X)
    raw = model.predict_raw(data.X)
    assert explanation.complete
    assert explanation.values.dtype == np.float32
    total = explanation.values.sum(axis=1, dtype=np.float64) + explanation.base_values
    np.testing.assert_allclose(total, raw, atol=2e-5)


@pytest.mark.filterwarnings("ignore:LightGBM binary classifier:UserWarning")
def test_values_match_shap_tree_explainer(sample) -> None:
    import shap

    model, data = sample
    rows = data.X[:300]
    values, _base = model.contributions(rows)
    frame = data.frame[model.feature_names].iloc[:300].copy()
    for spec in model.features:
        if spec.is_categorical:
            frame[spec.name] = pd.Categorical(frame[spec.name], categories=spec.categories)
    reference = shap.TreeExplainer(model.booster).shap_values(frame)
    reference = reference[1] if isinstance(reference, list) else reference
    np.testing.assert_allclose(values[:, :, 0], reference, atol=1e-4)


def test_label_is_guessed_and_extra_columns_are_kept(sample) -> None:
    _, data = sample
    assert data.label_column == "income_gt_50k"
    assert {"fnlwgt", "split", "income_gt_50k"} <= set(data.report.extra)


def test_missing_and_mistyped_columns_are_listed(sample) -> None:
    model, data = sample
    broken = data.frame.drop(columns=["age", "sex"]).assign(hours_per_week="forty")
    with pytest.raises(AlignmentError) as error:
        align(model, broken)
    message = str(error.value)
    assert "age" in message and "sex" in message
    assert "hours_per_week" in message and "forty" in message


def test_chunk_order_covers_every_row_once() -> None:
    chunks = chunk_order(10_007, first=100, size=997)
    rows = np.concatenate(chunks)
    assert rows.size == 10_007
    assert np.array_equal(np.sort(rows), np.arange(10_007))
    assert chunks[0].size == 100


def test_approximate_explainers_keep_the_models_own_output(sample) -> None:
    """A sampled explainer's values need not add up; the gap must show, not be papered over."""
    model, data = sample

    class Approximate:
        def __init__(self, inner) -> None:
            self.inner = inner
            self.info = type(inner.info)(**{**vars(inner.info), "exact": False})
            self.features = inner.features
            self.output_names = inner.output_names
            self.n_outputs = inner.n_outputs
            self.feature_names = inner.feature_names
            self.unit = inner.unit

        def contributions(self, X):
            values, base = self.inner.contributions(X)
            return values * np.float32(0.9), base  # deliberately not additive

        def predict_raw(self, X):
            return self.inner.predict_raw(X)

    explanation = explain_all(Approximate(model), data.X[:200])
    np.testing.assert_allclose(explanation.raw_output, model.predict_raw(data.X[:200]))
    assert explanation.additivity_error() > 1e-3
    assert not explanation.exact


def test_filed_into_fills_the_builder_before_each_chunk_is_reported(sample) -> None:
    """The GUI's bulk worker files chunks itself; a reader on another thread sees, at each
    report, every reported row complete and a running mean that matches the rows filed."""
    import threading

    from app.core.explain.chunked import ExplanationBuilder, filed_into, iter_explanation

    model, data = sample
    X = data.X[:1_500]
    builder = ExplanationBuilder(model, X.shape[0])
    reports: list[tuple[int, bool, bool]] = []

    def run() -> None:
        chunks = filed_into(builder, iter_explanation(model, X, first_chunk=100, chunk_rows=350))
        for progress in chunks:
            filed = builder.covered[progress.rows].all()
            same = np.array_equal(builder.values[progress.rows], progress.values)
            reports.append((builder.done, bool(filed), bool(same)))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert [done for done, _, _ in reports] == [100, 450, 800, 1150, 1500]
    assert all(filed and same for _, filed, same in reports)
    expected = explain_all(model, X)
    np.testing.assert_array_equal(builder.values, expected.values)
    np.testing.assert_allclose(
        builder.mean_abs(), np.abs(expected.values).mean(axis=0, dtype=np.float64), rtol=1e-9
    )


def test_a_closed_builder_files_nothing_more(sample) -> None:
    from app.core.explain.chunked import ExplanationBuilder, iter_explanation

    model, data = sample
    builder = ExplanationBuilder(model, 600)
    chunks = iter_explanation(model, data.X[:600], first_chunk=200, chunk_rows=200)
    assert builder.add(next(chunks))
    builder.close()  # a cancel: the worker still delivers the chunk it was computing
    late = next(chunks)
    assert not builder.add(late)
    assert builder.done == 200 and int(builder.covered.sum()) == 200
    assert not builder.covered[late.rows].any()
