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

from helpers.data.reference import LIST_NAMES, data_dir, offense_table, statutory_lists

AttemptMode = Literal["always", "statute", "never"]

UNCLASSIFIED = "Unclassified"
ATTEMPTED_MURDER_LEVEL = 33
ATTEMPTED_MURDER_2ND_LEVEL = 27
ATTEMPT_REDUCTION = 3
BURGLARY = ("PC", "459")

_DEGREE_ALIASES = {"first": "1st", "second": "2nd", "1": "1st", "2": "2nd"}
_KEY_RE = (
    r"^\s*(?P<code>[A-Za-z]+)\s*(?P<section>\d+(?:\.\d+)?[A-Za-z]*)(?P<star>\*?)"
    r"(?P<subdivision>(?:\([0-9A-Za-z]+\))*)\s*(?P<degree>1st|2nd)?\s*$"
)


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------


def _text(s: pd.Series) -> pd.Series:
    """String Series with NA -> '' and surrounding whitespace removed."""
    return s.astype("string").fillna("").str.strip()


def _normalise(parsed: pd.DataFrame) -> pd.DataFrame:
    """Canonical parsed frame: code upper, section/subdivision/degree lower, attempt bool."""
    missing = [c for c in ("code", "section") if c not in parsed.columns]
    if missing:
        raise KeyError(f"parsed offense frame lacks columns {missing}")
    empty = pd.Series("", index=parsed.index, dtype="string")
    sub = _text(parsed["subdivision"]) if "subdivision" in parsed else empty
    deg = _text(parsed["degree"]).str.lower() if "degree" in parsed else empty
    deg = deg.replace(_DEGREE_ALIASES)
    if "attempt" in parsed:
        attempt = parsed["attempt"].astype("boolean").fillna(False).astype(bool)
    else:
        attempt = pd.Series(False, index=parsed.index)
    return pd.DataFrame(
        {
            "code": _text(parsed["code"]).str.upper(),
            "section": _text(parsed["section"]).str.lower(),
            "subdivision": sub.str.lower().str.replace(r"\s+", "", regex=True),
            "degree": deg,
            "attempt": attempt,
        },
        index=parsed.index,
    )


