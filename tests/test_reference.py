"""Reference tables in data/reference and their loaders (helpers.data.reference)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import counties
from helpers.data import reference

MEMO_CATEGORIES = [
    "Theft",
    "Attack/Injury",
    "Drug Crimes",
    "Vehicular Crimes",
    "Murder",
    "Environment/Arson/Public Danger",
    "Kidnapping/Trafficking",
    "Gun/Major Weapon Crimes",
    "Fraud/Perjury/White Collar",
    "Miscellaneous Near-Misdemeanors",
]
ADDED_CATEGORIES = ["Robbery", "Sex Offenses", "Custody/Justice System"]
CDCR_CATEGORIES = {
    "Crimes Against Persons",
    "Property Crimes",
    "Drug Crimes",
    "Other Crimes",
    "Case Enhancement",
}
# offense_type ids of the federal guideline levels the table adapts (USSG Chapter 2).
GUIDELINE_TYPES = {
    "murder_first_degree", "murder_second_degree", "voluntary_manslaughter",
    "involuntary_manslaughter_negligent", "involuntary_manslaughter_reckless",
    "vehicular_manslaughter_reckless_or_dui", "conspiracy_or_solicitation_to_murder",
    "attempted_murder", "aggravated_assault", "simple_assault", "assault_on_officer",
    "criminal_threats", "stalking_domestic_violence", "kidnapping", "robbery", "carjacking",
    "extortion_by_force", "residential_burglary", "commercial_burglary", "trespass",
    "theft_fraud_forgery_receiving", "vehicle_theft", "identity_theft",
    "vandalism_property_damage", "arson", "drug_trafficking", "drug_possession_simple",
    "contraband_in_prison", "felon_in_possession_firearm", "sexual_abuse_aggravated",
    "sexual_abuse_of_minor", "abusive_sexual_contact", "failure_to_register_sex_offender",
    "child_pornography_possession_distribution", "child_sexual_exploitation_production",
    "sex_trafficking_pimping", "escape", "obstruction_witness_intimidation",
    "failure_to_appear", "dui_no_injury_felony", "dui_with_injury", "hit_and_run_injury_death",
    "gang_participation", "money_laundering",
}  # fmt: skip
KEY_RE = re.compile(r"^[A-Z]{2}\d+(?:\.\d+)?[a-z]*(?:\([0-9a-z]+\))*$")


# --------------------------------------------------------------------------------------------------
# data_dir and caching
# --------------------------------------------------------------------------------------------------


def test_data_dir_is_in_repository() -> None:
    d = reference.data_dir()
    assert d == Path(__file__).resolve().parents[1] / "data" / "reference"
    for name in [
        "offenses.csv",
        "offense_categories.csv",
        "statutory_lists.csv",
        "race_groups.csv",
        "counties.csv",
        "ca_counties.geojson",
    ]:
        assert (d / name).is_file(), name


def test_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(reference.data_dir() / "counties.csv", tmp_path / "counties.csv")
    table = pd.read_csv(tmp_path / "counties.csv", dtype=str, keep_default_na=False)
    table.loc[table["county"] == "Yolo", "aliases"] += ";TEST-ALIAS"
    table.to_csv(tmp_path / "counties.csv", index=False)
    monkeypatch.setenv(reference.ENV_VAR, str(tmp_path))
    reference.clear_cache()
    try:
        assert reference.data_dir() == tmp_path.resolve()
        out = counties.canonical_counties(pd.Series(["test alias"]))
        assert out["county"].iloc[0] == "Yolo"
        with pytest.raises(FileNotFoundError, match=reference.ENV_VAR):
            reference.offense_table()
    finally:
        monkeypatch.delenv(reference.ENV_VAR)
        reference.clear_cache()
    assert counties.canonical_counties(pd.Series(["test alias"]))["county"].isna().all()


def test_loaders_return_copies() -> None:
    a = reference.offense_table()
    a.loc[:, "federal_level"] = 0
    assert reference.offense_table()["federal_level"].max() == 43
    g = reference.county_geojson()
    g["features"].clear()
    assert len(reference.county_geojson()["features"]) == 58


# --------------------------------------------------------------------------------------------------
# GeoJSON
# --------------------------------------------------------------------------------------------------


def test_geojson_has_58_valid_counties() -> None:
    import shapely
    from shapely.geometry import shape

    g = reference.county_geojson()
    assert g["type"] == "FeatureCollection"
    assert "Census" in g["source"] and "bokeh-sampledata" in g["source"]
    feats = g["features"]
    assert len(feats) == 58
    c = counties.county_table()
    props = pd.DataFrame([f["properties"] for f in feats])
    assert sorted(props["fips"]) == sorted(c["fips"])
    assert dict(zip(props["fips"], props["county"], strict=True)) == dict(
        zip(c["fips"], c["county"], strict=True)
    )
    for f in feats:
        geom = shape(f["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon")
        assert geom.is_valid and not geom.is_empty, f["properties"]["county"]
        minx, miny, maxx, maxy = geom.bounds
        assert minx > -124.5 and maxx < -114.0 and miny > 32.5 and maxy < 42.1
    assert shapely.union_all([shape(f["geometry"]) for f in feats]).area > 40  # square degrees


def test_geojson_file_small_and_rounded() -> None:
    path = reference.data_dir() / "ca_counties.geojson"
    assert path.stat().st_size < 300_000
    text = path.read_text(encoding="utf-8")
    json.loads(text)
    assert not re.search(r"\d\.\d{5,}", text)


# --------------------------------------------------------------------------------------------------
# Offense categories and offense table
# --------------------------------------------------------------------------------------------------


def test_thirteen_categories() -> None:
    cats = reference.offense_categories()
    assert len(cats) == 13 and cats["category"].is_unique
    assert set(MEMO_CATEGORIES) <= set(cats["category"])
    assert set(cats["category"]) == set(MEMO_CATEGORIES) | set(ADDED_CATEGORIES)
    for col in ("description", "examples", "source"):
        assert cats[col].str.len().gt(10).all(), col
    added = cats[cats["category"].isin(ADDED_CATEGORIES)]
    assert added["source"].str.contains("Added by the project").all()


def test_offense_table_shape_and_values() -> None:
    t = reference.offense_table()
    assert list(t.columns[:15]) == reference.OFFENSE_COLUMNS
    assert len(t) >= 150
    assert not t.duplicated(["offense_key", "degree"]).any()
    assert t["offense_key"].str.fullmatch(KEY_RE).all()
    assert (t["offense_key"] == t["code"] + t["section"] + t["subdivision"]).all()
    assert t["degree"].isin(["", "1st", "2nd"]).all()
    assert set(t["category"]) == set(MEMO_CATEGORIES) | set(ADDED_CATEGORIES)
    assert set(t["cdcr_category"]) <= CDCR_CATEGORIES
    offenses = t[~t["is_enhancement"]]
    assert offenses["federal_level"].between(1, 43).all()
    assert t["federal_level"].between(0, 43).all()
    assert (t["is_enhancement"] == t["cdcr_category"].eq("Case Enhancement")).all()
    assert t.loc[~t["is_enhancement"], "enhancement_months"].isna().all()
    assert t["guideline_section"].str.startswith("§").all()
    assert set(t["guideline_offense_type"]) - {""} <= GUIDELINE_TYPES
    for col in ("description", "level_basis", "source"):
        assert t[col].str.len().gt(3).all(), col
    assert t["source"].str.match(r"Cal\. [A-Za-z &']+ Code § ").all()


@pytest.mark.parametrize(
    ("key", "degree", "level"),
    [
        ("PC187", "1st", 43),
        ("PC187", "2nd", 38),
        ("PC487(a)", "", 6),  # theft base 6
        ("HS11350(a)", "", 6),  # drug possession 6
        ("HS11377(a)", "", 4),  # §2D2.1(a)(3): substances other than narcotics
        ("PC245(a)(4)", "", 14),  # aggravated assault 14
        ("PC459", "1st", 17),
        ("PC211", "2nd", 20),
    ],
)
def test_offense_table_anchor_levels(key: str, degree: str, level: int) -> None:
    t = reference.offense_table()
    row = t[(t["offense_key"] == key) & (t["degree"] == degree)]
    assert row["federal_level"].tolist() == [level]


@pytest.mark.parametrize(
    ("key", "months"),
    [
        ("PC12022.53(d)", 300),
        ("PC12022.53(b)", 120),
        ("PC667(a)(1)", 60),
        ("PC667.5(b)", 12),
        ("PC12022.7(a)", 36),
        ("PC12022(b)(1)", 12),
    ],
)
def test_enhancement_months(key: str, months: int) -> None:
    t = reference.offense_table().set_index("offense_key")
    assert t.loc[key, "is_enhancement"]
    assert t.loc[key, "enhancement_months"] == months


# --------------------------------------------------------------------------------------------------
# Statutory lists
# --------------------------------------------------------------------------------------------------

LIST_CITATION = {
    "serious": "PC 1192.7(c)",
    "violent": "PC 667.5(c)",
    "super_strike": "PC 667(e)(2)(C)(iv)",
    "sex_registrable": "PC 290(c)",
}


def test_statutory_lists_structure() -> None:
    s = reference.statutory_lists()
    assert set(s["list"]) == set(reference.LIST_NAMES)
    assert set(s["detect"]) <= {"offense", "enhancement", "conditional", "sentence", "none"}
    assert s["citation"].str.len().gt(5).all() and s["note"].str.len().gt(3).all()
    for name, prefix in LIST_CITATION.items():
        assert s.loc[s["list"] == name, "citation"].str.startswith(prefix).all(), name
    coded = s["detect"].isin(["offense", "conditional"])
    assert s.loc[coded, "section"].ne("").all()
    enh = s["detect"].eq("enhancement")
    assert s.loc[enh, "via_enhancement"].ne("").all() and s.loc[enh, "section"].eq("").all()
    keys = s.loc[s["via_enhancement"].ne(""), "via_enhancement"].str.split(";").explode()
    assert keys.str.fullmatch(KEY_RE).all()
    assert s["degree"].isin(["", "1st", "2nd"]).all()


@pytest.mark.parametrize(
    ("name", "items"),
    [("serious", range(1, 43)), ("violent", range(1, 24))],
)
def test_every_numbered_item_is_recorded(name: str, items: range) -> None:
    s = reference.statutory_lists()
    cited = set(s.loc[s["list"] == name, "citation"])
    prefix = LIST_CITATION[name]
    missing = [i for i in items if f"{prefix}({i})" not in cited]
    assert not missing


def test_super_strike_items_recorded() -> None:
    s = reference.statutory_lists()
    cited = set(s.loc[s["list"] == "super_strike", "citation"])
    for item in ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]:
        assert f"PC 667(e)(2)(C)(iv)({item})" in cited, item


ANCHORS = [
    # list, code, section, subdivision, degree, detect
    ("violent", "PC", "187", "", "", "offense"),
    ("violent", "PC", "211", "", "", "offense"),
    ("violent", "PC", "459", "", "1st", "conditional"),
    ("serious", "PC", "187", "", "", "offense"),
    ("serious", "PC", "459", "", "1st", "offense"),
    ("serious", "PC", "192", "(a)", "", "offense"),
    ("serious", "PC", "422", "", "", "offense"),
    ("super_strike", "PC", "288", "(a)", "", "offense"),
    ("super_strike", "PC", "187", "", "", "offense"),
    ("super_strike", "PC", "653f", "(b)", "", "offense"),
    ("sex_registrable", "PC", "288", "", "", "offense"),
    ("sex_registrable", "PC", "261", "(a)(2)", "", "offense"),
    ("sex_registrable", "PC", "311.11", "", "", "offense"),
    ("homicide", "PC", "187", "", "", "offense"),
    ("homicide", "PC", "192", "", "", "offense"),
    ("robbery", "PC", "211", "", "", "offense"),
    ("robbery", "PC", "212.5", "", "", "offense"),
]


@pytest.mark.parametrize(("name", "code", "section", "sub", "degree", "detect"), ANCHORS)
def test_list_anchor_entries(
    name: str, code: str, section: str, sub: str, degree: str, detect: str
) -> None:
    s = reference.statutory_lists()
    hit = s[
        (s["list"] == name)
        & (s["code"] == code)
        & (s["section"] == section)
        & (s["subdivision"] == sub)
        & (s["degree"] == degree)
        & (s["detect"] == detect)
    ]
    assert len(hit) >= 1


ABSENT = [
    ("serious", "459", "2nd"),
    ("super_strike", "192", ""),
    ("violent", "245", ""),
    ("violent", "422", ""),
]


@pytest.mark.parametrize(("name", "section", "degree"), ABSENT)
def test_list_absent_entries(name: str, section: str, degree: str) -> None:
    s = reference.statutory_lists()
    hit = s[(s["list"] == name) & (s["section"] == section) & (s["degree"] == degree)]
    assert hit.empty


def test_sentence_items_present() -> None:
    s = reference.statutory_lists()
    assert set(s.loc[s["detect"] == "sentence", "list"]) == {"serious", "violent", "super_strike"}


# --------------------------------------------------------------------------------------------------
# Race groups
# --------------------------------------------------------------------------------------------------

CDCR_RAW = [
    "White", "Black", "Mexican", "Hispanic", "Other", "American Indian", "Puerto Rican",
    "Filipino", "Pacific Islander", "Vietnamese", "Other Asian", "Japanese",
]  # fmt: skip
PC2068 = [
    "American Indian/Alaskan Native", "Bangladeshi", "Black", "Cambodian", "Chinese", "Colombian",
    "Cuban", "Fijian", "Filipino", "Guamanian or Chamorro", "Guatemalan", "Native Hawaiian",
    "Other Hispanic Not Listed", "Hmong", "Indian", "Indonesian", "Jamaican", "Japanese", "Korean",
    "Laotian", "Malaysian", "Mexican", "Nicaraguan", "Other", "Other Asian Not Listed",
    "Other Pacific Islander Not Listed", "Pakistani", "Puerto Rican", "Salvadorian", "Samoan",
    "Sri Lankan", "Taiwanese", "Thai", "Tongan", "Unknown", "Vietnamese", "White",
]  # fmt: skip


def test_race_groups_cover_cdcr_and_pc2068() -> None:
    r = reference.race_groups()
    assert r["ethnicity"].is_unique
    assert set(CDCR_RAW) <= set(r["ethnicity"])
    assert set(PC2068) <= set(r["ethnicity"])
    assert set(r["race_group"]) == set(reference.RACE_GROUPS)
    assert r["source"].str.len().gt(10).all()


@pytest.mark.parametrize(
    ("ethnicity", "group"),
    [
        ("Mexican", "Hispanic/Latino"),
        ("Hispanic", "Hispanic/Latino"),
        ("Puerto Rican", "Hispanic/Latino"),
        ("Salvadorian", "Hispanic/Latino"),
        ("Columbian", "Hispanic/Latino"),
        ("Black", "Black"),
        ("Jamaican", "Black"),
        ("White", "White"),
        ("Filipino", "Asian/Pacific Islander"),
        ("Samoan", "Asian/Pacific Islander"),
        ("Indian", "Asian/Pacific Islander"),
        ("Hmong", "Asian/Pacific Islander"),
        ("American Indian", "American Indian"),
        ("American Indian/Alaskan Native", "American Indian"),
        ("Other", "Other"),
        ("Unknown", "Other"),
    ],
)
def test_race_group_mapping(ethnicity: str, group: str) -> None:
    r = reference.race_groups().set_index("ethnicity")["race_group"]
    assert r[ethnicity] == group
