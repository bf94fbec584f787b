"""Real CDCR records as they come: rows written in the public CDCR format (2026 header) with the
spellings real releases use, through ingest, screens and the candidate list.

Each person below is one case the synthetic data cannot show (its generator only writes what the
code knows): prior commitments sentenced outside California, old one-letter code prefixes, a short
count in a case with a life term, PC 220 and pre-1995 PC 288(b) with CDCR's descriptions, a
conditional list item, a near miss, an age CDCR does not report, and a row with two problems.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.data import schema
from helpers.data.ingest import ingest
from helpers.data.quarantine import quarantine_lines
from helpers.screening.candidates import build_candidates
from helpers.screening.config import load_config
from tests.conftest import write_csv

AS_OF = "2026-05-01"

# cdcno, current age, ethnicity, controlling offense, description, begin, end, case, county, type,
# months, category, eprd, location, years, served, release, age at offense, juvenile
PEOPLE = [
    [
        "aa000001",
        "58",
        "Black",
        "PC187 1st",
        "Murder 1st",
        "6/1/2000",
        "6/1/2000",
        "BA100001",
        "Los Angeles",
        "Life with Parole",
        "300",
        "Crimes Against Persons",
        "JAN2035",
        "Mule Creek State Prison",
        "25.0",
        "25.9",
        "",
        "32.0",
        "No",
    ],
    [
        "aa000002",
        "52",
        "White",
        "PC220",
        "Assault with Intent to Commit Specific Sex Offense",
        "3/3/2012",
        "3/3/2012",
        "SC200002",
        "Santa Clara",
        "DSL",
        "240",
        "Crimes Against Persons",
        "JUL2031",
        "Correctional Training Facility",
        "20.0",
        "14.2",
        "",
        "38.0",
        "No",
    ],
    [
        "aa000003",
        "61",
        "Mexican",
        "H11377",
        "Possession Of Controlled Substance",
        "1/15/2010",
        "1/15/2010",
        "KF300003",
        "Kern",
        "Third Striker",
        "300",
        "Drug Crimes",
        "MAR2035",
        "Kern Valley State Prison",
        "25.0",
        "16.3",
        "",
        "45.0",
        "No",
    ],
    [
        "aa000004",
        "55",
        "Hispanic",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "5/1/2018",
        "5/1/2018",
        "SCD400004",
        "San Diego",
        "DSL",
        "300",
        "Drug Crimes",
        "JAN2040",
        "Richard J. Donovan Correctional Facility",
        "25.0",
        "8.0",
        "",
        "47.0",
        "No",
    ],
    [
        "aa000005",
        "57",
        "Other",
        "PC243(d)",
        "Battery With Serious Bodily Injury",
        "4/4/2010",
        "4/4/2010",
        "FCR500005",
        "Fresno",
        "Second Striker",
        "264",
        "Crimes Against Persons",
        "AUG2032",
        "Pleasant Valley State Prison",
        "22.0",
        "16.1",
        "",
        "41.0",
        "No",
    ],
    [
        "aa000006",
        "71",
        "White",
        "PC288(b)",
        "Lewd Act With Child Under 14 By Force",
        "2/2/1993",
        "2/2/1993",
        "A600006",
        "Alameda",
        "Life with Parole",
        "180",
        "Crimes Against Persons",
        "DEC2030",
        "California Medical Facility",
        "15.0",
        "33.2",
        "",
        "38.0",
        "No",
    ],
    [
        "aa000007",
        "",
        "Filipino",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "5/1/2014",
        "5/1/2014",
        "SAC700007",
        "Sacramento",
        "DSL",
        "300",
        "Drug Crimes",
        "JAN2039",
        "Folsom State Prison",
        "25.0",
        "12.0",
        "",
        "",
        "No",
    ],
    [
        "aa000008",
        "48",
        "Black",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "5/1/2012",
        "5/1/2012",
        "LA800008",
        "Los Angeles",
        "DSL",
        "300",
        "Drug Crimes",
        "JAN2037",
        "California State Prison, Solano",
        "25.0",
        "14.0",
        "",
        "34.0",
        "No",
    ],
]

# cdcno, county, case, abstract sentence, offense, description, category, in-prison, begin, end,
# offense time, relationship, off_enh1, off_enh_desc1
CURRENT = [
    [
        "aa000001",
        "Los Angeles",
        "BA100001",
        "Life with Parole",
        "PC187 1st",
        "Murder 1st",
        "Crimes Against Persons",
        "",
        "6/1/2000",
        "6/1/2000",
        "25 Years 0 Months-to-Life",
        "Initial",
    ],
    # A 3-year DUI count in the same life case: its own term is determinate.
    [
        "aa000001",
        "Los Angeles",
        "BA100001",
        "Life with Parole",
        "VC23152(a)",
        "DUI W/3 or More Priors Within 10 years",
        "Other Crimes",
        "",
        "6/1/2000",
        "6/1/2000",
        "3 Years 0 Months",
        "Consecutive",
    ],
    [
        "aa000002",
        "Santa Clara",
        "SC200002",
        "20 Years",
        "PC220",
        "Assault with Intent to Commit Specific Sex Offense",
        "Crimes Against Persons",
        "",
        "3/3/2012",
        "3/3/2012",
        "20 Years 0 Months",
        "Initial",
    ],
    [
        "aa000003",
        "Kern",
        "KF300003",
        "25 Years 0 Months-to-Life",
        "H11377",
        "Possession Of Controlled Substance",
        "Drug Crimes",
        "",
        "1/15/2010",
        "1/15/2010",
        "25 Years 0 Months-to-Life",
        "Initial",
    ],
    [
        "aa000004",
        "San Diego",
        "SCD400004",
        "25 Years",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "Drug Crimes",
        "",
        "5/1/2018",
        "5/1/2018",
        "25 Years 0 Months",
        "Initial",
    ],
    [
        "aa000005",
        "Fresno",
        "FCR500005",
        "22 Years",
        "PC243(d)",
        "Battery With Serious Bodily Injury",
        "Crimes Against Persons",
        "",
        "4/4/2010",
        "4/4/2010",
        "22 Years 0 Months",
        "Initial",
    ],
    [
        "aa000006",
        "Alameda",
        "A600006",
        "Life with Parole",
        "PC288(b)",
        "Lewd Act With Child Under 14 By Force",
        "Crimes Against Persons",
        "",
        "2/2/1993",
        "2/2/1993",
        "15 Years 0 Months-to-Life",
        "Initial",
    ],
    [
        "aa000007",
        "Sacramento",
        "SAC700007",
        "25 Years",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "Drug Crimes",
        "",
        "5/1/2014",
        "5/1/2014",
        "25 Years 0 Months",
        "Initial",
    ],
    [
        "aa000008",
        "Los Angeles",
        "LA800008",
        "25 Years",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "Drug Crimes",
        "",
        "5/1/2012",
        "5/1/2012",
        "25 Years 0 Months",
        "Initial",
    ],
    # Two problems on one row: a blank county and an impossible date.
    [
        "aa000008",
        "",
        "LA800008",
        "25 Years",
        "HS11378",
        "Possession For Sale",
        "Drug Crimes",
        "",
        "2/30/2012",
        "5/1/2012",
        "2 Years 0 Months",
        "Concurrent",
    ],
]

# cdcno, county, case, abstract, offense, description, category, in-prison, begin, end, time,
# relationship, release date
PRIOR = [
    [
        "aa000002",
        "Other Country",
        "MX-1",
        "3 Years",
        "PC459 2nd",
        "Burglary 2nd",
        "Property Crimes",
        "",
        "1/1/1999",
        "1/1/1999",
        "3 Years 0 Months",
        "Initial",
        "1/1/2001",
    ],
    [
        "aa000002",
        "Unknown",
        "UNK-1",
        "2 Years",
        "PC496(a)",
        "Receiving Stolen Property",
        "Property Crimes",
        "",
        "1/1/2003",
        "1/1/2003",
        "2 Years 0 Months",
        "Initial",
        "1/1/2004",
    ],
    [
        "aa000002",
        "Arizona",
        "CR2005-1",
        "2 Years",
        "PC487(a)",
        "Grand Theft",
        "Property Crimes",
        "",
        "1/1/2005",
        "1/1/2005",
        "2 Years 0 Months",
        "Initial",
        "1/1/2006",
    ],
    [
        "aa000002",
        "State of Nevada",
        "NV-1",
        "1 Years",
        "PC484",
        "Petty Theft",
        "Property Crimes",
        "",
        "1/1/2007",
        "1/1/2007",
        "1 Years 0 Months",
        "Initial",
        "1/1/2008",
    ],
    # Nevada is a California county.
    [
        "aa000003",
        "Nevada",
        "NCR-1",
        "16 Months",
        "W3051",
        "Civil Narcotic Addict Commitment",
        "Drug Crimes",
        "",
        "1/1/1995",
        "1/1/1995",
        "1 Years 4 Months",
        "Initial",
        "1/1/1997",
    ],
    [
        "aa000003",
        "Atlantis",
        "AT-1",
        "2 Years",
        "P459 2nd",
        "Burglary 2nd",
        "Property Crimes",
        "",
        "1/1/1998",
        "1/1/1998",
        "2 Years 0 Months",
        "Initial",
        "1/1/2000",
    ],
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("records") / "raw"
    write_csv(folder / "demographics.csv", schema.DEMOGRAPHICS_2026, PEOPLE)
    write_csv(folder / "current_commitments.csv", schema.CURRENT_COMMITMENTS, CURRENT)
    write_csv(folder / "prior_commitments.csv", schema.PRIOR_COMMITMENTS, PRIOR)
    return folder


@pytest.fixture(scope="module")
def result(raw: Path):
    return ingest(raw, AS_OF)


CONFIG = """
screens:
  rules:
    served: {type: min_time_served_years, years: 10}
    current_offenses:
      type: no_current_offense_in
      lists: [serious, violent, super_strike, sex_registrable]
    prior_offenses: {type: no_prior_offense_in, lists: [super_strike, sex_registrable]}