def _factorize(parsed: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Distinct offense codes of ``parsed`` (normalised) and each row's position among them.

    Real data repeat a few hundred codes across hundreds of thousands of rows, so every function
    here does its string work once per distinct code and broadcasts the result back.
    """
    n = len(parsed)
    combined = np.zeros(n, dtype=np.int64)
    for col in ("code", "section", "subdivision", "degree", "attempt"):
        if col not in parsed.columns:
            continue
        codes, uniques = pd.factorize(parsed[col], use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
        combined = pd.factorize(combined)[0].astype(np.int64)  # keep the product small
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.reshape(-1), _normalise(parsed.iloc[first].reset_index(drop=True))


def _broadcast(result: pd.DataFrame, inverse: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Expand a per-distinct-code result to the original rows."""
    out = result.iloc[inverse]
    out.index = index
    return out


def _raw_key(p: pd.DataFrame) -> pd.Series:
    """Readable key of a normalised row, e.g. ``PC459 2nd (attempt)``."""
    key = p["code"] + p["section"] + p["subdivision"]
    key = key.where(p["degree"].eq(""), key + " " + p["degree"])
    return key.where(~p["attempt"], key + " (attempt)")


# --------------------------------------------------------------------------------------------------
# Offense levels
# --------------------------------------------------------------------------------------------------


def _prefix(sub: pd.Series, depth: int) -> pd.Series:
    """The first ``depth`` parenthesised groups of each subdivision ('' for depth 0)."""
    if depth == 0:
        return pd.Series("", index=sub.index, dtype="string")
    return sub.str.extract(rf"^((?:\([^()]*\)){{0,{depth}}})", expand=False).fillna("")


def offense_levels(parsed: pd.DataFrame) -> pd.DataFrame:
    """Adapted federal-guideline level and category for each parsed offense.

    Returns ``federal_level`` (Int64), ``category``, ``guideline_section``, ``level_basis``,
    ``matched_key`` (table key, with degree when the row is degree-specific, e.g. ``PC187 1st``)
    and ``is_enhancement``, indexed like ``parsed``.

    Lookup order, most specific first: key + degree; key; code + section with the longest matching
    subdivision prefix (degree-specific row first at each step); code + section alone.  So
    ``PC245(a)(1)`` uses its own row, ``PC245(a)(9)`` falls back to ``PC245``, and ``PC187`` with no
    degree uses the table's degree-less row (second degree, PC 1157).

    Attempts: attempted murder (attempt of PC 187) takes its own guideline, §2A2.1: level 33, or 27
    when the data say second degree.  Any other attempt is the completed offense's level minus 3
    (§2X1.1), never below 1.  Enhancement rows are not attempt-adjusted; their level is the
    guideline *increment* (levels added), not an offense level.

    Unmatched codes get ``federal_level`` <NA>, category ``Unclassified`` and a ``level_basis``
    naming the code that was not found.
    """
    inverse, p = _factorize(parsed)
    return _broadcast(_offense_levels_unique(p), inverse, parsed.index)


@lru_cache(maxsize=8)
def _level_lookup(directory: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Offense table of ``directory`` and its ``code|section|subdivision|degree`` -> row-position
    lookup."""
    table = offense_table(directory)
    table_key = table["code"] + "|" + table["section"] + "|" + table["subdivision"] + "|"
    lookup = pd.Series(np.arange(len(table)), index=table_key + table["degree"])
    return table, lookup[~lookup.index.duplicated()]


def _offense_levels_unique(p: pd.DataFrame) -> pd.DataFrame:
    """:func:`offense_levels` on a normalised frame of distinct codes."""
    table, lookup = _level_lookup(data_dir())

    base = p["code"] + "|" + p["section"] + "|"
    pos = pd.Series(pd.NA, index=p.index, dtype="Int64")
    max_depth = int(p["subdivision"].str.count(r"\(").max()) if len(p) else 0
    for depth in range(max_depth, -1, -1):
        prefix = _prefix(p["subdivision"], depth)
        for degree in (p["degree"], ""):
            todo = pos.isna()
            if not todo.any():
                break
            hit = (base + prefix + "|" + degree)[todo].map(lookup)
            pos = pos.fillna(hit.astype("Int64"))

    matched = pos.notna()
    idx = pos.fillna(0).astype(int).to_numpy()

    def pick(col: str) -> pd.Series:
        values = table[col].to_numpy()[idx]
        return pd.Series(values, index=p.index).where(matched)

    level = pick("federal_level").astype("Int64")
    gsec = pick("guideline_section").astype("string")
    basis = pick("level_basis").astype("string")
    category = pick("category").astype("string").fillna(UNCLASSIFIED)
    is_enh = pick("is_enhancement").astype("boolean").fillna(False).astype(bool)
    key = table["offense_key"].where(
        table["degree"].eq(""), table["offense_key"] + " " + table["degree"]
    )
    matched_key = pd.Series(key.to_numpy()[idx], index=p.index).where(matched).astype("string")

    attempt = p["attempt"] & matched & ~is_enh
    murder = attempt & p["code"].eq("PC") & p["section"].eq("187")
    murder_2nd = murder & p["degree"].eq("2nd")
    other = attempt & ~murder

    level = level.mask(murder, ATTEMPTED_MURDER_LEVEL).mask(murder_2nd, ATTEMPTED_MURDER_2ND_LEVEL)
    gsec = gsec.mask(murder, "§2A2.1")
    basis = basis.mask(
        murder,
        "attempted murder: 33 (§2A2.1(a)(1), the intended killing would be first-degree murder)",
    ).mask(murder_2nd, "attempted second-degree murder: 27 (§2A2.1(a)(2))")

    reduced = (level - ATTEMPT_REDUCTION).clip(lower=1)
    level = level.mask(other, reduced)
    gsec = gsec.mask(other, "§2X1.1 (" + gsec + ")")
    basis = basis.mask(other, "attempt: " + basis + "; then -3 for an attempt (§2X1.1), floor 1")

    no_code = p["code"].eq("") | p["section"].eq("")
    unmatched_basis = (
        "not in the offense table (data/reference/offenses.csv): " + _raw_key(p)
    ).mask(no_code, "no offense code to look up")
    basis = basis.mask(~matched, unmatched_basis)

    return pd.DataFrame(
        {
            "federal_level": level.astype("Int64"),
            "category": category,
            "guideline_section": gsec,
            "level_basis": basis.astype("string"),
            "matched_key": matched_key,
            "is_enhancement": is_enh,
        },
        index=p.index,
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
    "attempt_listed",
    "kind",
    "citation",
]


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
            parsed = parse_offense_keys(enh["key"].str.strip().tolist())
            parsed["attempt_listed"] = False
            parsed["kind"] = "definite"
            parsed["citation"] = enh["citation"].to_numpy()
            frames.append(parsed[_ENTRY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def _pairs(p: pd.DataFrame, entries: pd.DataFrame, attempts: AttemptMode) -> pd.DataFrame:
    """Matching (row, entry) pairs with ``kind`` definite/conditional and the entry's citation."""
    if attempts not in ("always", "statute", "never"):
        raise ValueError(f"attempts must be 'always', 'statute' or 'never', not {attempts!r}")
    rows = p.reset_index(drop=True).rename_axis("row").reset_index()
    rows["family_section"] = rows["section"].str.split(".", n=1).str[0]
    e = entries.reset_index(drop=True).rename_axis("entry").reset_index()
    e = e.rename(columns={c: f"e_{c}" for c in e.columns if c != "entry"})
    is_family = e["e_family"].to_numpy(dtype=bool)
    m = rows.merge(e[~is_family], left_on=["code", "section"], right_on=["e_code", "e_section"])
    if is_family.any():
        family = rows.merge(
            e[is_family], left_on=["code", "family_section"], right_on=["e_code", "e_section"]
        )
        m = pd.concat([m, family], ignore_index=True)
    if m.empty:
        return pd.DataFrame(
            {
                "row": pd.Series(dtype="int64"),
                "entry": pd.Series(dtype="int64"),
                "attempt_rank": pd.Series(dtype="int64"),
                "kind": pd.Series(dtype="string"),
                "citation": pd.Series(dtype="string"),
            }
        )

    row_sub = m["subdivision"].to_numpy(dtype=str)
    entry_sub = m["e_subdivision"].to_numpy(dtype=str)
    sub_ok = (entry_sub == "") | np.strings.startswith(row_sub, entry_sub)

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

    base_ok = sub_ok & attempt_ok
    kind = pd.Series(
        np.where(degree_ok & m["e_kind"].eq("definite"), "definite", "conditional"), index=m.index
    )
    keep = base_ok & (degree_ok | degree_unknown)
    return pd.DataFrame(
        {
            "row": m["row"],
            "entry": m["entry"],
            "attempt_rank": (m["attempt"] & ~m["e_attempt_listed"].astype(bool)).astype(int),
            "kind": kind,
            "citation": m["e_citation"].astype("string"),
        }
    )[keep.to_numpy()]


def list_matches(
    parsed: pd.DataFrame,
    list_name: str,
    *,
    attempts: AttemptMode = "always",
    via_enhancements: bool = True,
) -> pd.DataFrame:
    """Per row: ``matched`` (definitely on the list), ``possible`` and the ``citation`` involved.

    ``possible`` is True when only a conditional item matches (the data lack a fact the statute
    requires, e.g. PC 667.5(c)(21) first-degree burglary with a person present) or the list names a
    degree the row does not record (burglary with no degree).  ``citation`` is the first matching
    item's citation in table order (definite matches first; ``<NA>`` when nothing matches).
    Matching rules are in the module docstring.
    """
    inverse, p = _factorize(parsed)
    entries = _list_entries(list_name, via_enhancements=via_enhancements)
    pairs = _pairs(p, entries, attempts)
    # Cite the item that names the attempt first for attempts (e.g. 667.5(c)(12) attempted murder).
    pairs = pairs.sort_values(["row", "attempt_rank", "entry"])
    n = len(p)
    first = pairs.groupby(["row", "kind"])["citation"].first()
    definite = first.xs("definite", level="kind") if "definite" in pairs["kind"].values else None
    conditional = (
        first.xs("conditional", level="kind") if "conditional" in pairs["kind"].values else None
    )
    citation = pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string")
    matched = np.zeros(n, dtype=bool)
    possible = np.zeros(n, dtype=bool)
    if definite is not None:
        matched[definite.index.to_numpy()] = True
        citation = citation.fillna(definite.reindex(citation.index))
    if conditional is not None:
        possible[conditional.index.to_numpy()] = True
        citation = citation.fillna(conditional.reindex(citation.index))
    possible &= ~matched
    result = pd.DataFrame(
        {"matched": matched, "possible": possible, "citation": citation.to_numpy()}
    ).astype({"citation": "string"})
    return _broadcast(result, inverse, parsed.index)


def in_statutory_list(
    parsed: pd.DataFrame,
    list_name: str,
    *,
    include_conditional: bool = False,
    attempts: AttemptMode = "always",
    via_enhancements: bool = True,
) -> pd.Series:
    """True where the offense is on statutory list ``list_name``.

    Lists: ``serious`` (PC 1192.7(c)), ``violent`` (PC 667.5(c)), ``super_strike``
    (PC 667(e)(2)(C)(iv)), ``sex_registrable`` (PC 290(c)), ``homicide`` and ``robbery`` (project
    sets citing the Penal Code chapters).  A listed section matches its attempts (see ``attempts``)
    and its degree variants, except burglary: only first-degree burglary and its attempt match the
    first-degree items, never second-degree burglary.  Items the data can only partly show
    (``detect = conditional``) count only with ``include_conditional=True``; items decided by the
    sentence (life terms) are never matched here.  Full rules in the module docstring.
    """
    lm = list_matches(parsed, list_name, attempts=attempts, via_enhancements=via_enhancements)
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
    inverse, p = _factorize(parsed)
    entries = parse_offense_keys(keys).assign(attempt_listed=False, kind="definite", citation="")
    pairs = _pairs(p, entries[_ENTRY_COLUMNS], attempts)
    hit = np.zeros(len(p), dtype=bool)
    hit[pairs.loc[pairs["kind"].eq("definite"), "row"].to_numpy()] = True
    return pd.Series(hit[inverse], index=parsed.index, name="in_sections")
