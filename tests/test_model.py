"""The decision model's building blocks: intervals, folds, metrics, labels, leakage, ranking, weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import model as M
from helpers.errors import InputError
from helpers.model.features import ScoreTerms
from helpers.screening.config import load_config

AS_OF = "2026-05-01"


# -- intervals --------------------------------------------------------------------------------------


def test_wilson_interval_stays_below_one_when_every_positive_is_found() -> None:
    lo, hi = M.wilson_interval(115, 115)
    assert hi == pytest.approx(1.0) and lo < 1.0
    assert lo == pytest.approx(115 / (115 + M.Z95**2))  # the exact Wilson bound at k = n
    lo0, hi0 = M.wilson_interval(0, 40)
    assert lo0 == 0.0 and 0 < hi0 < 0.1
    lo_mid, hi_mid = M.wilson_interval(30, 60)
    assert lo_mid < 0.5 < hi_mid
    assert np.isnan(M.wilson_interval(0, 0)[0])


def test_capacity_rows_with_all_positives_found_are_not_degenerate() -> None:
    table = M.capacity_rows({25: 25, 50: 40}, n_positive=40, n_people=500, ks=(25, 50))
    rows = table.set_index("metric")
    assert rows.loc["precision_at_25", "value"] == 1.0
    assert rows.loc["precision_at_25", "ci_low"] < 1.0
    assert rows.loc["recall_at_50", "value"] == 1.0 and rows.loc["recall_at_50", "ci_low"] < 1.0
    assert (table["ci_high"] > table["ci_low"]).all()
    assert set(table["interval"]) == {"Wilson"}


def test_recall_and_precision_at_k_and_pr_auc_by_hand() -> None:
    from sklearn.metrics import average_precision_score

    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    out = M.bootstrap_metrics(y, score, ks=(2, 5), n_boot=200).set_index("metric")
    assert out.loc["recall_at_2", "value"] == pytest.approx(1 / 4)
    assert out.loc["precision_at_2", "value"] == pytest.approx(1 / 2)
    assert out.loc["recall_at_5", "value"] == pytest.approx(2 / 4)
    assert out.loc["precision_at_5", "value"] == pytest.approx(2 / 5)
    assert out.loc["pr_auc", "value"] == pytest.approx(average_precision_score(y, score))
    assert M.top_k_hits(y, score, 5) == 2


def test_paired_change_of_a_score_with_itself_is_zero() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.2
    s = np.round(y * 0.5 + rng.random(400), 2)
    change = M.paired_change(y, s, s, ks=(25,), n_boot=100).set_index("metric")
    assert (change["change"] == 0).all() and (change["change_low"] == 0).all()
    better = M.paired_change(y, rng.random(400), s, ks=(25,), n_boot=200).set_index("metric")
    assert better.loc["pr_auc", "change_low"] > 0


def test_calibration_and_group_tables() -> None:
    rng = np.random.default_rng(5)
    score = rng.random(1000)
    y = rng.random(1000) < score
    cal = M.calibration_table(y, score, bins=5)
    assert cal["n"].tolist() == [200] * 5
    assert cal["observed_share"].is_monotonic_increasing
    assert (cal["observed_low"] <= cal["observed_share"]).all()
    groups = pd.Series(np.where(np.arange(1000) % 2 == 0, "A", "B"))
    flagged = score > 0.5
    table = M.group_table(y, flagged, groups, "g").set_index("group")
    a = (groups == "A").to_numpy()
    assert table.loc["A", "n_found"] == int((y & flagged & a).sum())
    assert table.loc["A", "recall"] == pytest.approx((y & flagged & a).sum() / (y & a).sum())


# -- folds and the time split -----------------------------------------------------------------------


def test_person_folds_never_split_a_person_and_keep_the_positive_share() -> None:
    rng = np.random.default_rng(1)
    people = pd.Series(rng.integers(0, 400, 1000).astype(str))
    y = rng.random(1000) < 0.25
    folds = M.person_folds(y, people, 5, 2, seed=1)
    assert folds.n_splits == 5 and len(folds.test) == 10
    for r in range(2):
        tests = [t for t, rep in zip(folds.test, folds.repeat, strict=True) if rep == r]
        assert np.sort(np.concatenate(tests)).tolist() == list(range(1000))
    for tr, te in zip(folds.train, folds.test, strict=True):
        assert not set(people.iloc[tr]) & set(people.iloc[te])
        assert abs(y[te].mean() - y.mean()) < 0.08
    assert not all(
        np.array_equal(a, b) for a, b in zip(folds.test[:5], folds.test[5:], strict=True)
    )


def test_time_split_tests_later_decisions_of_unseen_people() -> None:
    dates = pd.Series(pd.to_datetime(["2022-01-05", "2022-06-01", "2024-03-01", "2024-05-02"]))
    people = pd.Series(["a", "b", "a", "c"])
    cutoff = M.time_cutoff(dates, 0.5)
    assert cutoff == pd.Timestamp("2022-06-01") or cutoff.day == 1
    train, test, left = M.time_split(dates, people, pd.Timestamp("2023-01-01"))
    assert train.tolist() == [0, 1] and test.tolist() == [3] and left == 1


def test_cross_validation_pr_auc_is_a_fold_mean_with_a_fold_bootstrap() -> None:
    rng = np.random.default_rng(2)
    y = rng.random(600) < 0.3
    x = y + rng.normal(0, 1, 600)
    folds = M.person_folds(y, pd.Series(np.arange(600).astype(str)), 5, 2, seed=3)
    cv = M.cross_validate({"x": lambda _tr, te: x[te]}, y, folds)["x"]
    table = M.cv_metrics(y, cv, (25,), n_boot=500, seed=1).set_index("metric")
    assert table.loc["pr_auc", "value"] == pytest.approx(np.mean(cv.fold_pr_auc))
    assert table.loc["pr_auc", "ci_low"] < table.loc["pr_auc", "value"]
    assert table.loc["pr_auc", "value"] < table.loc["pr_auc", "ci_high"]
    np.testing.assert_allclose(cv.mean_score, x)


# -- labels -------------------------------------------------------------------------------------------


def _log(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cdcno", "county", "decision", "date_reviewed"])
    frame["date_reviewed"] = pd.to_datetime(frame["date_reviewed"])
    return frame


def test_decision_examples_label_every_decision_and_count_what_is_left_out() -> None:
    log = _log(
        [
            ("p1", "Yolo", "referred", "2024-03-17"),
            ("p1", "Yolo", "not referred", "2023-01-02"),
            ("p2", "Yolo", "denied", "2024-02-01"),
            ("p3", "Kern", "resentenced", "2022-05-09"),
            ("gone", "Yolo", "referred", "2024-01-01"),
            ("p4", "Yolo", "perhaps", "2024-01-01"),
        ]
    )
    ex = M.decision_examples(log, pd.Series(["p1", "p2", "p3", "p4"]))
    f = ex.frame
    assert f["cdcno"].tolist() == ["p3", "p1", "p2", "p1"]  # date order
    assert ex.y.tolist() == [True, False, False, True]  # denied is negative
    assert f["feature_date"].tolist()[0] == pd.Timestamp("2022-05-01")
    assert (ex.n_not_in_data, ex.n_unknown_decision) == (1, 1)
    yolo = M.decision_examples(log, pd.Series(["p1", "p2", "p3"]), "Yolo")
    assert set(yolo.frame["county"]) == {"Yolo"}
    assert M.reviewed_people(log, "Kern").tolist() == ["p3"]
    with pytest.raises(InputError, match="no review-decision log"):
        M.decision_examples(log.iloc[:0], pd.Series(["p1"]))


def test_check_label_names_the_options() -> None:
    assert M.check_label("decisions") == "decisions"
    with pytest.raises(InputError, match="--label must be one of decisions, screen"):
        M.check_label("votes")


# -- features on the decision date -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from helpers.data.ingest import ingest
    from helpers.synthetic import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, people=1500, seed=4)
    return ingest(folder, AS_OF).tables


def test_features_on_dates_are_what_was_known_that_day(sample_tables) -> None:
    t = sample_tables
    credits = t["credits"]
    who = credits["cdcno"].value_counts().index[0]
    day = pd.Timestamp(credits.loc[credits["cdcno"] == who, "effective_date"].median())
    day = pd.Timestamp(day.year, day.month, 1)
    X, terms = M.features_on_dates(t, pd.Series([who, who]), pd.Series([day, AS_OF]), AS_OF)
    now = M.build_features(t, AS_OF).loc[who]
    years = (pd.Timestamp(AS_OF) - day).days / 365.25
    assert X.iloc[1]["age"] == pytest.approx(now["age"])
    assert X.iloc[0]["age"] == pytest.approx(now["age"] - years)
    assert X.iloc[0]["time_served_years"] == pytest.approx(max(now["time_served_years"] - years, 0))
    mine = credits.loc[credits["cdcno"] == who]
    before = pd.to_numeric(mine.loc[mine["effective_date"] <= day, "credit_days"]).clip(lower=0)
    assert X.iloc[0]["credit_days_total"] == pytest.approx(before.sum())
    assert X.iloc[1]["credit_days_total"] == pytest.approx(now["credit_days_total"])
    assert len(terms.current_sum) == 2 and list(X.index) == [who, who]


def test_restricted_tables_give_the_same_features(sample_tables) -> None:
    ids = pd.Index(sample_tables["people"]["cdcno"].astype("string")[:40])
    small = M.build_features(M.restrict_to_people(sample_tables, ids), AS_OF)
    full = M.build_features(sample_tables, AS_OF).loc[ids]
    pd.testing.assert_frame_equal(small.loc[ids], full, check_dtype=False)


# -- leakage -----------------------------------------------------------------------------------------


def test_the_leakage_set_closes_the_screen_inputs_under_derivations() -> None:
    statewide = load_config(None)
    inputs = set(M.screen_inputs(statewide))
    leak = set(M.leakage_set(statewide))
    assert inputs <= leak
    # Time served is read; age and age at offense give it back, custody totals grow with it.
    assert {"age", "age_at_offense", "violations_total", "credit_days_total"} <= leak
    # The lists fix category, level and enhancements; strike sentences follow priors.
    assert {"offense_category", "offense_level", "n_enh_firearm", "sentence_type"} <= leak
    clean = M.clean_features(statewide)
    assert not set(clean) & leak and set(clean) | leak == set(M.FEATURES)
    assert "violations_5y" in clean


def test_the_decision_model_sees_nothing_from_the_log_or_after_the_decision() -> None:
    declared = {c for cols in M.decision_leakage().values() for c in cols}
    assert not declared & set(M.DECISION_FEATURES)
    assert set(M.SNAPSHOT_FEATURES) <= declared
    assert set(M.DECISION_LOG_COLUMNS) <= declared


def test_shallow_tree_check_flags_a_rule_and_not_noise() -> None:
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"age": rng.uniform(20, 80, 5000), "noise": rng.normal(0, 1, 5000)})
    rule = X["age"].to_numpy() >= 75
    check = M.shallow_tree_check(X, rule, "all", seed=1)
    assert check.leaks and check.lift > M.LEAKAGE_LIFT
    blind = M.shallow_tree_check(X[["noise"]], rule, "noise only", seed=1)
    assert not blind.leaks and blind.lift < 2


# -- SMOTENC and the forest ------------------------------------------------------------------------


def test_smotenc_treats_missing_value_indicators_as_categorical() -> None:
    rng = np.random.default_rng(4)
    n = 300
    X = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(20, 70, n)),
            "time_served_years": rng.uniform(0, 30, n),
            "sentence_type": rng.choice(["DSL", "Third Striker"], n),
        }
    )
    y = np.r_[np.zeros(270, dtype=bool), np.ones(30, dtype=bool)]
    missing = M.missing_columns(X)
    assert missing == ["age"]
    settings = M.ModelSettings(n_estimators=5, smote=True, smote_ratio=0.5, smote_k_neighbors=3)
    pipe = M.make_pipeline(list(X.columns), settings, missing=missing)
    assert list(pipe.named_steps) == ["prep", "smote", "brf"]
    brf = pipe.named_steps["brf"]
    assert (brf.sampling_strategy, brf.replacement, brf.bootstrap) == ("all", True, False)
    Xt = pipe.named_steps["prep"].fit_transform(M.as_model_input(X), y)
    assert pipe.named_steps["smote"].categorical_features == [0, 1]  # category, age missing
    X_res, y_res = pipe.named_steps["smote"].fit_resample(Xt, y.astype(int))
    assert int(y_res.sum()) == 135  # 0.5 × 270
    assert set(np.unique(X_res[:, 1])) <= {0.0, 1.0}  # never "half missing"
    M.fit(pipe, X, y)
    assert M.scores(pipe, X).shape == (n,)
    # A minority already above the ratio is never lowered.
    assert M.smote_target(np.r_[np.zeros(10), np.ones(8)].astype(int), 0.5) == {1: 8}


# -- learned weights --------------------------------------------------------------------------------


def _planted_terms(n: int, seed: int) -> tuple[ScoreTerms, np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(seed)
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
    return terms, y, planted


def test_learned_weights_recover_planted_weights() -> None:
    terms, y, planted = _planted_terms(30_000, 11)
    fit = M.learn_weights(terms, y, balanced=False, l2=0.0)
    assert fit.converged
    assert fit.d == pytest.approx(0.85, abs=0.04)
    assert fit.a == pytest.approx(0.06, rel=0.15)
    assert fit.b == pytest.approx(0.1, rel=0.2)
    for k, v in planted.items():
        assert fit.factors[k] == pytest.approx(v, abs=0.25)


def test_bootstrap_weights_are_the_same_in_one_or_two_processes() -> None:
    terms, y, _ = _planted_terms(1200, 5)
    office = load_config(None).score
    groups = pd.Series(np.arange(1200) // 2)
    one = M.bootstrap_weights(terms, y, groups, office, 12, seed=3, n_jobs=1)
    two = M.bootstrap_weights(terms, y, groups, office, 12, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert one["n_boot"].iloc[0] == 12


def test_bootstrap_weights_have_intervals_and_make_a_preset(tmp_path) -> None:
    import shutil

    from helpers.paths import CONFIG_DIR

    terms, y, _ = _planted_terms(3000, 12)
    office = load_config(None).score
    table = M.bootstrap_weights(terms, y, pd.Series(np.arange(3000) // 2), office, 20, seed=1)
    w = table.set_index("weight")
    assert list(w.index[:3]) == ["a", "b", "d"]
    assert (w["learned_low"] <= w["learned"] + 1e-9).all()
    assert (w["learned"] <= w["learned_high"] + 1e-9).all()
    assert w.loc["d", "office"] == pytest.approx(office.d)
    total = w.drop(index="d")["office"].abs().sum()
    assert w.drop(index="d")["learned_office_scale"].abs().sum() == pytest.approx(total)
    # The preset is a weights-only file an office can name last in `extends`.
    configs = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, configs)
    (configs / "presets" / "learned_weights.yaml").write_text(
        M.weights_preset(table, "test") + "\n"
    )
    county = configs / "counties" / "test.yaml"
    county.write_text("extends: [statewide_general, learned_weights]\nname: test\n")
    adopted = load_config(None, county, config_dir=configs)
    assert adopted.score.a == pytest.approx(round(w.loc["a", "learned_office_scale"], 4))
    assert adopted.score.factors["age"] == pytest.approx(
        round(w.loc["age", "learned_office_scale"], 4)
    )
    assert [r.id for r in adopted.rules] == [r.id for r in load_config(None).rules]


# -- ranking behind the screen and agreement --------------------------------------------------------


def test_only_people_the_screen_passes_or_cannot_decide_are_ranked(sample_tables) -> None:
    from helpers.screening.candidates import build_candidates

    t = sample_tables
    cand = build_candidates(t, None, load_config(None), AS_OF)
    cand.loc[cand.index[:3], "eligibility"] = "unknown"
    X = M.build_features(t, AS_OF)
    cols = [c for c in M.DECISION_FEATURES if X[c].notna().any()]
    y = cand["eligibility"].eq("eligible").to_numpy() | (np.arange(len(cand)) % 7 == 0)
    pipe = M.fit(M.make_pipeline(cols, M.ModelSettings(n_estimators=10)), X[cols], y)
    meta = type("Meta", (), {"features": cols, "explain_features": cols[:3]})()
    meta.reference_values = M.reference_values(X[cols])
    ranked = M.rank_candidates(cand, t, load_config(None), AS_OF, M.Ranker(pipe, meta))
    ok = ranked["eligibility"].isin(M.RANKABLE).to_numpy()
    assert (
        ranked.loc[ok, "model_rank"].notna().all() and ranked.loc[ok, "model_score"].notna().all()
    )
    assert (
        ranked.loc[~ok, "model_rank"].isna().all() and ranked.loc[~ok, "model_score"].isna().all()
    )
    assert (
        ranked.loc[~ok, "model_status"] == "not ranked: the county's screen says not eligible"
    ).all()
    assert (ranked.loc[ok, "model_status"] == M.RANKED).all()
    for _, g in ranked.loc[ok].groupby("county"):
        assert sorted(g["model_rank"].tolist()) == list(range(1, len(g) + 1))
        best = g.loc[g["model_rank"] == 1, "model_score"].iloc[0]
        assert best == g["model_score"].max()


def test_county_plan_uses_a_county_model_only_with_enough_decisions() -> None:
    rows = [
        (f"la{i}", "Los Angeles", "referred" if i % 3 == 0 else "not referred", "2024-01-01")
        for i in range(400)
    ]
    rows += [(f"y{i}", "Yolo", "referred", "2024-01-01") for i in range(20)]
    log = _log(rows)
    people = pd.Series([r[0] for r in rows])
    plan = M.county_plan(log, people, ["Los Angeles", "Yolo", "Kern"]).set_index("county")
    assert plan.loc["Los Angeles", "model"] == M.COUNTY
    assert plan.loc["Los Angeles", "n_positive"] >= M.COUNTY_MIN_POSITIVES
    assert plan.loc["Yolo", "model"] == M.STATEWIDE and plan.loc["Kern", "n_decisions"] == 0


def test_agreement_of_the_two_top_k_lists_by_hand() -> None:
    cand = pd.DataFrame(
        {
            "cdcno": list("abcdefg"),
            "eligibility": ["eligible"] * 4 + ["unknown", "unknown", "not eligible"],
            "R": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.5],
            "rank": [1, 2, 3, 4, 5, 6, 7],
            "model_score": [0.1, 0.9, 0.8, 0.2, 0.95, 0.3, np.nan],
            "model_rank": pd.array([6, 2, 3, 5, 1, 4, pd.NA], dtype="Int64"),
        }
    )
    table = M.agreement_table(cand, (3,)).iloc[0]
    # By R: a, b, c; by the model: e, b, c.
    assert (table["n_both"], table["n_R_only"], table["n_model_only"]) == (2, 1, 1)
    assert table["overlap"] == pytest.approx(2 / 3)
    assert (table["n_by_R_passing"], table["n_by_model_passing"]) == (3, 2)
    diff = M.list_differences(cand, 3).set_index("cdcno")["list"].to_dict()
    assert diff == {"a": "top 3 by R only", "e": "top 3 by model only"}
    rho = M.rank_correlation(cand).iloc[0]
    assert rho["n"] == 4 and -1 <= rho["value"] <= 1 and rho["ci_low"] < rho["ci_high"]


def test_model_ranks_within_county() -> None:
    ranks = M.model_ranks(np.array([0.1, 0.9, 0.5, 0.7]), pd.Series(["A", "A", "B", "B"]))
    assert ranks.tolist() == [2, 1, 2, 1]
