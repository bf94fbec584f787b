"""Bias audit numbers, checked by hand, against fairlearn, and on planted effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import audit

RACE = {"race_group": ["race_group"]}


def toy_population() -> tuple[pd.DataFrame, pd.Series]:
    """Hispanic/Latino 100 (20 selected), Black 50 (5), White 50 (15): 200 people, 40 selected."""
    race = ["Hispanic/Latino"] * 100 + ["Black"] * 50 + ["White"] * 50
    selected = [True] * 20 + [False] * 80 + [True] * 5 + [False] * 45 + [True] * 15 + [False] * 35
    people = pd.DataFrame({"cdcno": [f"id{i}" for i in range(200)], "race_group": race})
    return people, pd.Series(selected)


def test_selection_audit_by_hand() -> None:
    people, selected = toy_population()
    t = audit.selection_audit(people, selected, RACE).set_index("group")
    assert t.loc["All", "selection_rate"] == pytest.approx(40 / 200)
    hisp, black, white = t.loc["Hispanic/Latino"], t.loc["Black"], t.loc["White"]
    assert (hisp["n_population"], hisp["n_selected"], hisp["n_not_selected"]) == (100, 20, 80)
    assert hisp["selection_rate"] == pytest.approx(0.2)
    assert black["selection_rate"] == pytest.approx(0.1)
    assert white["selection_rate"] == pytest.approx(0.3)
    assert hisp["share_of_population"] == pytest.approx(0.5)
    assert black["share_of_selected"] == pytest.approx(5 / 40)
    assert white["share_of_selected"] == pytest.approx(15 / 40)
    assert hisp["ratio_vs_reference"] == pytest.approx(0.2 / 0.3)
    assert black["ratio_vs_reference"] == pytest.approx(0.1 / 0.3)
    assert white["ratio_vs_reference"] == pytest.approx(1.0)
    assert hisp["ratio_vs_overall"] == pytest.approx(1.0)
    assert black["ratio_vs_overall"] == pytest.approx(0.5)
    assert white["ratio_vs_overall"] == pytest.approx(1.5)
    # Katz log interval of 5/50 against 15/50: se = sqrt(1/5 - 1/50 + 1/15 - 1/50).
    se = np.sqrt(1 / 5 - 1 / 50 + 1 / 15 - 1 / 50)
    assert black["ratio_vs_reference_lo"] == pytest.approx(np.exp(np.log(1 / 3) - 1.959964 * se))
    assert black["ratio_vs_reference_hi"] == pytest.approx(np.exp(np.log(1 / 3) + 1.959964 * se))
    # Its point estimate is far outside 0.8-1.25, but the interval reaches into the band (0.85):
    # with 50 people a group is not flagged.
    assert black["ratio_vs_reference_hi"] > 0.8 and not bool(black["flag_vs_reference"])
    assert not bool(hisp["flag_vs_reference"]) and pd.isna(white["flag_vs_reference"])
    # Wilson interval of 5/50.
    assert black["selection_rate_lo"] == pytest.approx(0.04348, abs=1e-4)
    assert black["selection_rate_hi"] == pytest.approx(0.21360, abs=1e-4)


def test_flags_need_the_interval_outside_the_band() -> None:
    """Ten times the people: the same rates are now flagged; a zero cell is not [0, 0]."""
    people, selected = toy_population()
    big = pd.concat([people] * 10, ignore_index=True)
    t = audit.selection_audit(big, pd.concat([selected] * 10, ignore_index=True), RACE)
    t = t.set_index("group")
    assert t.loc["Black", "ratio_vs_reference_hi"] < 0.8
    assert bool(t.loc["Black", "flag_vs_reference"])
    assert t.loc["Black", "q_vs_reference"] >= t.loc["Black", "p_vs_reference"]
    zero = pd.DataFrame({"race_group": ["White"] * 300 + ["Black"] * 30})
    sel = np.r_[np.arange(300) < 9, np.zeros(30, bool)]  # 3 % of White, none of 30 Black
    z = audit.selection_audit(zero, sel, RACE).set_index("group").loc["Black"]
    assert z["ratio_vs_reference_lo"] > 0 and z["ratio_vs_reference_hi"] > 1.25
    assert z["selection_rate_hi"] > 0.1 and not bool(z["flag_vs_reference"])


def test_benjamini_hochberg_by_hand() -> None:
    q = audit.benjamini_hochberg([0.01, 0.04, 0.03, np.nan, 0.5])
    assert q[:3] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3])  # m = 4 p-values
    assert np.isnan(q[3]) and q[4] == pytest.approx(0.5)


def test_selection_audit_matches_fairlearn() -> None:
    rng = np.random.default_rng(5)
    n = 1500
    people = pd.DataFrame(
        {
            "ethnicity": rng.choice(["Mexican", "Hispanic", "Black", "White", "Filipino"], n),
            "age": rng.uniform(18, 80, n),
        }
    )
    selected = pd.Series(rng.random(n) < 0.15)
    labels = pd.Series(rng.random(n) < 0.3)
    t = audit.selection_audit(people, selected)
    fl = audit.fairlearn_check(people, selected, labels).set_index("group")
    ours = t[t["dimension"] == "race_group"].set_index("group")
    assert ours.loc[fl.index, "selection_rate"].to_numpy() == pytest.approx(
        fl["selection_rate"].to_numpy()
    )
    assert ours.loc[fl.index, "n_population"].tolist() == fl["n_population"].tolist()
    a = audit.assistive_audit(people, labels, selected)
    a = a[a["dimension"] == "race_group"].set_index("group").loc[fl.index]
    assert a["recall"].to_numpy() == pytest.approx(fl["recall"].to_numpy())
    assert a["false_negative_rate"].to_numpy() == pytest.approx(
        fl["false_negative_rate"].to_numpy()
    )
    # Ethnicity was grouped through the data file: Mexican + Hispanic -> Hispanic/Latino.
    assert "Hispanic/Latino" in fl.index and "Asian/Pacific Islander" in fl.index


def test_assistive_audit_by_hand() -> None:
    people = pd.DataFrame({"race_group": ["White"] * 20 + ["Black"] * 20})
    # White: 10 eligible, 8 selected of them, 2 missed; 10 not eligible, 1 selected.
    labels = [True] * 10 + [False] * 10 + [True] * 10 + [False] * 10
    sel = [True] * 8 + [False] * 2 + [True] + [False] * 9 + [True] * 4 + [False] * 6 + [False] * 10
    t = audit.assistive_audit(people, pd.Series(labels), pd.Series(sel), RACE)
    t = t.set_index("group")
    assert t.loc["White", "recall"] == pytest.approx(0.8)
    assert t.loc["Black", "recall"] == pytest.approx(0.4)
    assert t.loc["Black", "n_missed"] == 6
    assert t.loc["Black", "false_negative_rate"] == pytest.approx(0.6)
    # False omission: eligible among those not selected: White 2 / 11, Black 6 / 16.
    assert t.loc["White", "false_omission_rate"] == pytest.approx(2 / 11)
    assert t.loc["Black", "false_omission_rate"] == pytest.approx(6 / 16)
    assert t.loc["Black", "recall_ratio_vs_reference"] == pytest.approx(0.5)


def test_intervals_contain_estimate() -> None:
    people, selected = toy_population()
    a = audit.selection_audit(people, selected, RACE)
    assert (a["selection_rate_lo"] <= a["selection_rate"]).all()
    assert (a["selection_rate"] <= a["selection_rate_hi"]).all()
    groups = a[a["group"] != "All"]
    assert (groups["ratio_vs_overall_lo"] <= groups["ratio_vs_overall"]).all()
    assert (groups["ratio_vs_overall"] <= groups["ratio_vs_overall_hi"]).all()
    black = a.set_index("group").loc["Black"]
    assert (
        black["ratio_vs_reference_lo"]
        < black["ratio_vs_reference"]
        < black["ratio_vs_reference_hi"]
    )
    # A rate of 5/50 has a binomial standard error of about 0.042: the interval is that wide.
    assert 0.1 < black["selection_rate_hi"] - black["selection_rate_lo"] < 0.25


def test_groups_and_age_bands() -> None:
    ages = pd.Series([18, 24.9, 25, 34.99, 35, 49, 50, 64.5, 65, 90, np.nan, 16])
    assert audit.age_band(ages).tolist() == [
        "18-24", "18-24", "25-34", "25-34", "35-49", "35-49", "50-64", "50-64", "65+", "65+",
        "Unknown", "Under 18",
    ]  # fmt: skip
    n = 120
    people = pd.DataFrame(
        {
            "ethnicity": ["Mexican", "White", "Black"] * 40,
            "age": [30] * 60 + [55] * 60,
            "county": ["Alameda"] * n,
            "gender": [None] * n,
        }
    )
    dims = audit.group_definitions(people)
    assert dims["race_group x age_band"] == ["race_group", "age_band"]
    assert "gender" not in dims and "county" not in dims  # no gender data, one county
    assert audit.add_groups(people)["race_group"].tolist()[:3] == [
        "Hispanic/Latino",
        "White",
        "Black",
    ]


def test_intersection_ratio_uses_white_of_same_age_band() -> None:
    people = pd.DataFrame(
        {"race_group": ["White", "Black"] * 40, "age_band": ["25-34"] * 40 + ["50-64"] * 40}
    )
    sel = np.zeros(80, dtype=bool)
    sel[[0, 2, 4, 6, 1, 3]] = True  # young: 4 White, 2 Black of 20 each
    sel[[40, 42, 41, 43, 45, 47]] = True  # old: 2 White, 4 Black
    t = audit.selection_audit(people, sel, {"x": ["race_group", "age_band"]}).set_index("group")
    assert t.loc["Black | 25-34", "ratio_vs_reference"] == pytest.approx(0.5)
    assert t.loc["Black | 50-64", "ratio_vs_reference"] == pytest.approx(2.0)
    assert t.loc["Black | 50-64", "reference_group"] == "White | 50-64"


def test_public_selection_table_is_suppressed() -> None:
    people, selected = toy_population()
    t = audit.selection_audit(people, selected, RACE)
    pub = audit.protect_selection_audit(t, "public").set_index("group")
    # Black has 5 selected (< 11): its selected count, rate and ratios are hidden, and so is a
    # complementary cell, while the population count of 50 stays.
    assert pd.isna(pub.loc["Black", "n_selected"]) and pd.isna(pub.loc["Black", "selection_rate"])
    assert pd.isna(pub.loc["Black", "ratio_vs_reference"])
    assert pub.loc["Black", "n_population"] == 50
    hidden = pub.loc[["Hispanic/Latino", "Black", "White"], "n_selected"].isna()
    assert hidden.sum() == 2
    da = audit.protect_selection_audit(t, "da").set_index("group")
    assert da.loc["Black", "n_selected"] == 5


def sentence_people() -> pd.DataFrame:
    rows = [
        # race, category, months
        ("White", "Drug Crimes", 24),
        ("White", "Drug Crimes", 36),
        ("White", "Drug Crimes", 60),
        ("Black", "Drug Crimes", 48),
        ("Black", "Drug Crimes", 72),
        ("Black", "Drug Crimes", 10_000),  # LWOP: excluded
        ("White", "Property Crimes", 12),
        ("Black", "Property Crimes", 16),
        ("Black", "Property Crimes", 20),
    ]
    people = pd.DataFrame(
        rows, columns=["race_group", "offense_category", "aggregate_sentence_months"]
    )
    people["sentence_lwop"] = people["aggregate_sentence_months"] == 10_000
    people["cdcno"] = [f"p{i}" for i in range(len(people))]
    people["county"] = "Alameda"
    return people


def test_sentence_by_category_by_hand() -> None:
    # Without the parts of the controlling offense, the categories are CDCR's.
    res = audit.sentence_disparity(sentence_people(), n_boot=300)
    t = res.by_category.set_index(["category", "race_group"])
    assert res.category_source == "CDCR offense category (4)"
    assert res.n_excluded == 1
    assert t.loc[("Drug Crimes", "White"), "mean_months"] == pytest.approx(40.0)
    assert t.loc[("Drug Crimes", "White"), "median_months"] == pytest.approx(36.0)
    assert t.loc[("Drug Crimes", "Black"), "n"] == 2
    assert t.loc[("Drug Crimes", "Black"), "mean_months"] == pytest.approx(60.0)
    assert t.loc[("Drug Crimes", "Black"), "median_months"] == pytest.approx(60.0)
    assert t.loc[("Drug Crimes", "Black"), "mean_diff_vs_reference"] == pytest.approx(20.0)
    assert t.loc[("Property Crimes", "Black"), "mean_ratio_vs_reference"] == pytest.approx(1.5)
    lo, hi = t.loc[("Drug Crimes", "White"), ["mean_lo", "mean_hi"]]
    assert 24 <= lo <= 40 <= hi <= 60
    lo, hi = t.loc[("Drug Crimes", "White"), ["median_lo", "median_hi"]]
    assert lo >= 24 and hi <= 60
    pub = audit.protect_sentence_tables(res, "public").by_category
    assert pub["mean_months"].isna().all()  # every cell has fewer than 11 people


def test_regression_recovers_planted_effect() -> None:
    rng = np.random.default_rng(11)
    n = 4000
    race = rng.choice(["White", "Black", "Hispanic/Latino"], n, p=[0.3, 0.35, 0.35])
    level = rng.integers(6, 40, n).astype(float)
    county = rng.choice(["Alameda", "Fresno", "Kern"], n)
    county_fx = pd.Series(county).map({"Alameda": 0.0, "Fresno": 0.15, "Kern": -0.1}).to_numpy()
    priors = rng.poisson(1.0, n)
    enh = rng.poisson(0.5, n)
    log_months = (
        2.5 + 0.06 * level + 0.08 * priors + 0.12 * enh + county_fx
        + np.log(1.20) * (race == "Black") + 0.0 * (race == "Hispanic/Latino")
        + rng.normal(0, 0.25, n)
    )  # fmt: skip
    people = pd.DataFrame(
        {
            "cdcno": [f"c{i}" for i in range(n)],
            "race_group": race,
            "county": county,
            "aggregate_sentence_months": np.exp(log_months).round(1),
        }
    )
    # Prior offense rows and enhancement counts in the offenses table.
    pid = np.repeat(people["cdcno"].to_numpy(), priors)
    offenses = pd.concat(
        [
            pd.DataFrame({"cdcno": people["cdcno"], "role": "current", "n_enhancements": enh}),
            pd.DataFrame({"cdcno": pid, "role": "prior", "n_enhancements": 0}),
        ],
        ignore_index=True,
    )
    info = pd.DataFrame({"offense_level": level, "category": "x"})
    reg, adjustment = audit.sentence_regression(people, offenses, info=info)
    reg = reg.set_index("term")
    assert adjustment == "county fixed effects, offense level, priors count, enhancement count"
    black = reg.loc["race_group[Black]"]
    assert black["pct_diff"] == pytest.approx(20.0, abs=3.0)
    assert black["pct_diff_lo"] < 20.0 < black["pct_diff_hi"]
    hisp = reg.loc["race_group[Hispanic/Latino]"]
    assert hisp["pct_diff_lo"] < 0 < hisp["pct_diff_hi"]
    assert reg.loc["offense_level", "estimate"] == pytest.approx(0.06, abs=0.005)
    assert reg.loc["priors", "estimate"] == pytest.approx(0.08, abs=0.02)
    assert reg.loc["enhancements", "estimate"] == pytest.approx(0.12, abs=0.02)
    assert black["n_group"] == (race == "Black").sum()


def test_rja_indicator_toy_case() -> None:
    white = [("W", "White", "A", m) for m in range(10, 130, 10)]  # 12 White peers: 10..120
    rows = [
        *white,
        ("B-high", "Black", "A", 130),  # longer than all 12 peers -> flagged
        ("B-mid", "Black", "A", 100),  # longer than 9 of 12 (75 %) -> not flagged
        ("H-alone", "Hispanic/Latino", "B", 500),  # no peers in county B
        ("U", "Unknown", "A", 300),
    ]
    people = pd.DataFrame(
        {
            "cdcno": [f"{r[0]}{i}" for i, r in enumerate(rows)],
            "race_group": [r[1] for r in rows],
            "county": [r[2] for r in rows],
            "aggregate_sentence_months": [float(r[3]) for r in rows],
            "controlling_offense_key": "PC211",
        }
    )
    out = audit.rja_indicator(people)
    high, mid, alone, unknown = out.iloc[12], out.iloc[13], out.iloc[14], out.iloc[15]
    assert (high["rja_peers"], high["rja_peers_below"]) == (12, 12)
    # Prong A is met; prong B cannot be tested with 2 Black people in the cell: no flag.
    assert bool(high["rja_individual"]) and pd.isna(high["rja_group_p"])
    assert not bool(high["rja_flag"]) and high["rja_indicator"] == audit.RJA_LABELS["individual"]
    assert (mid["rja_peers"], mid["rja_peers_below"]) == (12, 9)
    assert mid["rja_peer_percentile"] == pytest.approx(0.75)
    assert not bool(mid["rja_individual"]) and not bool(mid["rja_flag"])
    assert alone["rja_indicator"] == "insufficient peers" and pd.isna(alone["rja_flag"])
    # White people have only 2 other-race peers: insufficient.
    assert (out.iloc[:12]["rja_indicator"] == "insufficient peers").all()
    assert out.iloc[0]["rja_peers"] == 2
    assert pd.isna(unknown["rja_indicator"])
    assert out["cdcno"].tolist() == people["cdcno"].tolist()
    summary = audit.rja_summary(people, out).set_index("group")
    assert summary.loc["Black", "n_individual"] == 1 and summary.loc["Black", "n_assessed"] == 2
    assert summary.loc["Black", "n_flagged"] == 0


def test_rja_both_prongs() -> None:
    """Black people's sentences are longer than their White peers' in county A (both prongs);
    in county B the same long sentence stands alone (prong A only)."""
    rng = np.random.default_rng(4)
    white_a = rng.uniform(20, 60, 40)
    black_a = rng.uniform(50, 90, 20)
    white_b = rng.uniform(20, 60, 40)
    black_b = np.r_[200.0, rng.uniform(20, 60, 19)]
    months = np.r_[white_a, black_a, white_b, black_b]
    people = pd.DataFrame(
        {
            "cdcno": [f"r{i}" for i in range(len(months))],
            "race_group": ["White"] * 40 + ["Black"] * 20 + ["White"] * 40 + ["Black"] * 20,
            "county": ["A"] * 60 + ["B"] * 60,
            "aggregate_sentence_months": months,
            "controlling_offense_key": "PC211",
            "sentence_type": "DSL",
        }
    )
    out = audit.rja_indicator(people, permutations=99)
    a, b = out.iloc[40:60], out.iloc[100:120]
    assert (a["rja_group_q"] <= 0.05).all() and a["rja_group"].all()
    assert (a["rja_flag"] == a["rja_individual"]).all() and a["rja_flag"].sum() >= 5
    assert bool(b.iloc[0]["rja_individual"]) and not bool(b.iloc[0]["rja_flag"])
    null = audit.rja_null_rate(people)
    assert 0 <= null["Black"] < 0.3


def test_rja_lwop_ranks_above_any_term() -> None:
    people = pd.DataFrame(
        {
            "cdcno": [f"x{i}" for i in range(12)],
            "race_group": ["White"] * 11 + ["Black"],
            "county": "Kern",
            "aggregate_sentence_months": [600.0] * 11 + [10_000.0],
            "sentence_lwop": [False] * 11 + [True],
            "controlling_offense_key": "PC187",
        }
    )
    out = audit.rja_indicator(people)
    assert bool(out.iloc[11]["rja_individual"]) and out.iloc[11]["rja_peers"] == 11


def test_selections_take_the_first_k_of_each_county() -> None:
    people = pd.DataFrame({"cdcno": [f"p{i}" for i in range(8)]})
    candidates = pd.DataFrame(
        {
            "cdcno": ["p7", "p6", "p5", "p4", "p3", "p2", "p1", "p0"],
            "county": ["Kern"] * 4 + ["Yolo"] * 4,
            "eligible": pd.array([True, False, None, True, True, False, True, None], "boolean"),
            "rank": [1, 2, 3, 4, 1, 2, 3, 4],
            "model_rank": [4, 3, 2, 1, 4, 3, 2, 1],
        }
    )
    sels = audit.selections(people, candidates, 2)
    assert list(sels) == ["screen_eligible", "top_2_by_R", "top_2_by_model"]
    chosen = {name: people.loc[s.to_numpy(), "cdcno"].tolist() for name, s in sels.items()}
    assert chosen["screen_eligible"] == ["p1", "p3", "p4", "p7"]  # unknown is not selected
    assert chosen["top_2_by_R"] == ["p2", "p3", "p6", "p7"]
    assert chosen["top_2_by_model"] == ["p0", "p1", "p4", "p5"]
    # Without a model rank for anyone there is no model selection.
    no_model = candidates.assign(model_rank=pd.NA)
    assert list(audit.selections(people, no_model, 2)) == ["screen_eligible", "top_2_by_R"]
    assert list(audit.selections(people, candidates.drop(columns="model_rank"), 2)) == [
        "screen_eligible",
        "top_2_by_R",
    ]


def test_model_scores_are_read_and_checked(tmp_path) -> None:
    from helpers.errors import InputError

    frame = pd.DataFrame({"cdcno": ["a", "b"], "model_score": [0.2, 0.9], "model_rank": [2, 1]})
    path = tmp_path / "predictions.parquet"
    frame.assign(top_features="x").to_parquet(path, index=False)
    scores = audit.read_model_scores(path)
    assert list(scores.frame.columns) == ["cdcno", "model_score", "model_rank"]
    assert scores.source == str(path) and len(scores.sha256) == 64
    assert scores.sha256 == audit.read_model_scores(frame).sha256  # same scores, same digest
    with pytest.raises(InputError, match="model scores file not found"):
        audit.read_model_scores(tmp_path / "absent.parquet")
    merged = audit.with_model_scores(pd.DataFrame({"cdcno": ["b", "c"], "rank": [1, 2]}), scores)
    assert merged["model_rank"].tolist()[0] == 1 and pd.isna(merged["model_rank"].iloc[1])
