"""Offense levels and statutory-list membership for parsed California offense codes (vectorised).

Input everywhere is a DataFrame of *parsed* offense codes, one row per offense (count or
enhancement), with columns ``code`` (``PC``, ``HS``, ``VC``...), ``section`` (``187``, ``12022.53``),
``subdivision`` (``(a)(1)`` lower-case, or empty), ``degree`` (``1st``/``2nd``/empty) and ``attempt``
(bool), as produced by ``helpers.data.codes.parse_offense_codes``.  Missing ``subdivision``/``degree``
columns count as empty and a missing ``attempt`` column as False.  Results keep the input index.

Matching rules (shared by :func:`in_statutory_list`, :func:`list_matches` and :func:`in_sections`):

* **Sections are exact.** ``PC12022`` does not match ``PC12022.5``; use the family wildcard
  ``PC12022*`` in :func:`in_sections` to mean the section and all its decimal sub-sections.
* **Subdivision prefixes.** An entry with a subdivision matches that subdivision and its children:
  ``PC245(a)`` matches ``PC245(a)(1)``; an entry without one matches the whole section.  A row with
  no subdivision does not match an entry that names one.
* **Degrees.** An entry without a degree matches every degree (``PC187`` matches first- and
  second-degree murder).  An entry naming a degree matches only that degree.
* **Burglary exception (PC 459).** Every list that names burglary names *first-degree* burglary
  (PC 1192.7(c)(18), 667.5(c)(21)), so a PC 459 entry without a degree is read as first degree:
  second-degree (commercial) burglary never matches it, only first-degree burglary and its attempt
  do.  Write ``PC459 2nd`` to target second degree explicitly.  A burglary row whose degree is not
  recorded does not match (PC 1157 deems an unstated degree the lesser one); :func:`list_matches`
  reports it as *possible*.
* **Attempts.** By default (``attempts="always"``, the project rule) a listed offense also matches
  its attempt (``PC187`` matches ``PC664/187``).  ``attempts="statute"`` follows each list item's
  ``attempt_listed`` flag (e.g. PC 667.5(c) lists only attempted murder, PC 1192.7(c)(39) lists
  attempts of non-assault items); ``attempts="never"`` matches completed offenses only.
* **Enhancements.** List items proven by an enhancement (e.g. PC 12022.7 great bodily injury makes
  a felony serious, PC 1192.7(c)(8)) match rows whose code is that enhancement; pass the parsed
  enhancement codes of a person's counts to detect them.
* **Conditional items** (the section matches but the statute needs a fact the data lack, such as a
  person present during a first-degree burglary for PC 667.5(c)(21)) match only with
  ``include_conditional=True``; :func:`list_matches` reports them as *possible*.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from helpers.data.levels import (
    ATTEMPT_REDUCTION,
    ATTEMPTED_MURDER_2ND_LEVEL,
    ATTEMPTED_MURDER_LEVEL,
    UNCLASSIFIED,
    broadcast,
    factorize_codes,
    offense_levels,
)
from helpers.data.reference import LIST_NAMES, data_dir, statutory_lists

__all__ = [
    "ATTEMPTED_MURDER_2ND_LEVEL",
    "ATTEMPTED_MURDER_LEVEL",
    "ATTEMPT_REDUCTION",
    "BURGLARY",
    "UNCLASSIFIED",
    "AttemptMode",
    "in_sections",
    "in_statutory_list",
    "list_matches",
    "offense_levels",
    "parse_offense_keys",
]

AttemptMode = Literal["always", "statute", "never"]

BURGLARY = ("PC", "459")
#: How a description settles the degree of a burglary whose code has none.
DEGREE_WORDS = {
    "1st": (r"\b(?:1st|first)\b|residen|inhabit", r"\b(?:2nd|second)\b|commercial"),
    "2nd": (r"\b(?:2nd|second)\b|commercial", r"\b(?:1st|first)\b|residen|inhabit"),
}
_KEY_RE = (
    r"^\s*(?P<code>[A-Za-z]+)\s*(?P<section>\d+(?:\.\d+)?[A-Za-z]*)(?P<star>\*?)"
    r"(?P<subdivision>(?:\([0-9A-Za-z]+\))*)\s*(?P<degree>1st|2nd)?\s*$"
)


# --------------------------------------------------------------------------------------------------
# List matching
# --------------------------------------------------------------------------------------------------

_ENTRY_COLUMNS = [
    "code",
    "section",
    "subdivision",
    "degree",
    "family",
    "exact",
    "attempt_listed",
    "kind",
    "citation",
    "needs",
    "if_description",
    "unless_description",
]
_PAIR_COLUMNS = {
    "row": "int64",
    "entry": "int64",
    "attempt_rank": "int64",
    "kind": "string",
    "citation": "string",
    "needs": "string",
    "if_description": "string",
    "unless_description": "string",
}


def parse_offense_keys(keys: list[str] | pd.Series) -> pd.DataFrame:
    """Parse canonical keys (``PC245(a)``, ``PC459 1st``, ``PC12022*``) into entry columns."""
    s = pd.Series(list(keys), dtype="string")
    parts = s.str.extract(_KEY_RE)
    bad = parts["code"].isna() | (parts["star"].eq("*") & parts["subdivision"].ne(""))
    if bad.any():
        raise ValueError(
            f"cannot read offense keys {s[bad].tolist()}; expected e.g. 'PC245(a)(1)', "
            "'PC459 1st' or 'PC12022*'"
        )
    return pd.DataFrame(
        {
            "code": parts["code"].str.upper(),
            "section": parts["section"].str.lower(),
            "subdivision": parts["subdivision"].fillna("").str.lower(),
            "degree": parts["degree"].fillna(""),
            "family": parts["star"].eq("*"),
        }
    )


def _list_entries(list_name: str, *, via_enhancements: bool) -> pd.DataFrame:
    """Matchable entries of one statutory list: offense, conditional and enhancement items."""
    if list_name not in LIST_NAMES:
        raise ValueError(
            f"unknown statutory list {list_name!r}; choose from {', '.join(LIST_NAMES)}"
        )
    return _list_entries_cached(data_dir(), list_name, via_enhancements)


def _plain_entries(keys: list[str]) -> pd.DataFrame:
    """Entries of county-configured keys: definite, prefix subdivisions, no attempt flag."""
    return parse_offense_keys(keys).assign(
        exact=False,
        attempt_listed=False,
        kind="definite",
        citation="",
        needs="",
        if_description="",
        unless_description="",
    )[_ENTRY_COLUMNS]


@lru_cache(maxsize=32)
def _list_entries_cached(directory: Path, list_name: str, via_enhancements: bool) -> pd.DataFrame:
    """Entries of one list for the tables in ``directory`` (cached; callers must not modify it)."""
    lists = statutory_lists(directory)
    items = lists[lists["list"].eq(list_name)]
    direct = items[items["detect"].isin(["offense", "conditional"]) & items["section"].ne("")]
    direct = direct.assign(
        family=False,
        kind=np.where(direct["detect"].eq("conditional"), "conditional", "definite"),
    )
    frames = [direct[_ENTRY_COLUMNS]]
    if via_enhancements:
        enh = items[items["via_enhancement"].ne("")]
        enh = enh.assign(key=enh["via_enhancement"].str.split(";")).explode("key")
        enh = enh[enh["key"].str.strip().ne("")]
        if len(enh):
            parsed = _plain_entries(enh["key"].str.strip().tolist())
            parsed["citation"] = enh["citation"].to_numpy()
            frames.append(parsed)
    return pd.concat(frames, ignore_index=True)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PAIR_COLUMNS.items()})


def _merge_entries(rows: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """Candidate (row, entry) pairs of the same code and section (family keys by section family)."""
    e = entries.reset_index(drop=True).rename_axis("entry").reset_index()
    e = e.rename(columns={c: f"e_{c}" for c in e.columns if c != "entry"})
    is_family = e["e_family"].to_numpy(dtype=bool)
    m = rows.merge(e[~is_family], left_on=["code", "section"], right_on=["e_code", "e_section"])
    if is_family.any():
        family = rows.merge(
            e[is_family], left_on=["code", "family_section"], right_on=["e_code", "e_section"]
        )
        m = pd.concat([m, family], ignore_index=True)
    return m


def _pairs(p: pd.DataFrame, entries: pd.DataFrame, attempts: AttemptMode) -> pd.DataFrame:
    """Matching (row, entry) pairs with ``kind`` definite/conditional, the entry's citation, the
    fact a conditional match needs and the description patterns that settle it."""
    if attempts not in ("always", "statute", "never"):
        raise ValueError(f"attempts must be 'always', 'statute' or 'never', not {attempts!r}")
    rows = p.reset_index(drop=True).rename_axis("row").reset_index()
    rows["family_section"] = rows["section"].str.split(".", n=1).str[0]
    m = _merge_entries(rows, entries)
    if m.empty:
        return _empty_pairs()

    row_sub = m["subdivision"].to_numpy(dtype=str)
    entry_sub = m["e_subdivision"].to_numpy(dtype=str)
    exact = m["e_exact"].astype(bool).to_numpy()
    prefix_ok = np.strings.startswith(row_sub, entry_sub)
    sub_ok = (entry_sub == "") | np.where(exact, row_sub == entry_sub, prefix_ok)

    burglary = m["e_code"].eq(BURGLARY[0]) & m["e_section"].eq(BURGLARY[1])
    e_degree = m["e_degree"].mask(burglary & m["e_degree"].eq(""), "1st")
    degree_ok = e_degree.eq("") | m["degree"].eq(e_degree)
    degree_unknown = e_degree.ne("") & m["degree"].eq("")

    if attempts == "always":
        attempt_ok = pd.Series(True, index=m.index)
    elif attempts == "statute":
        attempt_ok = ~m["attempt"] | m["e_attempt_listed"].astype(bool)
    else:
        attempt_ok = ~m["attempt"]

    definite = degree_ok & m["e_kind"].eq("definite")
    e_needs = m["e_needs"].astype("string").fillna("")
    needs = e_needs.where(
        degree_ok, "the burglary's degree" + e_needs.where(e_needs.eq(""), " and " + e_needs)
    )
    if_desc = m["e_if_description"].astype("string")
    unless_desc = m["e_unless_description"].astype("string")
    if degree_unknown.any():
        # A description that states the degree settles it; for an item that also needs another
        # fact only a description ruling the degree out counts.
        deg_if = e_degree.map({k: v[0] for k, v in DEGREE_WORDS.items()})
        deg_unless = e_degree.map({k: v[1] for k, v in DEGREE_WORDS.items()})
        plain = degree_unknown & m["e_kind"].eq("definite")
        if_desc = if_desc.mask(plain, deg_if)
        both = unless_desc.fillna("").where(unless_desc.fillna("").eq(""), unless_desc + "|")
        unless_desc = unless_desc.mask(plain, deg_unless).mask(
            degree_unknown & ~plain, both + deg_unless
        )
    keep = (sub_ok & attempt_ok & (degree_ok | degree_unknown)).to_numpy()
    out = pd.DataFrame(
        {
            "row": m["row"],
            "entry": m["entry"],
            "attempt_rank": (m["attempt"] & ~m["e_attempt_listed"].astype(bool)).astype(int),
            "kind": np.where(definite, "definite", "conditional"),
            "citation": m["e_citation"],
            "needs": needs.fillna(""),
            "if_description": if_desc.fillna(""),
            "unless_description": unless_desc.fillna(""),
        }
    )[keep]
    return out.astype(_PAIR_COLUMNS)


def _settle(pairs: pd.DataFrame, descriptions: pd.Series) -> pd.DataFrame:
    """Pairs after reading each row's description (``descriptions`` is indexed by ``row``).

    A description matching an entry's ``unless_description`` (and not its ``if_description``)
    drops the pair; a conditional pair whose description matches ``if_description`` (and not
    ``unless_description``) becomes definite.  Each pattern is tried once per distinct description.
    """
    pairs = pairs.assign(description=descriptions.reindex(pairs["row"].to_numpy()).to_numpy())
    pairs["description"] = pairs["description"].astype("string").fillna("")
    hit_if = np.zeros(len(pairs), dtype=bool)
    hit_unless = np.zeros(len(pairs), dtype=bool)
    for col, hit in (("if_description", hit_if), ("unless_description", hit_unless)):
        for pattern, group in pairs[pairs[col].ne("")].groupby(col):
            found = group["description"].str.contains(pattern, case=False, regex=True)
            hit[pairs.index.get_indexer(group.index)] = found.to_numpy(dtype=bool)
    drop = hit_unless & ~hit_if
    promote = pairs["kind"].eq("conditional").to_numpy() & hit_if & ~hit_unless
    pairs = pairs.assign(by_description=promote)
    pairs.loc[promote, "kind"] = "definite"
    return pairs[~drop]


def _summarise(pairs: pd.DataFrame, n: int) -> pd.DataFrame:
    """One row per unit: ``matched`` (definite), ``possible`` (only conditional), the first
    definite citation (else the first conditional one), ``needs`` and ``by_description``."""
    pairs = pairs.sort_values(["row", "attempt_rank", "entry"], kind="mergesort")
    matched = np.zeros(n, dtype=bool)
    possible = np.zeros(n, dtype=bool)
    by_description = np.zeros(n, dtype=bool)
    citation = pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string")
    needs = pd.Series("", index=pd.RangeIndex(n), dtype="string")
    for kind in ("definite", "conditional"):
        part = pairs[pairs["kind"].eq(kind)]
        if part.empty:
            continue
        first = part.groupby("row").first()
        rows = first.index.to_numpy()
        if kind == "definite":
            matched[rows] = True
            if "by_description" in part:
                settled = part.groupby("row")["by_description"].all()
                by_description[settled.index.to_numpy()] = settled.to_numpy(dtype=bool)
        else:
            possible[rows] = True
            needs.iloc[rows] = first["needs"].to_numpy()
        citation = citation.fillna(first["citation"].reindex(citation.index))
    possible &= ~matched
    needs = needs.where(pd.Series(possible), "")
    return pd.DataFrame(
        {
            "matched": matched,
            "possible": possible,
            "citation": citation.to_numpy(),
            "needs": needs.to_numpy(),
            "by_description": by_description,
        }
    ).astype({"citation": "string", "needs": "string"})


def list_matches(
    parsed: pd.DataFrame,
    list_name: str,
    *,
    attempts: AttemptMode = "always",
    via_enhancements: bool = True,
    descriptions: pd.Series | None = None,
) -> pd.DataFrame:
    """Per row: ``matched`` (definitely on the list), ``possible``, the ``citation`` involved,
    ``needs`` (the fact a possible match lacks) and ``by_description``.

    ``possible`` is True when only a conditional item matches (the data lack a fact the statute
    requires, e.g. PC 667.5(c)(21) first-degree burglary with a person present) or the list names a
    degree the row does not record (burglary with no degree).  With ``descriptions`` (CDCR's offense
    description of each row, same index) a description that states the fact settles it: PC 220
    described as an assault with intent to commit a sex offense is sex-registrable
    (``by_description``), one described as an assault to commit mayhem is not.  ``citation`` is the
    first matching item's citation in table order (definite matches first; ``<NA>`` when nothing
    matches).  Matching rules are in the module docstring.
    """
    inverse, p = factorize_codes(parsed)
    entries = _list_entries(list_name, via_enhancements=via_enhancements)
    pairs = _pairs(p, entries, attempts)
    patterned = pairs["if_description"].ne("") | pairs["unless_description"].ne("")
    if descriptions is None or not patterned.any():
        return broadcast(_summarise(pairs, len(p)), inverse, parsed.index)
    # Rows whose code has patterned entries are read with their description: one unit per
    # distinct (code, description).
    text = pd.Series(descriptions, dtype="string").fillna("").to_numpy()
    units = pd.DataFrame({"code": inverse, "description": text})
    unit_id, distinct = pd.factorize(pd.MultiIndex.from_frame(units))
    unit_code = distinct.get_level_values(0).to_numpy()
    unit_text = pd.Series(distinct.get_level_values(1), dtype="string")
    by_code = pd.DataFrame({"unit": np.arange(len(unit_code)), "row": unit_code})
    unit_pairs = by_code.merge(pairs, on="row").drop(columns="row").rename(columns={"unit": "row"})
    settled = _settle(unit_pairs.reset_index(drop=True), unit_text)
    return broadcast(_summarise(settled, len(unit_code)), unit_id, parsed.index)


def in_statutory_list(
    parsed: pd.DataFrame,
    list_name: str,
    *,
    include_conditional: bool = False,
    attempts: AttemptMode = "always",
    via_enhancements: bool = True,
    descriptions: pd.Series | None = None,
) -> pd.Series:
    """True where the offense is on statutory list ``list_name``.

    Lists: ``serious`` (PC 1192.7(c)), ``violent`` (PC 667.5(c)), ``super_strike``
    (PC 667(e)(2)(C)(iv)), ``sex_registrable`` (PC 290(c)), ``homicide`` and ``robbery`` (project
    sets citing the Penal Code chapters).  A listed section matches its attempts (see ``attempts``)
    and its degree variants, except burglary: only first-degree burglary and its attempt match the
    first-degree items, never second-degree burglary.  Items the data can only partly show
    (``detect = conditional``) count only with ``include_conditional=True`` or when ``descriptions``
    settle them; items decided by the sentence (life terms) are never matched here.  Full rules in
    the module docstring.
    """
    lm = list_matches(
        parsed,
        list_name,
        attempts=attempts,
        via_enhancements=via_enhancements,
        descriptions=descriptions,
    )
    out = lm["matched"] | (lm["possible"] if include_conditional else False)
    return out.astype(bool).rename(list_name)


def in_sections(
    parsed: pd.DataFrame, keys: list[str], *, attempts: AttemptMode = "always"
) -> pd.Series:
    """True where the offense matches any of ``keys`` (a county-configured list).

    Keys are canonical offense keys, optionally with a degree or a family wildcard:
    ``"PC211"`` (robbery, any degree, and its attempts), ``"PC245(a)"`` (and ``(a)(1)``...),
    ``"PC459 2nd"``, ``"PC12022*"`` (PC 12022 and every PC 12022.x section).  Same semantics as
    :func:`in_statutory_list`, including the burglary exception: ``"PC459"`` means first-degree
    burglary.  ``attempts="statute"`` behaves like ``"never"`` here (county keys carry no
    attempt flag).  An empty key list matches nothing.
    """
    if len(keys) == 0:
        return pd.Series(False, index=parsed.index, name="in_sections")
    inverse, p = factorize_codes(parsed)
    pairs = _pairs(p, _plain_entries(keys), attempts)
    hit = np.zeros(len(p), dtype=bool)
    hit[pairs.loc[pairs["kind"].eq("definite"), "row"].to_numpy()] = True
    return pd.Series(hit[inverse], index=parsed.index, name="in_sections")
