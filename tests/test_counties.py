"""The one home of county names: canonical names, FIPS, slugs, the county filter."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import counties
from helpers.errors import InputError

# --------------------------------------------------------------------------------------------------
# Counties
# --------------------------------------------------------------------------------------------------


def test_counties_58_unique_fips() -> None:
    c = counties.county_table()
    assert len(c) == 58
    assert c["county"].is_unique and c["fips"].is_unique
    assert c["fips"].str.fullmatch(r"06\d{3}").all()
    assert c["fips"].str[2:].astype(int).tolist() == list(range(1, 117, 2))
    assert (c["doj_name"] == c["county"].str.upper()).all()
    assert c["state_code"].tolist() == [f"{i:02d}" for i in range(1, 59)]
    assert c["county"].tolist() == sorted(c["county"])
    assert c["source"].str.len().gt(20).all()
    pilot = set(c.loc[c["resentencing_pilot"], "county"])
    assert pilot == {
        "Contra Costa",
        "Humboldt",
        "Los Angeles",
        "Merced",
        "Riverside",
        "San Diego",
        "San Francisco",
        "Santa Clara",
        "Yolo",
    }


@pytest.mark.parametrize(
    ("name", "fips"),
    [("Alameda", "06001"), ("Los Angeles", "06037"), ("San Joaquin", "06077"), ("Yuba", "06115")],
)
def test_county_fips_anchors(name: str, fips: str) -> None:
    c = counties.county_table().set_index("county")
    assert c.loc[name, "fips"] == fips


COUNTY_SPELLINGS = [
    ("Los Angeles", "Los Angeles", "06037"),
    ("LOS ANGELES", "Los Angeles", "06037"),
    ("los angeles county", "Los Angeles", "06037"),
    ("LA", "Los Angeles", "06037"),
    ("L.A.", "Los Angeles", "06037"),
    ("County of Los Angeles", "Los Angeles", "06037"),
    ("LOSANGELES", "Los Angeles", "06037"),
    ("  San  Joaquin ", "San Joaquin", "06077"),
    ("SAN JOAQUIN", "San Joaquin", "06077"),
    ("San Joaqin", "San Joaquin", "06077"),
    ("SF", "San Francisco", "06075"),
    ("City and County of San Francisco", "San Francisco", "06075"),
    ("San Bernadino", "San Bernardino", "06071"),
    ("SLO", "San Luis Obispo", "06079"),
    ("El Dorado County", "El Dorado", "06017"),
    ("Contra-Costa", "Contra Costa", "06013"),
    ("06059", "Orange", "06059"),
    ("059", "Orange", "06059"),
    ("Santa Clara County, California", "Santa Clara", "06085"),
]


@pytest.mark.parametrize(("raw", "county", "fips"), COUNTY_SPELLINGS)
def test_canonical_counties(raw: str, county: str, fips: str) -> None:
    out = counties.canonical_counties(pd.Series([raw]))
    assert out["county"].iloc[0] == county
    assert out["fips"].iloc[0] == fips


def test_canonical_counties_unknown_and_missing_are_na() -> None:
    raw = pd.Series(["Gotham", "", None, "Washington", "LA", "06"], index=[5, 6, 7, 8, 9, 10])
    out = counties.canonical_counties(raw)
    assert list(out.columns) == ["county", "fips"]
    assert out.index.equals(raw.index)
    assert out["county"].isna().tolist() == [True, True, True, True, False, True]
    assert out["fips"].isna().tolist() == [True, True, True, True, False, True]


def test_canonical_counties_all_names_round_trip() -> None:
    c = counties.county_table()
    for col in ("county", "doj_name", "fips"):
        out = counties.canonical_counties(c[col])
        assert out["county"].tolist() == c["county"].tolist()
        assert out["fips"].tolist() == c["fips"].tolist()
    aliases = c.assign(alias=c["aliases"].str.split(";")).explode("alias")
    out = counties.canonical_counties(aliases["alias"])
    assert out["county"].tolist() == aliases["county"].tolist()


def test_canonical_name_one_county_and_statewide() -> None:
    assert counties.canonical_name("los angeles county") == "Los Angeles"
    assert counties.canonical_name("06077") == "San Joaquin"
    for whole_state in (None, "", "statewide", "ALL", " California "):
        assert counties.canonical_name(whole_state) is None
        assert counties.is_statewide(whole_state)
    assert counties.scope_name("all") == counties.STATEWIDE
    assert counties.scope_name("la") == "Los Angeles"


def test_canonical_name_unknown_is_one_line_error_naming_the_option() -> None:
    with pytest.raises(InputError, match=r"option --counties: unknown California county 'Gotham'"):
        counties.canonical_name("Gotham", "--counties")


def test_in_county_matches_any_spelling_and_never_missing_values() -> None:
    frame = pd.DataFrame({"county": ["Los Angeles", "LOS ANGELES", "LA", None, "Orange", "Gotham"]})
    assert counties.in_county(frame, "los angeles").tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert counties.in_county(frame, None).all()
    assert counties.in_county(frame.iloc[:0], "Orange").shape == (0,)
    with pytest.raises(InputError):
        counties.in_county(frame, "Gotham")


def test_slug_and_file_stem_for_every_county() -> None:
    assert counties.slug("San Luis Obispo") == "san-luis-obispo"
    assert counties.file_stem(" Contra  Costa ") == "contra_costa"
    slugs = [counties.slug(c) for c in counties.county_names()]
    assert len(set(slugs)) == 58 and all(s.replace("-", "").isalpha() for s in slugs)


def test_doj_name() -> None:
    assert counties.doj_name("San Joaquin") == "SAN JOAQUIN"
    assert counties.doj_name("los_angeles") == "LOS ANGELES"
    with pytest.raises(InputError, match="unknown California county"):
        counties.doj_name("Gotham")
    with pytest.raises(InputError, match="a county is required"):
        counties.doj_name("statewide")
