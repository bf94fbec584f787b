"""Null calibration of the selection audit's flags: selections drawn at random, independent of
race, at the published rates, must flag at most 5 % of the published ratio rows over many draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import audit
from helpers.synthetic import people as synthetic_people
from helpers.synthetic import places

N_PEOPLE = 95_000
RATES = (0.0048, 0.0039)  # the screen's and the model's published selection rates statewide


def prison_population(seed: int = 3) -> pd.DataFrame:
    """95,000 people with the synthetic generator's county, ethnicity and age mix."""
    rng = np.random.default_rng(seed)
    d = synthetic_people.draw_people(N_PEOPLE, rng)
    people = pd.DataFrame(
        {
            "cdcno": np.arange(N_PEOPLE).astype(str),
            "ethnicity": np.array(synthetic_people.ETHNICITIES, dtype=object)[d["ethnicity"]],
            "county": np.array(places.COUNTIES, dtype=object)[d["county"]],
            "age": d["aao"] + rng.gamma(2.0, 5.0, N_PEOPLE),
        }
    )
    return audit.add_groups(people)


def top_k_at_random(people: pd.DataFrame, k: int, rng: np.random.Generator) -> np.ndarray:
    """k people per county, drawn at random (a ranking that ignores race)."""
    order = rng.permutation(len(people))
    county = people["county"].to_numpy()[order]
    rank = pd.Series(county).groupby(county).cumcount().to_numpy()
    out = np.zeros(len(people), dtype=bool)
    out[order[rank < k]] = True
    return out


WITHIN_COUNTY = ("county x race_group", "race_group within county")


def flag_share(
    tables: list[pd.DataFrame], sides: tuple[str, ...] = ("reference", "overall")
) -> tuple[float, float]:
    """Share of ratio rows flagged, and share whose point ratio alone is outside 0.8-1.25."""
    flagged = rows = outside = 0
    for t in tables:
        for side in sides:
            has = t[f"p_vs_{side}"].notna()
            rows += int(has.sum())
            flagged += int(t.loc[has, f"flag_vs_{side}"].eq(True).sum())
            r = t.loc[has, f"ratio_vs_{side}"]
            outside += int(((r < 0.8) | (r > 1.25)).sum())
    return flagged / rows, outside / rows


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return prison_population()


@pytest.mark.slow
def test_random_selections_flag_at_most_five_percent(population: pd.DataFrame) -> None:
    """Race and race × county at the published rates, 25 draws each; and 50 people per county at
    random, compared within counties (the comparison a per-county selection is published under)."""
    rng = np.random.default_rng(11)
    groups = {"race_group": ["race_group"], "county x race_group": ["county", "race_group"]}
    tables = [
        audit.selection_audit(population, rng.random(N_PEOPLE) < rate, groups)
        for rate in RATES
        for _ in range(25)
    ]
    flagged, outside = flag_share(tables)
    assert flagged <= 0.05
    # The point ratio alone (the rule the flags replace) crosses the band far more often.
    assert outside > 0.2
    top_k = [
        audit.selection_audit(population, top_k_at_random(population, 50, rng), groups)
        for _ in range(25)
    ]
    within = [t[t["dimension"].isin(WITHIN_COUNTY)] for t in top_k]
    flagged, _ = flag_share(within, ("reference",))
    assert flagged <= 0.05


@pytest.mark.slow
def test_random_selections_flag_at_most_five_percent_in_every_dimension(
    population: pd.DataFrame,
) -> None:
    """Every published dimension (race, ethnicity, age, county, intersections), 20 draws each."""
    rng = np.random.default_rng(12)
    groups = audit.group_definitions(population)
    tables = [
        audit.selection_audit(population, rng.random(N_PEOPLE) < rate, groups)
        for rate in RATES
        for _ in range(20)
    ]
    flagged, _ = flag_share(tables)
    assert flagged <= 0.05


@pytest.mark.slow
def test_random_assistive_rates_flag_at_most_five_percent(population: pd.DataFrame) -> None:
    """Recall, false-negative and false-omission ratios of a race-blind selection."""
    rng = np.random.default_rng(13)
    groups = {"race_group": ["race_group"], "county x race_group": ["county", "race_group"]}
    flagged = rows = 0
    for _ in range(20):
        labels = rng.random(N_PEOPLE) < 0.02
        selected = rng.random(N_PEOPLE) < np.where(labels, 0.3, 0.004)
        t = audit.assistive_audit(population, labels, selected, groups)
        for m in audit.ASSISTIVE_MEASURES:
            has = t[f"{m}_p_vs_reference"].notna()
            rows += int(has.sum())
            flagged += int(t.loc[has, f"{m}_flag_vs_reference"].eq(True).sum())
    assert flagged / rows <= 0.05


def test_within_county_pooling_sees_through_composition() -> None:
    """50 per county: a group concentrated in big counties is selected less across counties, but
    not within them (the pooled ratio stays near 1 and is not flagged)."""
    rng = np.random.default_rng(5)
    county = np.r_[np.repeat("Big", 20_000), np.repeat("Small", 2_000)]
    race = np.where(county == "Big", rng.choice(["Black", "White"], 22_000, p=[0.6, 0.4]), "White")
    people = pd.DataFrame({"county": county, "race_group": race})
    selected = top_k_at_random(people, 200, rng)
    t = audit.selection_audit(people, selected, {"race_group": ["race_group"]}).set_index(
        ["dimension", "group"]
    )
    across = t.loc[("race_group", "Black")]
    within = t.loc[("race_group within county", "Black")]
    assert across["ratio_vs_reference_hi"] < 0.8 and bool(across["flag_vs_reference"])
    assert within["ratio_vs_reference_lo"] < 1 < within["ratio_vs_reference_hi"]
    assert not bool(within["flag_vs_reference"])


@pytest.mark.slow
def test_within_county_rates_match_fairlearn_control_features(population: pd.DataFrame) -> None:
    rng = np.random.default_rng(2)
    sel = rng.random(N_PEOPLE) < 0.05
    fl = audit.fairlearn_check(population, sel, control="county").set_index(["county", "group"])
    ours = audit.selection_audit(population, sel, {"c": ["county", "race_group"]})
    ours = ours[ours["dimension"] == "c"]
    key = ours["group"].str.split(" | ", regex=False, expand=True)
    ours = ours.set_index(pd.MultiIndex.from_arrays([key[0], key[1]], names=["county", "group"]))
    assert ours["selection_rate"].to_numpy() == pytest.approx(
        fl.loc[ours.index, "selection_rate"].to_numpy()
    )