"""


@pytest.fixture(scope="module")
def candidates(result, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("config") / "screen.yaml"
    path.write_text(CONFIG)
    config = load_config(None, path)
    return build_candidates(result.tables, None, config, AS_OF).set_index("cdcno")


# --------------------------------------------------------------------------------------------------
# Ingest
# --------------------------------------------------------------------------------------------------


def test_priors_sentenced_outside_california_are_kept_and_flagged(result) -> None:
    prior = result.tables["offenses"].query("role == 'prior'").set_index("case_number")
    assert prior.loc["MX-1", "county_status"] == "other_country"
    assert prior.loc["UNK-1", "county_status"] == "unknown"
    assert prior.loc["CR2005-1", "county_status"] == "out_of_state"
    assert prior.loc["NV-1", "county_status"] == "out_of_state"
    for case in ("MX-1", "UNK-1", "CR2005-1", "NV-1"):
        assert pd.isna(prior.loc[case, "county"])
    assert prior.loc[["MX-1", "CR2005-1", "NV-1"], "sentenced_outside_california"].all()
    assert not prior.loc["UNK-1", "sentenced_outside_california"]
    # "Nevada" is Nevada County, California; a place nobody knows is still quarantined.
    assert prior.loc["NCR-1", "county"] == "Nevada"
    assert prior.loc["NCR-1", "county_status"] == "california"
    q = result.quarantine
    assert q.loc[q["value"].eq("Atlantis"), "reason"].tolist() == ["unknown California county"]
    assert not q["value"].isin(["Other Country", "Unknown", "Arizona", "State of Nevada"]).any()


def test_old_one_letter_code_prefixes_are_read(result) -> None:
    people = result.tables["people"].set_index("cdcno")
    assert people.loc["aa000003", "controlling_offense_key"] == "HS11377"
    offenses = result.tables["offenses"]
    keys = set(offenses["offense_key"])
    assert {"HS11377", "WI3051"} <= keys
    assert "unreadable offense code" not in set(result.quarantine["reason"])


def test_quarantine_counts_rows_and_reasons_apart(result) -> None:
    q = result.quarantine
    two = q[q["file"].eq("current_commitments.csv")]
    assert len(two) == 2 and two["row"].nunique() == 1  # one row, two reasons
    assert set(two["reason"]) == {"blank county", "unreadable or impossible date"}
    m = result.manifest
    assert m.quarantined_rows == 2  # the current row and the Atlantis prior
    assert m.quarantine_problems == 3
    assert m.quarantine_reasons["blank county"] == 1
    top = result.top_reasons(10).set_index("reason")
    assert top.loc["unreadable or impossible date", "rows"] == 1
    text = quarantine_lines(q)
    assert "2 rows, 3 problems" in text and "more than one reason" in text


def test_the_manifest_reports_offense_coverage(result) -> None:
    cov = result.manifest.offense_coverage
    assert set(cov) >= {"rows", "people", "enhancements", "controlling", "top_unscored"}
    # W3051 (a civil narcotic-addict commitment) is in neither table: no level, and listed.
    assert cov["rows"]["none"] == 1
    assert [t["code"] for t in cov["top_unscored"]] == ["WI3051"]
    assert cov["rows"]["explicit"] + cov["rows"]["fallback"] + cov["rows"]["none"] == len(
        result.tables["offenses"]
    )


def test_screen_on_a_raw_folder_reports_what_it_quarantined(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["screen", "--data", str(raw), "--as-of", AS_OF, "--out", str(out)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert "quarantined at ingest: 2 rows (3 problems" in run.output
    assert (out / "quarantine.csv").exists()
    assert len(pd.read_csv(out / "quarantine.csv")) == 3
    info = json.loads((out / "summary.json").read_text())
    assert info["quarantined_rows"] == 2 and info["quarantine_problems"] == 3


# --------------------------------------------------------------------------------------------------
# Screens and the candidate list
# --------------------------------------------------------------------------------------------------


def test_a_short_count_in_a_life_case_is_not_a_life_felony(candidates: pd.DataFrame) -> None:
    failed = candidates.loc["aa000001", "failed_rules"]
    assert "PC 187 (1st) in case BA100001 is serious" in failed
    assert "VC 23152(a)" not in failed


def test_pc220_described_as_a_sex_offense_is_registrable_and_a_super_strike(
    candidates: pd.DataFrame,
) -> None:
    failed = candidates.loc["aa000002", "failed_rules"]
    assert "PC 220 in case SC200002 is serious (PC 1192.7(c)(10))" in failed
    assert "violent (PC 667.5(c)(15))" in failed
    assert "super-strike (PC 667(e)(2)(C)(iv)(I))" in failed
    assert "sex-registrable (PC 290(c)(1))" in failed
    assert candidates.loc["aa000002", "unknown_rules"] == ""


def test_pre_1995_pc288b_is_a_super_strike(candidates: pd.DataFrame) -> None:
    failed = candidates.loc["aa000006", "failed_rules"]
    assert "super-strike (PC 667(e)(2)(C)(iv)(I))" in failed
    assert "serious (PC 1192.7(c)(6))" in failed


def test_a_conditional_match_makes_the_rule_undecided(candidates: pd.DataFrame) -> None:
    row = candidates.loc["aa000005"]
    assert row["eligibility"] == "unknown" and row["undecided_rules"] == "current_offenses"
    assert row["unknown_rules"] == (
        "current_offenses: current offense PC 243(d) in case FCR500005 may be serious "
        "(PC 1192.7(c)(8)): the record does not show whether the defendant personally inflicted "
        "the injury on a person other than an accomplice"
    )


def test_every_failing_rule_in_order_with_statute_and_count(candidates: pd.DataFrame) -> None:
    row = candidates.loc["aa000004"]
    assert row["failed_rules"] == "served: served 8.0 years, under 10"
    assert row["passed_rules"] == "current_offenses | prior_offenses"
    assert row["near_miss"] == "served: served 8.0 years, under 10"
    # Served 10 years (3,652.5 days, rounded up to the day) after the offense of 2018-05-01.
    assert row["eligible_on"] == pd.Timestamp("2028-05-01")


def test_a_near_miss_on_an_offense_rule_has_no_date(candidates: pd.DataFrame) -> None:
    row = candidates.loc["aa000002"]
    assert row["near_miss"].startswith("current_offenses: ")
    assert pd.isna(row["eligible_on"])


def test_sex_registrant_status_is_derived_in_public_data(candidates: pd.DataFrame) -> None:
    assert candidates["sex_registrant_derived"].all()


def test_levels_of_real_codes_in_the_score(candidates: pd.DataFrame) -> None:
    assert candidates["score_status"].eq("scored").all()
    assert candidates.loc["aa000003", "unscored_priors"] == "WI 3051"


def test_age_messages_say_what_is_missing(result, tmp_path: Path) -> None:
    path = tmp_path / "age.yaml"
    path.write_text("screens: {rules: {age: {type: min_age, years: 50}}}\n")
    cand = build_candidates(result.tables, None, load_config(None, path), AS_OF).set_index("cdcno")
    assert cand.loc["aa000007", "unknown_rules"] == (
        "age: age unknown: the public data has no birth date, no age reported, "
        "no estimated age at the offense"
    )
    assert cand.loc["aa000008", "failed_rules"] == "age: age 48 is under 50"
    # A reported age of 48 on 2026-05-01 reaches 50 two years (731 days) later.
    assert cand.loc["aa000008", "eligible_on"] == pd.Timestamp("2028-05-01")
