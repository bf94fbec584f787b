"""The sentence mediation analysis: a null generator finds no race effect, a planted one is found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import audit
from helpers.data.ingest import ingest
from helpers.synthetic import write_sample


@pytest.fixture(scope="module")
def null_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """30,000 synthetic people: the generator draws race from county and sentence type only, so
    race has no effect on sentences once those are known (the datasheet states it)."""
    root = tmp_path_factory.mktemp("null")
    write_sample(root / "raw", people=30_000, seed=6)
    tables = ingest(root / "raw", "2026-05-01").tables
    return audit.add_groups(tables["people"]), tables["offenses"]


def race_rows(med: pd.DataFrame, step: int) -> pd.DataFrame:
    return med[(med["step"] == step) & med["group"].notna()].set_index("group")


@pytest.mark.slow
def test_null_generator_shows_no_race_effect_once_strike_status_is_known(null_data) -> None:
    people, offenses = null_data
    med = audit.sentence_mediation(people, offenses)
    last = race_rows(med, med["step"].max())
    assert not last["gap_flag"].any()  # no gap survives the correction across the table
    assert (last["pct_diff"].abs() < 2).all()
    assert (last["standard_errors"] == "clustered by county (CR1)").all()
    # Before strike status is adjusted for, the composition of the prison shows as a race gap:
    # the previous fully adjusted model (step 4) reported it as an effect of race.
    before = race_rows(med, 4).loc["Black"]
    assert before["pct_diff"] > 1 + last.loc["Black", "pct_diff"]


@pytest.mark.slow
def test_race_shuffled_within_county_and_sentence_type_is_rarely_flagged(null_data) -> None:
    """The exact null: race permuted within county × sentence type (the generator's only routes
    for race) carries no information about sentences once both are adjusted for.  Over 20 draws
    the last step may flag a gap in about 5 % of them (one or two); four or more would mean the
    flags fire on noise (probability under 2 % if they hold their level)."""
    people, offenses = null_data
    cells = list(people.groupby(["county", "sentence_type"], observed=True).indices.values())
    flagged = 0
    for draw in range(20):
        rng = np.random.default_rng(100 + draw)
        race = people["race_group"].to_numpy(copy=True)
        for rows in cells:
            race[rows] = race[rng.permutation(rows)]
        med = audit.sentence_mediation(people.assign(race_group=race), offenses)
        flagged += bool(race_rows(med, med["step"].max())["gap_flag"].any())
    assert flagged <= 3


@pytest.mark.slow
def test_planted_race_effect_is_found(null_data) -> None:
    people, offenses = null_data
    planted = people.copy()
    black = (planted["race_group"] == "Black").to_numpy()
    months = planted["aggregate_sentence_months"].to_numpy(float)
    planted["aggregate_sentence_months"] = np.where(black, months * 1.10, months)
    med = audit.sentence_mediation(planted, offenses)
    last = race_rows(med, med["step"].max()).loc["Black"]
    assert last["pct_diff_lo"] < 10 < last["pct_diff_hi"]
    assert bool(last["gap_flag"])


def test_mediation_steps_on_a_toy_population() -> None:
    """Race enters only through strike status: the gap is there until strike status is added."""
    rng = np.random.default_rng(3)
    n = 6000
    county = rng.choice([f"C{i}" for i in range(25)], n)
    race = rng.choice(["White", "Black"], n)
    striker = rng.random(n) < np.where(race == "Black", 0.5, 0.2)
    months = np.exp(3 + 0.7 * striker + rng.normal(0, 0.3, n))
    people = pd.DataFrame(
        {
            "cdcno": [f"t{i}" for i in range(n)],
            "race_group": race,
            "county": county,
            "sentence_type": np.where(striker, "Second Striker", "DSL"),
            "aggregate_sentence_months": months,
        }
    )
    info = pd.DataFrame({"offense_level": np.nan, "category": "x"}, index=people.index)
    med = audit.sentence_mediation(people, None, info=info)
    assert list(dict.fromkeys(med["step"])) == [
        1,
        5,
        7,
    ]  # no offense, level, priors or enhancements
    first, strike = race_rows(med, 1).loc["Black"], race_rows(med, 5).loc["Black"]
    assert first["pct_diff"] > 15 and bool(first["gap_flag"])
    assert strike["pct_diff_lo"] < 0 < strike["pct_diff_hi"] and not bool(strike["gap_flag"])
    assert first["n_clusters"] == 25


def test_mediation_is_public_safe_for_small_groups() -> None:
    people = pd.DataFrame(
        {
            "cdcno": [f"s{i}" for i in range(60)],
            "race_group": ["White"] * 30 + ["Black"] * 25 + ["Other"] * 5,
            "county": "Alameda",
            "aggregate_sentence_months": np.linspace(12, 120, 60),
        }
    )
    res = audit.sentence_disparity(people, n_boot=50)
    assert (res.mediation["standard_errors"] == "robust (HC1)").all()  # one county: no clusters
    pub = audit.protect_sentence_tables(res, "public").mediation.set_index("group")
    assert pd.isna(pub.loc["Other", "pct_diff"]) and bool(pub.loc["Other", "suppressed"])
    assert pub.loc["Black", "pct_diff"] == pytest.approx(
        res.mediation.set_index("group").loc["Black", "pct_diff"]
    )
