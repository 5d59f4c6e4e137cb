"""Pickles are never opened untrusted; pipelines explain input columns; sampled explainers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from app.core.base.errors import ModelLoadError, UntrustedPickleError
from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain.models import trust
from tests.core import model_fixtures as F


@pytest.fixture(autouse=True)
def _trust_store(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(trust.STORE_ENV, str(tmp_path / "trust.json"))


class _Boom:
    """Unpickling this runs os.system-free code that creates a file: proof it was executed."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_malicious_pickle_is_not_executed_without_trust(tmp_path) -> None:
    marker = tmp_path / "pwned.txt"
    bad = tmp_path / "model.pkl"
    bad.write_bytes(pickle.dumps(_Boom(str(marker))))
    with pytest.raises(UntrustedPickleError) as caught:
        load_model(bad)
    assert not marker.exists()
    message = str(caught.value)
    assert "model.pkl" in message and "runs any code" in message and "--trust-pickle" in message


def test_untrusted_joblib_and_renamed_pickle_are_refused(tmp_path) -> None:
    source = F.sklearn_file("DecisionTree", "binary", "joblib")
    renamed = tmp_path / "model.bin"  # no pickle suffix: recognised by its first byte
    renamed.write_bytes(source.read_bytes())
    for path in (source, renamed):
        with pytest.raises(UntrustedPickleError):
            load_model(path)


def test_remembered_trust_is_per_file_hash(tmp_path) -> None:
    path = tmp_path / "tree.joblib"
    path.write_bytes(F.sklearn_file("DecisionTree", "binary", "joblib").read_bytes())
    with pytest.raises(UntrustedPickleError):
        load_model(path)
    trust.remember_trust(path)
    assert load_model(path).info.framework == "scikit-learn"
    path.write_bytes(path.read_bytes() + b"\x00")  # different bytes, no longer trusted
    with pytest.raises(UntrustedPickleError):
        load_model(path)
    trust.forget_trust(F.sklearn_file("DecisionTree", "binary", "joblib"))


def test_pickle_whose_class_cannot_be_imported(tmp_path) -> None:
    path = tmp_path / "ghost.pkl"
    # A protocol-2 pickle of a global from a module that does not exist.
    path.write_bytes(b"\x80\x02cnonexistent_module_xyz\nGhost\nq\x00)\x81q\x01.")
    with pytest.raises(ModelLoadError) as caught:
        load_model(path, trust_pickle=True)
    assert "ghost.pkl" in str(caught.value) and "not installed" in str(caught.value)


def test_pickle_of_a_non_model(tmp_path) -> None:
    path = tmp_path / "numbers.pkl"
    path.write_bytes(pickle.dumps({"a": [1, 2, 3]}))
    with pytest.raises(ModelLoadError, match="not a model"):
        load_model(path, trust_pickle=True)


def test_pipeline_explains_original_columns_exactly() -> None:
    model = load_model(F.pipeline_file("RandomForest"))
    frame = F.pipeline_frame().iloc[:80]
    data = align(model, frame)
    assert model.feature_names[:4] == ["workclass", "education", "sex", "race"]
    assert model.features[2].categories == ["Female", "Male"]
    values, base = model.contributions(data.X)
    raw = model.predict_raw(data.X)
    np.testing.assert_allclose(values.sum(axis=1) + base, raw, atol=2e-6)
    assert "original input columns" in str(model.info.extra["explained_in"])
    # Reference: shap on the transformed matrix, one-hot columns summed by hand.
    shap = pytest.importorskip("shap")
    pipe = model.pipeline
    Xt = pipe[0].transform(frame.drop(columns=["income_gt_50k"]))
    Xt = Xt.toarray() if hasattr(Xt, "toarray") else np.asarray(Xt)
    ref = np.asarray(shap.TreeExplainer(pipe[-1]).shap_values(Xt))[:, :, 1]
    width = len(pipe[0].named_transformers_["onehotencoder"].categories_[2])
    start = sum(len(c) for c in pipe[0].named_transformers_["onehotencoder"].categories_[:2])
    np.testing.assert_allclose(
        values[:, 2, 0], ref[:, start : start + width].sum(axis=1), atol=1e-4
    )


def test_pipeline_with_gradient_boosting_is_additive() -> None:
    model = load_model(F.pipeline_file("GradientBoosting"))
    data = align(model, F.pipeline_frame().iloc[:50])
    values, base = model.contributions(data.X)
    np.testing.assert_allclose(values.sum(axis=1) + base, model.predict_raw(data.X), atol=2e-6)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_agnostic_model_is_sampled_and_measures_additivity(task: str) -> None:
    model = load_model(F.agnostic_file(task), trust_pickle=True)
    assert not model.info.exact and model.needs_background
    X_frame, _ = F.numeric_data(task)
    data = align(model, X_frame.fillna(X_frame.median()).iloc[:150])
    assert model.info.extra["background_rows"] == 100
    assert "background of 100 rows" in model.info.explainer
    values, base = model.contributions(data.X[:3])
    measured = model.info.extra["additivity_error"]
    raw = model.predict_raw(data.X[:3])
    assert measured is not None and measured < 1e-6 * max(1.0, float(np.abs(raw).max()))
    np.testing.assert_allclose(values.sum(axis=1) + base, raw, rtol=1e-6, atol=1e-6)
    again, _ = model.contributions(data.X[:3])  # fixed seed and background: reproducible
    np.testing.assert_allclose(values, again)


def test_pipeline_with_other_final_step_is_sampled_with_input_categories() -> None:
    model = load_model(F.pipeline_file("Logistic", "joblib"), trust_pickle=True)
    assert not model.info.exact
    assert model.features[2].categories == ["Female", "Male"]
    data = align(model, F.pipeline_frame().iloc[:50])
    np.testing.assert_allclose(
        model.predict_raw(data.X)[:, 0],
        model.estimator.predict_proba(F.pipeline_frame().iloc[:50])[:, 1],
        atol=1e-9,
    )
