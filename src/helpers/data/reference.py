"""Loaders for the reference tables in ``data/reference`` (offenses, statutory lists, the DOJ statute
code table and its families, counties and places outside California, race).

Every table is a committed CSV (or GeoJSON) with a ``source`` column or property; nothing is read
from outside the repository and nothing is downloaded.  Files are parsed once per directory and
cached; each call returns a fresh copy (cheap under pandas copy-on-write), so callers may modify it.

The directory is ``<repo>/data/reference`` (found from this file), or ``$SECONDLOOK_REFERENCE_DIR``
when that environment variable is set (e.g. a county office shipping its own tables).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import counties, paths

ENV_VAR = paths.REFERENCE_ENV_VAR

OFFENSE_COLUMNS = [
    "offense_key",
    "code",
    "section",
    "subdivision",
    "degree",
    "description",
    "category",
    "cdcr_category",
    "federal_level",
    "guideline_section",
    "guideline_offense_type",
    "level_basis",
    "is_enhancement",
    "enhancement_months",
    "source",
]
LIST_NAMES = ("serious", "violent", "super_strike", "sex_registrable", "homicide", "robbery")
DOJ_STATUTE_COLUMNS = [
    "doj_offense_code",
    "code",
    "statute",
    "charge_type",
    "literal",
    "bcs_hierarchy",
    "enacted",
    "repealed",
    "source",
]
CHARGE_TYPES = ("F", "M", "I", "X")
PLACE_STATUSES = ("out_of_state", "other_country", "unknown")
RACE_GROUPS = (
    "Hispanic/Latino",
    "Black",
    "White",
    "Asian/Pacific Islander",
    "American Indian",
    "Other",
)


def data_dir() -> Path:
    """Return the reference-data directory (``$SECONDLOOK_REFERENCE_DIR`` or ``<repo>/data/reference``)."""
    return paths.reference_dir()


def _read_csv(directory: Path, name: str) -> pd.DataFrame:
    """Read ``directory/name`` as strings, keeping empty cells as ``""``."""
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(
            f"reference table {path} not found (set {ENV_VAR} to the folder holding it)"
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _to_bool(s: pd.Series) -> pd.Series:
    """Map ``true``/``false`` text (any case; empty = False) to a bool Series."""
    return s.str.strip().str.lower().eq("true")


@lru_cache(maxsize=8)
def _offense_table(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "offenses.csv")
    missing = [c for c in OFFENSE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"offenses.csv lacks columns {missing}")
    df["code"] = df["code"].str.strip().str.upper()
    for col in ("section", "subdivision", "degree"):
        df[col] = df[col].str.strip().str.lower()
    df["federal_level"] = pd.to_numeric(df["federal_level"]).astype("Int64")
    df["enhancement_months"] = pd.to_numeric(df["enhancement_months"].replace("", None)).astype(
        "Int64"
    )
    df["is_enhancement"] = _to_bool(df["is_enhancement"])
    return df


def offense_table(directory: Path | None = None) -> pd.DataFrame:
    """Offense table: one row per code section (and degree/subdivision where the mapping differs).

    ``federal_level`` (Int64) is the adapted federal-guideline offense level 1-43 for offenses; for
    enhancement rows (``is_enhancement``) it is the number of levels the guideline would *add*
    (0-16), not an offense level.  ``section``, ``subdivision`` and ``degree`` are lower-case
    strings, empty when absent.  ``directory`` defaults to :func:`data_dir`.
    """
    return _offense_table(directory or data_dir()).copy()


@lru_cache(maxsize=8)
def _offense_categories(directory: Path) -> pd.DataFrame:
    return _read_csv(directory, "offense_categories.csv")


def offense_categories() -> pd.DataFrame:
    """The 13 offense categories: ``category, description, examples, source``."""
    return _offense_categories(data_dir()).copy()


@lru_cache(maxsize=8)
def _statutory_lists(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "statutory_lists.csv")
    df["code"] = df["code"].str.strip().str.upper()
    for col in ("section", "subdivision", "degree", "detect"):
        df[col] = df[col].str.strip().str.lower()
    df["attempt_listed"] = _to_bool(df["attempt_listed"])
    df["exact"] = _to_bool(df["exact"])
    unknown = set(df["list"]) - set(LIST_NAMES)
    if unknown:
        raise ValueError(f"statutory_lists.csv has unknown list names {sorted(unknown)}")
    return df


def statutory_lists(directory: Path | None = None) -> pd.DataFrame:
    """Statutory lists as data, one row per list item, each with its ``citation``.

    ``detect`` says how an item is found in the data: ``offense`` (by code/section/subdivision/
    degree), ``enhancement`` (by an enhancement in ``via_enhancement``, ``;``-separated keys),
    ``conditional`` (the code matches but the list needs a fact the data lack), ``sentence``
    (life or death sentences) or ``none`` (documented only).  ``attempt_listed`` records whether the
    statute itself names the attempt; ``exact`` that the item's subdivision matches only itself, not
    its paragraphs.  ``needs`` says what fact a conditional item lacks; ``if_description`` and
    ``unless_description`` are patterns (regular expressions, any case) of CDCR's offense description
    that settle an item: a description matching ``if_description`` makes a conditional item definite,
    one matching only ``unless_description`` rules the item out.  ``directory`` defaults to
    :func:`data_dir`.
    """
    return _statutory_lists(directory or data_dir()).copy()


@lru_cache(maxsize=8)
def _doj_statute_codes(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "ca_doj_statute_codes.csv")
    missing = [c for c in DOJ_STATUTE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"ca_doj_statute_codes.csv lacks columns {missing}")
    bad = set(df["charge_type"]) - set(CHARGE_TYPES)
    if bad:
        raise ValueError(f"ca_doj_statute_codes.csv has unknown charge types {sorted(bad)}")
    df["code"] = df["code"].str.strip().str.upper()
    df["statute"] = df["statute"].str.strip().str.upper()
    df["bcs_hierarchy"] = pd.to_numeric(df["bcs_hierarchy"], errors="coerce")
    df["in_force"] = df["repealed"].str.strip().eq("")
    return df


def doj_statute_codes(directory: Path | None = None) -> pd.DataFrame:
    """California DOJ's law enforcement statute code table: one row per DOJ offense code.

    Columns of :data:`DOJ_STATUTE_COLUMNS` as text, except ``bcs_hierarchy`` (float: the DOJ Bureau
    of Criminal Statistics hierarchy, lower = more serious) and ``in_force`` (bool: no ``repealed``
    date).  ``charge_type`` is F (felony), M (misdemeanor), I (infraction) or X (other: proceedings
    and status codes such as probation violations).  ``directory`` defaults to :func:`data_dir`.
    """
    return _doj_statute_codes(directory or data_dir()).copy()


@lru_cache(maxsize=8)
def _statute_families(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "statute_families.csv")
    df["code"] = df["code"].str.strip().str.upper()
    for col in ("section_from", "section_to"):
        df[col] = pd.to_numeric(df[col].replace("", None)).astype("Int64")
    categories = set(_offense_categories(directory)["category"])
    bad = set(df["category"]) - categories
    if bad:
        raise ValueError(f"statute_families.csv has unknown categories {sorted(bad)}")
    return df


def statute_families(directory: Path | None = None) -> pd.DataFrame:
    """Families of statutes by code, section range and DOJ wording, each with its offense category.

    Rules in order (the first that fits a statute wins): ``code``, ``section_from``-``section_to``
    (the section's leading number, inclusive; blank = any) and ``literal`` (a regular expression
    searched in DOJ's short description, any case; blank = any).  The families follow the structure
    of the codes (their parts, titles and chapters, cited in ``source``).
    """
    return _statute_families(directory or data_dir()).copy()


@lru_cache(maxsize=8)
def _places_outside_california(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "places_outside_california.csv")
    bad = set(df["status"]) - set(PLACE_STATUSES)
    if bad:
        raise ValueError(f"places_outside_california.csv has unknown statuses {sorted(bad)}")
    return df


def places_outside_california(directory: Path | None = None) -> pd.DataFrame:
    """Sentencing places CDCR writes for prior commitments outside California: ``name``, ``status``
    (``out_of_state``, ``other_country`` or ``unknown``) and ``source``.  Nevada is a California
    county, so only "State of Nevada" (and the other states' names and postal codes) mean a state."""
    return _places_outside_california(directory or data_dir()).copy()


@lru_cache(maxsize=8)
def _race_groups(directory: Path) -> pd.DataFrame:
    df = _read_csv(directory, "race_groups.csv")
    bad = set(df["race_group"]) - set(RACE_GROUPS)
    if bad:
        raise ValueError(f"race_groups.csv has unknown race groups {sorted(bad)}")
    return df


def race_groups() -> pd.DataFrame:
    """CDCR ethnicity codes (raw and PC 2068 self-identification) mapped to six race groups."""
    return _race_groups(data_dir()).copy()


@lru_cache(maxsize=8)
def _county_geojson(directory: Path) -> dict[str, Any]:
    path = directory / "ca_counties.geojson"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; run scripts/make_county_geojson.py")
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def county_geojson() -> dict[str, Any]:
    """The simplified county boundaries as a GeoJSON FeatureCollection dict (a fresh deep copy)."""
    return copy.deepcopy(_county_geojson(data_dir()))


def clear_cache() -> None:
    """Forget cached tables (for tests that point ``$SECONDLOOK_REFERENCE_DIR`` elsewhere)."""
    for fn in (
        _offense_table,
        _offense_categories,
        _statutory_lists,
        _doj_statute_codes,
        _statute_families,
        _places_outside_california,
        _race_groups,
        _county_geojson,
    ):
        fn.cache_clear()
    counties.clear_cache()
