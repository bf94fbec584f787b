"""The eligibility model: honest split, metrics and intervals, learned weights, persistence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import model as M
from helpers.model.features import ScoreTerms
from helpers.screening.config import load_config

AS_OF = "2026-05-01"
FAST = M.ModelSettings(n_estimators=25, n_boot=100, importance_repeats=1, explain_features=4)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from helpers.data.ingest import ingest
    from helpers.synthetic import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, people=2500, seed=1)
    return ingest(folder, AS_OF).tables


TEST_CONFIG = """
extends: defaults
name: test screen
screens:
  rules:
    sentence: {type: min_sentence_years, years: 8}
    served: {type: min_time_served_years, years: 5}
    current_offenses: {type: no_current_offense_in, lists: [violent, sex_registrable]}
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "test.yaml"
    path.write_text(TEST_CONFIG)
    return load_config(None, path)


@pytest.fixture(scope="module")
def result(tables, config):
    return M.train_model(tables, None, config, AS_OF, "screen", FAST)


# -- split and resampling ---------------------------------------------------------------------------


def test_split_keeps_natural_imbalance():
    y = np.zeros(4000, dtype=bool)
    y[::50] = True  # 2 %
    train, test = M.split(y, M.ModelSettings(test_size=0.25))
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == len(y)
    assert abs(y[test].mean() - y.mean()) < 1 / len(test) + 1e-12
    assert abs(y[train].mean() - y.mean()) < 1 / len(train) + 1e-12


def test_smote_is_inside_the_pipeline_and_only_resamples_training(result):
    pipe = M.make_pipeline(result.metadata.features, FAST, smote=True)
    assert list(pipe.named_steps) == ["prep", "smote", "brf"]
    brf = pipe.named_steps["brf"]
    assert (brf.sampling_strategy, brf.replacement, brf.bootstrap) == ("all", True, False)
    d = result.metadata.data
    # The test set keeps the natural class ratio (stratified, never resampled).
    assert d.n_test_positive / d.n_test == pytest.approx(d.positive_share, abs=1 / d.n_test)
    # SMOTENC adds synthetic positives when fitting, and prediction returns one row per person.
    X = pd.DataFrame(
        {
            "age": np.r_[np.linspace(20, 60, 190), np.linspace(50, 70, 10)],
            "sentence_type": ["DSL"] * 150 + ["Third Striker"] * 50,
        }
    )
    y = np.r_[np.zeros(190, dtype=bool), np.ones(10, dtype=bool)]
    small = M.ModelSettings(n_estimators=5, smote=True, smote_ratio=0.5, smote_k_neighbors=3)
    pipe = M.make_pipeline(list(X.columns), small)
    Xt = pipe.named_steps["prep"].fit_transform(M.as_model_input(X), y)
    _, y_res = pipe.named_steps["smote"].fit_resample(Xt, y.astype(int))
    assert int(y_res.sum()) == 95  # 0.5 × 190 majority
    M.fit(pipe, X, y)
    assert M.scores(pipe, X).shape == (200,)


# -- metrics ---------------------------------------------------------------------------------------


def test_recall_and_precision_at_k_by_hand():
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    out = M.bootstrap_metrics(y, score, score >= 0.5, ks=(2, 5), n_boot=200).set_index("metric")
    assert out.loc["recall_at_2", "value"] == pytest.approx(1 / 4)
    assert out.loc["precision_at_2", "value"] == pytest.approx(1 / 2)
    assert out.loc["recall_at_5", "value"] == pytest.approx(2 / 4)
    assert out.loc["precision_at_5", "value"] == pytest.approx(2 / 5)
    assert out.loc["precision", "value"] == pytest.approx(2 / 5)
    assert out.loc["recall", "value"] == pytest.approx(2 / 4)
    # Balanced accuracy: recall 0.5, specificity 3/6.
    assert out.loc["balanced_accuracy", "value"] == pytest.approx(0.5 * (0.5 + 0.5))


def test_pr_auc_matches_sklearn_and_intervals_contain_the_estimate():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(3)
    y = rng.random(3000) < 0.03
    score = np.round(y * 0.6 + rng.random(3000), 2)  # with ties
    out = M.bootstrap_metrics(y, score, score >= 0.8, n_boot=400).set_index("metric")
    assert out.loc["pr_auc", "value"] == pytest.approx(average_precision_score(y, score))
    assert (out["ci_low"] <= out["value"] + 1e-12).all()
    assert (out["ci_high"] >= out["value"] - 1e-12).all()
    assert (out["ci_high"] > out["ci_low"]).loc[["pr_auc", "precision", "recall"]].all()


# -- learned weights --------------------------------------------------------------------------------


def test_learned_weights_recover_planted_weights():
    rng = np.random.default_rng(11)
    n = 30_000
    current = rng.gamma(4.0, 8.0, n)
    n_pri = rng.integers(0, 4, n)
    person = np.repeat(np.arange(n), n_pri)
    level = rng.uniform(6, 30, person.size)
    years = rng.uniform(0, 30, person.size)
    factors = pd.DataFrame(rng.random((n, 3)), columns=["age", "trauma_abuse", "rules_violations"])
    terms = ScoreTerms(pd.Index(np.arange(n).astype(str)), current, person, level, years, factors)
    planted = {"age": -1.5, "trauma_abuse": -0.8, "rules_violations": 1.2}
    r = M.r_values(terms, 0.06, 0.1, 0.85, planted)
    y = rng.random(n) < 1 / (1 + np.exp(-(r.mean() - 2.0 - r)))
    fit = M.learn_weights(terms, y, balanced=False, l2=0.0)
    assert fit.converged
    assert fit.d == pytest.approx(0.85, abs=0.04)
    assert fit.a == pytest.approx(0.06, rel=0.15)
    assert fit.b == pytest.approx(0.1, rel=0.2)
    for k, v in planted.items():
        assert fit.factors[k] == pytest.approx(v, abs=0.25)


