"""California's 58 counties: the one home for county names, slugs and the county filter.

Every module that takes a county from a user, a file or a configuration goes through here:

* :func:`canonical_counties` maps raw spellings (any case, punctuation or spacing, 'County of ...',
  '... County', DOJ upper-case names, aliases of ``counties.csv``, 5- or 3-digit FIPS) to the
  canonical title-case name and FIPS code, vectorised; unknown spellings give ``<NA>``.
* :func:`canonical_name` does the same for one name and raises :class:`InputError` when it is
  unknown; ``None``, ``statewide``, ``all`` and ``california`` mean the whole state (``None``).
* :func:`in_county` is the county filter (a boolean mask, missing counties never match).
* :func:`slug` (``los-angeles``: folders, pages) and :func:`file_stem` (``los_angeles``:
  configuration files) are the two spellings used on disk.

The table is ``counties.csv`` of the reference folder (:func:`helpers.paths.reference_dir`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import paths
from helpers.errors import InputError

STATEWIDE = "statewide"
"""The scope name of statewide runs and outputs."""

_STATEWIDE_WORDS = ("", STATEWIDE, "all", "california")


@lru_cache(maxsize=8)
def _table(directory: Path) -> pd.DataFrame:
    path = directory / "counties.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"reference table {path} not found (set {paths.REFERENCE_ENV_VAR} to its folder)"
        )
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["resentencing_pilot"] = table["resentencing_pilot"].str.strip().str.lower().eq("true")
    return table


def county_table() -> pd.DataFrame:
    """The 58 counties: ``county``, ``fips`` (5-digit string), ``doj_name``, ``aliases`` and more."""
    return _table(paths.reference_dir()).copy()


def county_names() -> list[str]:
    """The 58 canonical county names, in alphabetical order."""
    return _table(paths.reference_dir())["county"].astype(str).tolist()


def _normalise(names: pd.Series) -> pd.Series:
    """Upper-case, drop punctuation/spacing and 'County of' / 'County' wording, vectorised."""
    s = names.astype("string").str.upper().str.strip()
    s = s.str.replace(r"^(CITY AND COUNTY OF|COUNTY OF)\s+", "", regex=True)
    s = s.str.replace(r"\s+(COUNTY|CNTY|CO\.?)$", "", regex=True)
    return s.str.replace(r"[^A-Z0-9]", "", regex=True)


@lru_cache(maxsize=8)
def _lookup(directory: Path) -> pd.Series:
    """Normalised spelling -> canonical county name (names, DOJ names, aliases, FIPS)."""
    c = _table(directory)
    spellings = [c["county"], c["doj_name"], c["fips"], c["fips"].str[2:], c["census_name"]]
    alias = c[["county", "aliases"]].assign(alias=c["aliases"].str.split(";")).explode("alias")
    keys = pd.concat(
        [pd.DataFrame({"key": sp.to_numpy(), "county": c["county"].to_numpy()}) for sp in spellings]
        + [alias[["alias", "county"]].rename(columns={"alias": "key"})],
        ignore_index=True,
    )
    keys["key"] = _normalise(keys["key"])
    keys = keys[keys["key"].ne("")].drop_duplicates()
    clash = keys.groupby("key")["county"].nunique()
    if (clash > 1).any():
        raise ValueError(f"ambiguous county aliases: {sorted(clash[clash > 1].index)}")
    return keys.drop_duplicates("key").set_index("key")["county"]


def canonical_counties(names: pd.Series) -> pd.DataFrame:
    """Map raw county spellings to ``county`` (title case) and ``fips`` (5-digit string).

    Each distinct spelling is normalised once.  Unknown or missing values give ``<NA>`` in both
    columns.  The result has the index of ``names``.
    """
    directory = paths.reference_dir()
    codes, uniques = pd.factorize(names.astype("string"), use_na_sentinel=True)
    found = _normalise(pd.Series(uniques, dtype="string")).map(_lookup(directory))
    fips = _table(directory).set_index("county")["fips"]
    county = pd.array(np.where(codes >= 0, found.to_numpy(object)[codes], pd.NA), dtype="string")
    county = pd.Series(county, index=names.index)
    return pd.DataFrame({"county": county, "fips": county.map(fips).astype("string")})


def is_statewide(name: str | None) -> bool:
    """True for ``None`` and the words that mean the whole state (statewide, all, california)."""
    return name is None or str(name).strip().lower() in _STATEWIDE_WORDS


def canonical_name(name: str | None, option: str = "--county") -> str | None:
    """The canonical name of one county; ``None`` for the whole state.

    Raises :class:`InputError` naming ``option`` when the county is not one of California's 58.
    """
    if is_statewide(name):
        return None
    found = canonical_counties(pd.Series([name], dtype="string"))["county"].iloc[0]
    if pd.isna(found):
        raise InputError(f"unknown California county '{name}'", column=option)
    return str(found)


def scope_name(name: str | None) -> str:
    """The canonical county name, or ``statewide`` for the whole state (output folder scopes)."""
    return canonical_name(name) or STATEWIDE


def doj_name(name: str) -> str:
    """The upper-case name CA DOJ records use for a county (``San Joaquin`` -> ``SAN JOAQUIN``)."""
    county = canonical_name(name)
    if county is None:
        raise InputError("a county is required, e.g. 'SAN JOAQUIN'", column="--county")
    table = _table(paths.reference_dir()).set_index("county")
    return str(table.loc[county, "doj_name"])


def in_county(frame: pd.DataFrame, county: str | None, column: str = "county") -> np.ndarray:
    """Boolean mask of the rows of ``frame`` whose ``column`` names ``county`` (any spelling).

    ``county=None`` (the whole state) keeps every row; a missing or unknown county never matches.
    """
    want = canonical_name(county)
    if want is None:
        return np.ones(len(frame), dtype=bool)
    return canonical_counties(frame[column])["county"].eq(want).fillna(False).to_numpy(bool)


def file_stem(name: str) -> str:
    """``Los Angeles`` -> ``los_angeles`` (configuration file names)."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def slug(county: str) -> str:
    """``Los Angeles`` -> ``los-angeles`` (folder, page and file names of outputs)."""
    return file_stem(county).replace("_", "-")


def clear_cache() -> None:
    """Forget the cached table (for tests that point the reference folder elsewhere)."""
    _table.cache_clear()
    _lookup.cache_clear()
