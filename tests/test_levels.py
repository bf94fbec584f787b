"""Offense levels on California's real statute vocabulary (the DOJ statute code table): every felony
in force levelled and categorised, the fallback documented, corrected levels, coverage reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data import levels, reference
from helpers.data.codes import parse_offense_codes
from helpers.data.levels import (
    doj_coverage,
    doj_levels,
    level_coverage,
    offense_levels,
    write_coverage_page,
)

ROOT = Path(__file__).resolve().parents[1]


def levels_of(*raws: str) -> pd.DataFrame:
    return offense_levels(parse_offense_codes(pd.Series(raws)))


def test_the_doj_table_is_the_cited_copy() -> None:
    doj = reference.doj_statute_codes()
    assert len(doj) == 5062
    assert (
        doj["source"] == "California Department of Justice, law enforcement statute code table"
    ).all()
    assert set(doj["charge_type"]) == {"F", "M", "I", "X"}
    assert doj["charge_type"].eq("F").sum() == 1649


def test_every_felony_in_force_has_a_level_a_category_and_a_basis() -> None:
    table = doj_levels()
    felonies = table[table["charge_type"].eq("F") & table["in_force"]]
    assert len(felonies) == 1224
    level = felonies["explicit_level"].fillna(felonies["fallback_level"])
    assert level.notna().all() and level.between(1, 43).all()
    assert felonies["category"].isin(reference.offense_categories()["category"]).all()
    # The same through the lookup the score uses: each DOJ entry as a parsed code.
    parsed = pd.DataFrame(
        {
            "code": felonies["p_code"],
            "section": felonies["p_section"],
            "subdivision": felonies["p_subdivision"],
            "degree": felonies["p_degree"],
        }
    )
    out = offense_levels(parsed)
    assert out["federal_level"].notna().all()
    assert out["category"].ne("Unclassified").all()
    assert out["level_source"].isin(["explicit", "fallback"]).all()
    fallback = out[out["level_source"].eq("fallback")]
    assert fallback["level_basis"].str.startswith("fallback: ").all()
    assert len(fallback) > 0


def test_misdemeanors_and_infractions_get_low_levels() -> None:
    table = doj_levels()
    fallback = table[table["explicit_level"].isna()]
    misd = fallback[fallback["charge_type"].eq("M")]
    infr = fallback[fallback["charge_type"].eq("I")]
    assert misd["fallback_level"].eq(levels.MISDEMEANOR_LEVEL).all() and len(misd) > 2000
    assert infr["fallback_level"].eq(levels.INFRACTION_LEVEL).all() and len(infr) > 500
    assert misd["fallback_basis"].str.contains("Class A misdemeanor").all()


def test_only_proceedings_stay_unlevelled_and_are_listed() -> None:
    cov = doj_coverage().set_index(["charge type", "status"])
    for kind in ("felony", "misdemeanor", "infraction"):
        assert cov.loc[(kind, "in force"), "none"] == 0
    assert cov.loc[("felony", "in force"), "levelled share"] == 1.0
    missing = levels.unlevelled_doj_entries()
    assert set(missing["charge_type"]) == {"X"} and len(missing) > 0


def test_fallback_levels_follow_the_doj_hierarchy() -> None:
    out = levels_of("PC11418(b)(1)", "PC11418(a)(1)", "PC25100(a)", "BP10238.6(c)")
    assert out["level_source"].tolist() == ["fallback"] * 4
    # Using a weapon of mass destruction ranks among DOJ's most serious felonies.
    assert out["federal_level"].iloc[0] >= 20
    assert out["category"].iloc[0] == "Environment/Arson/Public Danger"
    assert out["category"].iloc[2] == "Gun/Major Weapon Crimes"
    assert out["category"].iloc[3] == "Fraud/Perjury/White Collar"
    assert "DOJ hierarchy" in out["level_basis"].iloc[0]
    assert out["guideline_section"].iloc[0] == "DOJ fallback"


def test_explicit_rows_win_over_the_fallback() -> None:
    out = levels_of("PC187 1st", "PC245(a)(1)", "HS11350(a)")
    assert out["level_source"].tolist() == ["explicit"] * 3
    assert out["federal_level"].tolist() == [43, 18, 6]


def test_attempts_apply_to_fallback_levels_too() -> None:
    done, attempt = levels_of("PC11418(b)(1)", "PC664/11418(b)(1)")["federal_level"]
    assert attempt == done - 3


def test_unknown_codes_stay_visible() -> None:
    out = levels_of("PC99999", "XX12")
    assert out["level_source"].tolist() == ["none", "none"]
    assert out["federal_level"].isna().all()
    assert "PC99999" in out["level_basis"].iloc[0]


@pytest.mark.parametrize(
    ("raw", "level", "words"),
    [
        # §2D2.1(a)(3): substances other than narcotics (methamphetamine) are 4, not the middle 6.
        ("HS11377(a)", 4, "§2D2.1(a)(3)"),
        ("HS11377", 4, "§2D2.1(a)(3)"),
        # §3A1.2(b): an official victim of an offense against the person adds 6, not 3.
        ("PC245(c)", 24, "6 official victim"),
        ("PC245(d)", 24, "6 official victim"),
        ("PC245.3", 24, "6 official victim"),
    ],
)
def test_corrected_offense_levels(raw: str, level: int, words: str) -> None:
    row = levels_of(raw).iloc[0]
    assert row["federal_level"] == level and words in row["level_basis"]


@pytest.mark.parametrize(
    ("key", "increment", "words"),
    [
        # Great bodily injury is the federal serious bodily injury: +2 in a sex offense (§2A3.1(b)(4)(B)).
        ("PC12022.8", 2, "§2A3.1(b)(4)(B)"),
        # Over $500,000 proves the $250,000 step of the loss table, not the $550,000 one.
        ("PC186.11(a)(2)", 12, "over $250,000"),
    ],
)
def test_corrected_enhancement_increments(key: str, increment: int, words: str) -> None:
    t = reference.offense_table().set_index("offense_key")
    assert t.loc[key, "is_enhancement"]
    assert t.loc[key, "federal_level"] == increment and words in t.loc[key, "level_basis"]


def test_coverage_of_a_dataset(tables_with_unknowns: dict) -> None:
    cov = level_coverage(tables_with_unknowns)
    assert cov["rows"] == {"explicit": 2, "fallback": 1, "none": 1}
    assert cov["enhancements"] == {"explicit": 1, "fallback": 0, "none": 1}
    assert cov["people"] == {"explicit": 1, "fallback": 0, "none": 2}
    codes = {t["code"]: t for t in cov["top_unscored"]}
    assert codes["PC99999"] == {"code": "PC99999", "rows": 1, "people": 1}
    assert codes["PC1203.06 (enhancement)"]["rows"] == 1


@pytest.fixture
def tables_with_unknowns() -> dict:
    parsed = parse_offense_codes(pd.Series(["PC211 2nd", "PC11418(b)(1)", "PC99999", "PC459 2nd"]))
    offenses = parsed.assign(
        cdcno=["a", "b", "c", "a"], role=["current", "current", "current", "prior"]
    )
    people = pd.DataFrame({"cdcno": ["a", "b", "c"]})
    ctrl = parse_offense_codes(pd.Series(["PC211 2nd", "PC245(a)(1)", "PC99999"]))
    for col in ctrl.columns:
        name = "controlling_offense_key" if col == "offense_key" else f"controlling_{col}"
        people[name] = ctrl[col].to_numpy()
    enh = parse_offense_codes(pd.Series(["PC12022(b)(1)", "PC1203.06"])).assign(
        cdcno=["a", "b"], role="current"
    )
    return {"people": people, "offenses": offenses, "enhancements": enh}


def test_the_offense_page_includes_the_computed_coverage(tmp_path: Path) -> None:
    path = write_coverage_page(tmp_path)
    text = path.read_text()
    assert "| felony | in force | 1224 |" in text and "100.0 %" in text
    page = (ROOT / "book" / "method" / "offenses.md").read_text()
    assert "{include} ../generated/offense_coverage.md" in page


def test_families_cover_every_doj_code() -> None:
    table = doj_levels()
    levelled = table[table["charge_type"].ne("X")]
    assert levelled["family"].notna().all()
