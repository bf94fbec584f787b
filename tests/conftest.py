"""Shared fixtures: small, deterministic raw CDCR folders written by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers.data import schema

PEOPLE = [
    # cdcno, current age, ethnicity, controlling offense, description, begin, end, case, county, type, months,
    # category, eprd, location, years, served, release, age at offense, juvenile
    [
        "a1b2c3d4",
        "61",
        "Black",
        "PC211 2nd",
        "Robbery 2nd",
        "2001-03-02",
        "2001-03-02",
        "BA123456",
        "Los Angeles",
        "Third Striker",
        "300",
        "Crimes Against Persons",
        "JUL2030",
        "Mule Creek State Prison",
        "25.0",
        "25.2",
        "2030-07-01",
        "36.0",
        "No",
    ],
    [
        "0f0f0f0f",
        "45",
        "Mexican",
        "PC187 2nd",
        "Murder 2nd",
        "2004-06-01",
        "2004-06-01",
        "VA654321",
        "Los Angeles",
        "Life with Parole",
        "180",
        "Crimes Against Persons",
        "JAN2031",
        "California State Prison, Los Angeles County",
        "15.0",
        "21.9",
        "2031-01-01",
        "23.1",
        "No",
    ],
    [
        "12345678",
        "33",
        "White",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "2021-01-10",
        "2021-01-12",
        "SCD111222",
        "San Diego",
        "DSL",
        "72",
        "Drug Crimes",
        "MAR2027",
        "Sacramento Control Office",
        "6.0",
        "5.3",
        "2027-03-01",
        "28.0",
        "No",
    ],
    [
        "deadbeef",
        "70",
        "Hispanic",
        "PC187 1st",
        "Murder 1st (LWO)",
        "1990-02-02",
        "1990-02-02",
        "A998877",
        "Alameda",
        "Life w/o Parole",
        "10000",
        "Crimes Against Persons",
        "JAN9999",
        "San Quentin Rehabilitation Center",
        "833.33",
        "36.2",
        "",
        "33.8",
        "No",
    ],
]
CURRENT = [
    [
        "a1b2c3d4",
        "Los Angeles",
        "BA123456",
        "25 Years",
        "PC211 2nd",
        "Robbery 2nd",
        "Crimes Against Persons",
        "",
        "2001-03-02",
        "2001-03-02",
        "25 Years 0 Months-to-Life",
        "Initial",
        "PC12022(a)(1)",
        "ARMED W/F'ARM",
    ],
    [
        "a1b2c3d4",
        "Los Angeles",
        "BA123456",
        "25 Years",
        "PC245(a)(1)",
        "Assault With Deadly Weapon",
        "Crimes Against Persons",
        "",
        "2001-03-02",
        "2001-03-02",
        "Stayed",
        "Stayed",
        "",
        "",
    ],
    [
        "0f0f0f0f",
        "Los Angeles",
        "VA654321",
        "Life with Parole",
        "PC187 2nd",
        "Murder 2nd",
        "Crimes Against Persons",
        "",
        "2004-06-01",
        "2004-06-01",
        "15 Years 0 Months-to-Life",
        "Initial",
        "",
        "",
    ],
    [
        "12345678",
        "San Diego",
        "SCD111222",
        "6 Years",
        "HS11352(a)",
        "Transport/Sell Narcotic",
        "Drug Crimes",
        "",
        "2021-01-10",
        "2021-01-12",
        "4 Years 0 Months",
        "Initial",
        "HS11370.2(a)",
        "PRIOR DRUG CONVICTION",
    ],
    [
        "12345678",
        "San Diego",
        "SCD111222",
        "6 Years",
        "HS11378",
        "Possession For Sale Of Controlled Substance",
        "Drug Crimes",
        "",
        "2021-01-10",
        "2021-01-12",
        "2 Years 0 Months",
        "Consecutive",
        "",
        "",
    ],
    [
        "deadbeef",
        "Alameda",
        "A998877",
        "LWOP",
        "PC187 1st",
        "Murder 1st",
        "Crimes Against Persons",
        "",
        "1990-02-02",
        "1990-02-02",
        "LWOP",
        "Initial",
        "PC12022.5(a)",
        "USE OF FIREARM",
    ],
]
PRIOR = [
    [
        "a1b2c3d4",
        "Los Angeles",
        "A554433",
        "6 Years",
        "PC459 1st",
        "Burglary 1st",
        "Property Crimes",
        "",
        "1990-05-05",
        "1990-05-05",
        "6 Years 0 Months",
        "Initial",
        "1994-01-01",
        "",
        "",
    ],
    [
        "a1b2c3d4",
        "Los Angeles",
        "A667788",
        "3 Years",
        "PC211 2nd",
        "Robbery 2nd",
        "Crimes Against Persons",
        "",
        "1995-05-05",
        "1995-05-06",
        "3 Years 0 Months",
        "Initial",
        "1998-02-01",
        "",
        "",
    ],
    [
        "12345678",
        "San Diego",
        "SCD000111",
        "16 Months",
        "HS11350(a)",
        "Possession Of Narcotic",
        "Drug Crimes",
        "",
        "2015-01-01",
        "2015-01-01",
        "1 Years 4 Months",
        "Initial",
        "2016-02-01",
        "",
        "",
    ],
]


def _pad(row: list[str], header: list[str]) -> list[str]:
    return row + [""] * (len(header) - len(row))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write rows under ``header`` (short rows padded with blanks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(_pad(r, header) for r in rows)
    return path


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A tiny valid folder in the 2026 public format: 4 people, 6 current and 3 prior rows."""
    folder = tmp_path / "raw"
    write_csv(folder / "demographics.csv", schema.DEMOGRAPHICS_2026, [list(r) for r in PEOPLE])
    write_csv(
        folder / "current_commitments.csv", schema.CURRENT_COMMITMENTS, [list(r) for r in CURRENT]
    )
    prior = [r[:12] + [r[12]] + r[13:] for r in PRIOR]
    write_csv(folder / "prior_commitments.csv", schema.PRIOR_COMMITMENTS, prior)
    return folder
