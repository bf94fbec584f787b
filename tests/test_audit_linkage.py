"""The public candidate list cannot be linked back to a person through the public CDCR file."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from helpers import report


def county(n: int = 200, seed: int = 3) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    ids = [f"c{i:04d}" for i in range(n)]
    people = pd.DataFrame(
        {
            "cdcno": ids,
            "county": "Kern",
            "age": rng.uniform(20, 80, n).round(1),
            "time_served_years": rng.uniform(0, 30, n).round(1),
            "offense_category": rng.choice(["Drug Crimes", "Property Crimes", "Other Crimes"], n),
        }
    )
    sentence = rng.uniform(1, 40, n).round(1)
    sentence[0] = np.inf  # one life sentence: a band of its own
    people.loc[1, "offense_category"] = "Crimes Against Persons"  # the only one in the county
    candidates = pd.DataFrame(
        {
            "cdcno": ids,
            "county": "Kern",
            "rank": np.arange(1, n + 1),
            "R": rng.uniform(0, 10, n),
            "age": people["age"],
            "sentence_years": sentence,
            "time_served_years": people["time_served_years"],
            "controlling_offense_key": "PC211",
            "factor_age": rng.uniform(0, 1, n),
            "factor_trauma_abuse": rng.uniform(0, 2, n),
        }
    )
    return SimpleNamespace(
        people=people, candidates=candidates, public=True, mode="public", salt="s", county="Kern"
    )


def test_public_list_has_no_unique_match_in_the_cdcr_file() -> None:
    ctx = county()
    published = report.top_candidates(ctx, k=20)
    population = ctx.people.assign(sentence_years=ctx.candidates["sentence_years"])
    assert report.unique_matches(published, population) == 0
    # The exact values the public file holds are not published: bands and R to half a point.
    assert not set(published.columns) & {"age", "sentence_years", "time_served_years", "cdcno"}
    assert ((published["R"] * 2) == (published["R"] * 2).round()).all()
    assert published["person"].str.startswith("P-").all()
    # The only person of their offense category loses the bands that single them out.
    assert "Crimes Against Persons" not in set(published["offense_category"])
    assert not published["reasons"].str.contains("trauma").any()


def test_exact_values_would_be_linked() -> None:
    """The same rows with exact values match one person each: the attack works without the rule."""
    ctx = county()
    top = ctx.candidates.nsmallest(20, "rank")
    people = ctx.people.set_index("cdcno").loc[top["cdcno"]]
    exact = pd.DataFrame({"age": people["age"].to_numpy(), "served": people["time_served_years"]})
    population = ctx.people.rename(columns={"time_served_years": "served"})
    matches = [
        int(((population["age"] == a) & (population["served"] == s)).sum())
        for a, s in exact.itertuples(index=False)
    ]
    assert all(m == 1 for m in matches)