def test_weights_table_beside_office(result):
    w = result.weights.set_index("weight")
    assert {"a", "b", "d", "age", "rules_violations"} <= set(w.index)
    assert w.loc["d", "office"] == pytest.approx(0.95)  # defaults.yaml
    assert 0 < w.loc["d", "learned"] <= 1
    assert w.loc["a", "learned"] >= 0 and w.loc["b", "learned"] >= 0
    office_total = w.drop(index="d")["office"].abs().sum()
    assert w.drop(index="d")["learned_office_scale"].abs().sum() == pytest.approx(office_total)


# -- the training run ------------------------------------------------------------------------------


def test_comparison_has_every_method_and_the_memo(result):
    comp = result.comparison
    methods = set(comp["method"])
    assert {
        "BRF",
        "SMOTE+BRF",
        "logistic regression",
        "score R (office weights)",
        "score R (learned weights)",
        "policy memo",
    } <= methods
    memo = comp[comp["method"] == "policy memo"].set_index("metric")["value"]
    assert memo["recall"] == 0.86 and memo["precision"] == 0.41
    assert comp.loc[comp["method"] != "policy memo", "setting"].str.startswith("ours: BRF").all()
    # Leakage: the BRF with and without the screen's inputs, on the same split.
    brf = comp[comp["method"] == "BRF"]
    assert set(brf["features"]) == {"all (incl. screen inputs)", "without screen inputs"}
    assert {"time_served_years", "sentence_years", "current_violent"} <= set(
        result.metadata.screen_input_features
    )
    ap = brf[brf["metric"] == "pr_auc"].set_index("features")["value"]
    assert ap["all (incl. screen inputs)"] >= ap["without screen inputs"] - 0.05
    pr = comp[comp["metric"] == "pr_auc"]
    assert pr["value"].between(0, 1).all()


def test_inspection_importance_feedback_groups(result):
    ins = result.inspection.set_index("feature")
    assert ins.loc["time_served_years", "n_labelled"] == result.metadata.data.n_test_positive
    assert {"labelled", "flagged_not_labelled", "smd_flagged_vs_labelled"} <= set(ins.columns)
    imp = result.importance
    assert set(imp["feature"]) == set(result.metadata.features)
    assert imp["importance_mean"].is_monotonic_decreasing
    fb = result.feedback.set_index("metric")
    assert fb.loc["pr_auc", "change"] == pytest.approx(
        fb.loc["pr_auc", "after"] - fb.loc["pr_auc", "before"]
    )
    assert int(fb["labels_changed_in_training"].iloc[0]) > 0
    assert "race_group" in set(result.by_group["dimension"])


def test_decision_labels_and_feedback(tables):
    ids = tables["people"]["cdcno"]
    pos, reviewed = M.decision_labels(ids, tables["decisions"])
    d = tables["decisions"]
    expected = set(d.loc[d["decision"].isin(["referred", "resentenced"]), "cdcno"])
    assert set(pos[pos].index) == expected & set(ids)
    assert reviewed.sum() >= pos.sum()
    base = pd.Series(False, index=pd.Index(ids.astype("string")), dtype="boolean")
    updated = M.apply_feedback(base, d)
    assert int(updated.sum()) == int(pos.sum())


def test_persistence_round_trip(result, tables, tmp_path):
    from helpers.model.features import build_features

    model_path, meta_path = M.save_model(result.pipeline, result.metadata, tmp_path)
    pipe, meta = M.load_model(model_path)
    X = build_features(tables, AS_OF).reindex(columns=meta.features)
    np.testing.assert_array_equal(M.scores(pipe, X), M.scores(result.pipeline, X))
    import json

    saved = json.loads(meta_path.read_text())
    assert saved["data"]["training_data_sha256"] == result.metadata.data.training_data_sha256
    assert len(saved["data"]["training_data_sha256"]) == 64
    assert saved["versions"]["imbalanced-learn"]
    assert saved["seed"] == FAST.random_state
    pred = M.predict(pipe, meta, X.head(50))
    assert pred["model_score"].between(0, 1).all()
    assert pred["top_features"].str.contains(r"\(\+", regex=True).any()


def test_model_card_sections(result, tmp_path):
    from helpers.model.card import write_model_card

    path = write_model_card(result.metadata, tmp_path / "card.md")
    text = path.read_text()
    for section in (
        "## Model details",
        "## Intended use",
        "## Factors",
        "## Metrics",
        "## Evaluation data",
        "## Training data",
        "## Quantitative analyses",
        "## Ethical considerations",
        "## Caveats and recommendations",
    ):
        assert section in text
    assert "policy memo" in text and "0.86" in text
    assert "### By race group" in text and "### Leakage" in text


def test_model_ranks_within_county():
    ranks = M.model_ranks(np.array([0.1, 0.9, 0.5, 0.7]), pd.Series(["A", "A", "B", "B"]))
    assert ranks.tolist() == [2, 1, 2, 1]
