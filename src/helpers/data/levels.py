"""Offense levels of parsed offense codes: the explicit table first, then a documented fallback.

Input is a frame of *parsed* offense codes (``code``, ``section``, ``subdivision``, ``degree``,
``attempt``, as :func:`helpers.data.codes.parse_offense_codes` writes them); results keep its index.

1. **Explicit** (``level_source = explicit``): ``data/reference/offenses.csv``, one cited guideline
   mapping per California section (and subdivision or degree where the mapping differs).  Lookup goes
   from the most specific row to the least: key + degree, key, the longest matching subdivision prefix
   (``PC245(a)(9)`` falls back to ``PC245``), then the bare section.
2. **Fallback** (``level_source = fallback``): a code the table lacks but California DOJ's statute
   code table (``ca_doj_statute_codes.csv``) knows gets the level of its DOJ entry (longest matching
   subdivision prefix; a felony entry before a misdemeanor, one in force before a repealed one, the
   most serious first):

   * a felony ranked in DOJ's hierarchy (Bureau of Criminal Statistics code below 100,000, lower =
     more serious) gets the median explicit level of the explicitly levelled felonies in its hierarchy
     band (:data:`BAND_WIDTH` codes wide), widened band by band until it holds
     :data:`MIN_CALIBRATION` of them;
   * a felony outside the ranking (federal and out-of-hierarchy codes) gets the median explicit level
     of the felonies of its offense category;
   * a misdemeanor gets :data:`MISDEMEANOR_LEVEL` (a Class A misdemeanor, USSG §2X5.2) and an
     infraction :data:`INFRACTION_LEVEL` (the guidelines do not apply to infractions, §1B1.9);
   * DOJ's "other" codes (charge type X: probation and parole violations, warrants, registrations)
     are proceedings, not offenses, and get no fallback level.

   The category comes from the statute's family (``statute_families.csv``: the code's part, title or
   chapter, refined by DOJ's wording).
3. **None** (``level_source = none``): no level; ``category`` is ``Unclassified`` and ``level_basis``
   names the code that was not found, so an unknown code is always visible.

Attempts: attempted murder takes its own guideline, §2A2.1: level 33, or 27 when the data say second
degree.  Any other attempt is the completed offense's level minus 3 (§2X1.1), never below 1.
Enhancement rows of the explicit table carry the levels they *add*, not an offense level, and are not
attempt-adjusted.

:func:`level_coverage` counts the rows and people of a dataset levelled each way (recorded in the
ingest manifest); :func:`doj_coverage` measures the offense table against the DOJ vocabulary (the
offense page of the book).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS
from helpers.data.reference import data_dir, doj_statute_codes, offense_table, statute_families

UNCLASSIFIED = "Unclassified"
ATTEMPTED_MURDER_LEVEL = 33
ATTEMPTED_MURDER_2ND_LEVEL = 27
ATTEMPT_REDUCTION = 3
#: Levels of the fallback (see the module docstring).
MISDEMEANOR_LEVEL = 6
INFRACTION_LEVEL = 1
BAND_WIDTH = 1000
MIN_CALIBRATION = 3
MAX_WIDEN = 10
OTHER_HIERARCHY = 100_000
LEVEL_SOURCES = ("explicit", "fallback", "none")
#: How many unscored codes coverage reports list.
TOP_UNSCORED = 20
CHARGE_WORDS = {"F": "felony", "M": "misdemeanor", "I": "infraction", "X": "other"}

_DEGREE_ALIASES = {"first": "1st", "second": "2nd", "1": "1st", "2": "2nd"}
_DOJ_STATUTE_RE = re.compile(
    r"^(?:(?P<title>\d+)\s+)?(?P<section>\d+(?:\.\d+)*[A-Z]{0,3}(?:\.\d+)?)"
    r"(?P<parens>(?:\([0-9A-Z]+\))*)(?P<rest>.*)$"
)
_DOJ_DEGREES = (
    (re.compile(r"FIRST DEG|1ST DEG"), "1st"),
    (re.compile(r"SECOND DEG|SEC DEG|2ND DEG"), "2nd"),
)


# --------------------------------------------------------------------------------------------------
# Normalisation shared by the level lookup and the list matching
# --------------------------------------------------------------------------------------------------


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("").str.strip()


def normalise_codes(parsed: pd.DataFrame) -> pd.DataFrame:
    """Canonical parsed frame: code upper, section/subdivision/degree lower, attempt bool.

    Missing ``subdivision``/``degree`` columns count as empty and a missing ``attempt`` as False.
    """
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


def factorize_codes(parsed: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Distinct offense codes of ``parsed`` (normalised) and each row's position among them.

    Real data repeat a few hundred codes across hundreds of thousands of rows, so the lookups do
    their string work once per distinct code and :func:`broadcast` the result back.
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
    return inverse.reshape(-1), normalise_codes(parsed.iloc[first].reset_index(drop=True))


def broadcast(result: pd.DataFrame, inverse: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Expand a per-distinct-code result to the original rows."""
    out = result.iloc[inverse]
    out.index = index
    return out


def code_key(p: pd.DataFrame) -> pd.Series:
    """Readable key of a normalised row, e.g. ``PC459 2nd (attempt)``."""
    key = p["code"] + p["section"] + p["subdivision"]
    key = key.where(p["degree"].eq(""), key + " " + p["degree"])
    return key.where(~p["attempt"], key + " (attempt)")


def _prefix(sub: pd.Series, depth: int) -> pd.Series:
    """The first ``depth`` parenthesised groups of each subdivision ('' for depth 0)."""
    if depth == 0:
        return pd.Series("", index=sub.index, dtype="string")
    return sub.str.extract(rf"^((?:\([^()]*\)){{0,{depth}}})", expand=False).fillna("")


# --------------------------------------------------------------------------------------------------
# The explicit table
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _explicit_lookup(directory: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Offense table of ``directory`` and its ``code|section|subdivision|degree`` -> row position."""
    table = offense_table(directory)
    table_key = table["code"] + "|" + table["section"] + "|" + table["subdivision"] + "|"
    lookup = pd.Series(np.arange(len(table)), index=table_key + table["degree"])
    return table, lookup[~lookup.index.duplicated()]


def _lookup_positions(p: pd.DataFrame, lookup: pd.Series, degrees: bool) -> pd.Series:
    """Row position in a lookup of each code, most specific key first (<NA> when none)."""
    base = p["code"] + "|" + p["section"] + "|"
    pos = pd.Series(pd.NA, index=p.index, dtype="Int64")
    max_depth = int(p["subdivision"].str.count(r"\(").max()) if len(p) else 0
    for depth in range(max_depth, -1, -1):
        prefix = _prefix(p["subdivision"], depth)
        for degree in (p["degree"], "") if degrees else ("",):
            todo = pos.isna()
            if not todo.any():
                return pos
            hit = (base + prefix + "|" + degree)[todo].map(lookup)
            pos = pos.fillna(hit.astype("Int64"))
    return pos


def _explicit(p: pd.DataFrame, directory: Path) -> pd.DataFrame:
    """Explicit-table columns for each distinct code (NA where the table has no row)."""
    table, lookup = _explicit_lookup(directory)
    pos = _lookup_positions(p, lookup, degrees=True)
    matched = pos.notna()
    idx = pos.fillna(0).astype(int).to_numpy()

    def pick(col: str) -> pd.Series:
        return pd.Series(table[col].to_numpy()[idx], index=p.index).where(matched)

    key = table["offense_key"].where(
        table["degree"].eq(""), table["offense_key"] + " " + table["degree"]
    )
    return pd.DataFrame(
        {
            "federal_level": pick("federal_level").astype("Int64"),
            "category": pick("category").astype("string"),
            "guideline_section": pick("guideline_section").astype("string"),
            "level_basis": pick("level_basis").astype("string"),
            "matched_key": pd.Series(key.to_numpy()[idx], index=p.index)
            .where(matched)
            .astype("string"),
            "is_enhancement": pick("is_enhancement").astype("boolean").fillna(False).astype(bool),
        },
        index=p.index,
    )


# --------------------------------------------------------------------------------------------------
# The DOJ statute code table and the fallback
# --------------------------------------------------------------------------------------------------


def parse_doj_statutes(table: pd.DataFrame) -> pd.DataFrame:
    """Parsed-code columns of DOJ statute entries (``code`` + ``statute``, degree from the wording).

    ``261(A)(2)`` -> section ``261``, subdivision ``(a)(2)``; ``424(A)1`` -> ``(a)(1)``; a combined
    entry such as ``484(A)/666`` is read as its first statute; federal entries keep their title
    (``18 1111`` -> section ``18 1111``).
    """
    rows = []
    for statute in table["statute"].astype(str):
        m = _DOJ_STATUTE_RE.match(statute.strip().upper())
        if m is None:
            rows.append(("", ""))
            continue
        parens = re.findall(r"\(([0-9A-Z]+)\)", m["parens"])
        rest = re.match(r"^(\d+)", m["rest"])
        if rest:  # "424(A)1": a paragraph written without parentheses
            parens.append(rest.group(1))
        section = m["section"].lower()
        if m["title"]:
            section = f"{m['title']} {section}"
        rows.append((section, "".join(f"({x.lower()})" for x in parens)))
    parts = pd.DataFrame(rows, columns=["section", "subdivision"], index=table.index)
    literal = table["literal"].astype(str).str.upper()
    degree = pd.Series("", index=table.index, dtype="string")
    for pattern, value in _DOJ_DEGREES:
        degree = degree.mask(literal.str.contains(pattern) & degree.eq(""), value)
    out = pd.DataFrame(
        {
            "code": table["code"].astype("string"),
            "section": parts["section"].astype("string"),
            "subdivision": parts["subdivision"].astype("string"),
            "degree": degree,
            "attempt": False,
        },
        index=table.index,
    )
    out["offense_key"] = out["code"] + out["section"] + out["subdivision"]
    return out


def _families(doj: pd.DataFrame, parsed: pd.DataFrame, directory: Path) -> pd.DataFrame:
    """The first family rule that fits each DOJ entry: ``family``, ``category``, ``family_source``."""
    rules = statute_families(directory)
    number = pd.to_numeric(
        parsed["section"].str.extract(r"^(\d+)", expand=False), errors="coerce"
    ).to_numpy()
    literal = doj["literal"].astype(str).str.upper()
    out = pd.DataFrame(
        {"family": pd.NA, "category": pd.NA, "family_source": pd.NA},
        index=doj.index,
        dtype="string",
    )
    for rule in rules.itertuples(index=False):
        todo = out["family"].isna().to_numpy() & (doj["code"] == rule.code).to_numpy()
        if not todo.any():
            continue
        if not pd.isna(rule.section_from):
            todo &= np.nan_to_num(number, nan=-1) >= rule.section_from
        if not pd.isna(rule.section_to):
            todo &= np.nan_to_num(number, nan=-1) <= rule.section_to
        if rule.literal:
            todo &= literal.str.contains(rule.literal, regex=True).to_numpy()
        out.loc[todo, ["family", "category", "family_source"]] = [
            rule.family,
            rule.category,
            rule.source,
        ]
    return out


def _median_level(levels: np.ndarray) -> int:
    return int(np.floor(np.median(levels) + 0.5))


def _band_levels(hierarchy: np.ndarray, calib_h: np.ndarray, calib_level: np.ndarray) -> list:
    """(level, words) of each hierarchy code from the explicitly levelled felonies around it."""
    bands = np.floor(calib_h / BAND_WIDTH).astype(int)
    out: list[tuple[int, str] | None] = []
    cache: dict[int, tuple[int, str] | None] = {}
    for h in hierarchy:
        band = int(h // BAND_WIDTH)
        if band not in cache:
            cache[band] = None
            for widen in range(MAX_WIDEN + 1):
                near = np.abs(bands - band) <= widen
                if near.sum() >= MIN_CALIBRATION:
                    lo, hi = (band - widen) * BAND_WIDTH, (band + widen + 1) * BAND_WIDTH - 1
                    words = (
                        f"median explicit level of the {int(near.sum())} explicitly levelled "
                        f"felonies of DOJ hierarchy {lo:,}-{hi:,}"
                    )
                    cache[band] = (_median_level(calib_level[near]), words)
                    break
        out.append(cache[band])
    return out


def _fallback_words(doj: pd.DataFrame, fam: pd.DataFrame) -> pd.Series:
    """The DOJ entry and family part of a fallback basis."""
    return (
        "; DOJ "
        + doj["code"]
        + " "
        + doj["statute"]
        + " "
        + doj["literal"]
        + " ("
        + doj["charge_type"].map(CHARGE_WORDS)
        + ", hierarchy "
        + doj["bcs_hierarchy"].fillna(-1).astype(int).astype(str).replace("-1", "none")
        + "); family: "
        + fam["family"].fillna("none")
        + " ("
        + fam["family_source"].fillna("no family rule")
        + ")"
    )


@lru_cache(maxsize=8)
def doj_levels(directory: Path | None = None) -> pd.DataFrame:
    """Every DOJ statute entry with its parsed code, explicit level (if any) and fallback level.

    Columns: the DOJ table's, the parsed-code columns (``p_code``, ``p_section``,
    ``p_subdivision``, ``p_degree``), ``explicit_level``, ``explicit_enhancement``, ``family``,
    ``category``, ``fallback_level`` (Int64; <NA> for charge type X) and ``fallback_basis``.
    Callers must not modify the cached result.
    """
    directory = Path(directory or data_dir())
    doj = doj_statute_codes(directory)
    parsed = parse_doj_statutes(doj)
    p = normalise_codes(parsed)
    explicit = _explicit(p, directory)
    fam = _families(doj, p, directory)
    felony = doj["charge_type"].eq("F").to_numpy()
    levelled = explicit["federal_level"].notna().to_numpy() & ~explicit["is_enhancement"].to_numpy()
    hierarchy = doj["bcs_hierarchy"].to_numpy(dtype="float64")
    ranked = ~np.isnan(hierarchy) & (hierarchy < OTHER_HIERARCHY)
    calib = felony & levelled & ranked
    calib_level = explicit["federal_level"].to_numpy(dtype="float64", na_value=np.nan)

    level = pd.Series(pd.NA, index=doj.index, dtype="Int64")
    words = pd.Series(pd.NA, index=doj.index, dtype="string")
    band_rows = np.flatnonzero(felony & ranked)
    for i, found in zip(
        band_rows,
        _band_levels(hierarchy[band_rows], hierarchy[calib], calib_level[calib]),
        strict=True,
    ):
        if found is not None:
            level.iloc[i], words.iloc[i] = found
    by_category = pd.Series(calib_level[felony & levelled]).groupby(
        explicit["category"].to_numpy()[felony & levelled]
    )
    category_level = by_category.median().map(lambda v: int(np.floor(v + 0.5)))
    category_n = by_category.size()
    rest = felony & level.isna().to_numpy()
    cats = fam["category"].to_numpy(dtype=object)
    for i in np.flatnonzero(rest):
        if cats[i] in category_level.index:
            level.iloc[i] = int(category_level[cats[i]])
            words.iloc[i] = (
                f"median explicit level of the {int(category_n[cats[i]])} explicitly levelled "
                f"felonies of the category {cats[i]} (no DOJ seriousness rank)"
            )
    misd = doj["charge_type"].eq("M").to_numpy()
    infr = doj["charge_type"].eq("I").to_numpy()
    level[misd] = MISDEMEANOR_LEVEL
    words[misd] = f"misdemeanor: level {MISDEMEANOR_LEVEL}, a Class A misdemeanor (§2X5.2)"
    level[infr] = INFRACTION_LEVEL
    words[infr] = (
        f"infraction: level {INFRACTION_LEVEL}, the lowest (the guidelines do not apply to "
        "infractions, §1B1.9)"
    )
    basis = ("fallback: " + words + _fallback_words(doj, fam)).where(level.notna())
    return pd.concat(
        [
            doj,
            parsed.add_prefix("p_")[["p_code", "p_section", "p_subdivision", "p_degree"]],
            pd.DataFrame(
                {
                    "explicit_level": explicit["federal_level"],
                    "explicit_enhancement": explicit["is_enhancement"],
                    "family": fam["family"],
                    "category": fam["category"].fillna(UNCLASSIFIED),
                    "fallback_level": level,
                    "fallback_basis": basis.astype("string"),
                },
                index=doj.index,
            ),
        ],
        axis=1,
    )


@lru_cache(maxsize=8)
def _fallback_lookup(directory: Path) -> tuple[pd.DataFrame, pd.Series]:
    """DOJ entries with a fallback level and their ``code|section|prefix|`` -> row position, the
    representative entry of each key first (felony, in force, most serious)."""
    table = doj_levels(directory)
    table = table[table["fallback_level"].notna()].copy()
    rank = table["charge_type"].map({"F": 0, "M": 1, "I": 2})
    table = table.assign(_rank=rank, _repealed=~table["in_force"])
    table = table.sort_values(["_rank", "_repealed", "bcs_hierarchy", "doj_offense_code"])
    table = table.reset_index(drop=True)
    keys, positions = [], []
    sub = table["p_subdivision"].astype(str)
    base = table["p_code"].astype(str) + "|" + table["p_section"].astype(str) + "|"
    depth = sub.str.count(r"\(")
    for d in range(int(depth.max()) + 1 if len(table) else 0):
        ok = depth >= d
        prefix = _prefix(sub[ok].astype("string"), d)
        keys.append(base[ok] + prefix + "|")
        positions.append(np.flatnonzero(ok.to_numpy()))
    lookup = pd.Series(np.concatenate(positions), index=pd.concat(keys).to_numpy())
    return table, lookup[~lookup.index.duplicated()]


def _fallback(p: pd.DataFrame, directory: Path) -> pd.DataFrame:
    """Fallback columns for each distinct code (NA where DOJ's table has no levelled entry)."""
    table, lookup = _fallback_lookup(directory)
    pos = _lookup_positions(p, lookup, degrees=False)
    matched = pos.notna()
    idx = pos.fillna(0).astype(int).to_numpy()

    def pick(col: str) -> pd.Series:
        return pd.Series(table[col].to_numpy()[idx], index=p.index).where(matched)

    key = table["p_code"] + table["p_section"] + table["p_subdivision"]
    return pd.DataFrame(
        {
            "federal_level": pick("fallback_level").astype("Int64"),
            "category": pick("category").astype("string"),
            "guideline_section": pd.Series("DOJ fallback", index=p.index, dtype="string").where(
                matched
            ),
            "level_basis": pick("fallback_basis").astype("string"),
            "matched_key": pd.Series(key.to_numpy()[idx], index=p.index)
            .where(matched)
            .astype("string"),
            "is_enhancement": False,
        },
        index=p.index,
    )


# --------------------------------------------------------------------------------------------------
# Offense levels
# --------------------------------------------------------------------------------------------------


def offense_levels(parsed: pd.DataFrame) -> pd.DataFrame:
    """Level and category of each parsed offense: explicit table, else DOJ fallback, else none.

    Returns ``federal_level`` (Int64), ``category``, ``guideline_section``, ``level_basis``,
    ``level_source`` (``explicit``, ``fallback`` or ``none``), ``matched_key`` (table key, with the
    degree when the row is degree-specific, e.g. ``PC187 1st``) and ``is_enhancement``, indexed like
    ``parsed``.  Lookup order, fallback and attempt rules: the module docstring.
    """
    inverse, p = factorize_codes(parsed)
    return broadcast(_offense_levels_unique(p, data_dir()), inverse, parsed.index)


def _offense_levels_unique(p: pd.DataFrame, directory: Path) -> pd.DataFrame:
    """:func:`offense_levels` on a normalised frame of distinct codes."""
    out = _explicit(p, directory)
    explicit = out["federal_level"].notna()
    source = pd.Series(np.where(explicit, "explicit", "none"), index=p.index, dtype="string")
    if (~explicit).any():
        fb = _fallback(p[~explicit], directory)
        found = fb["federal_level"].notna()
        rows = fb.index[found]
        if len(rows):
            out.loc[rows, fb.columns] = fb.loc[rows]
            source[rows] = "fallback"
    matched = source.ne("none")
    level = out["federal_level"].astype("Int64")
    gsec = out["guideline_section"].astype("string")
    basis = out["level_basis"].astype("string")
    is_enh = out["is_enhancement"].astype(bool)

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
    level = level.mask(other, (level - ATTEMPT_REDUCTION).clip(lower=1))
    gsec = gsec.mask(other, "§2X1.1 (" + gsec + ")")
    basis = basis.mask(other, "attempt: " + basis + "; then -3 for an attempt (§2X1.1), floor 1")

    no_code = p["code"].eq("") | p["section"].eq("")
    unmatched = (
        "not in the offense table (data/reference/offenses.csv) or the DOJ statute code table: "
        + code_key(p)
    ).mask(no_code, "no offense code to look up")
    return pd.DataFrame(
        {
            "federal_level": level.astype("Int64"),
            "category": out["category"].astype("string").fillna(UNCLASSIFIED),
            "guideline_section": gsec,
            "level_basis": basis.mask(~matched, unmatched).astype("string"),
            "level_source": source,
            "matched_key": out["matched_key"].astype("string"),
            "is_enhancement": is_enh,
        },
        index=p.index,
    )


# --------------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------------


def _row_sources(
    frame: pd.DataFrame, *, enhancements: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a parsed-code frame: the level source (0 explicit, 1 fallback, 2 none) and the
    readable key's position in the returned keys, both worked out once per distinct code
    (enhancements are levelled only by an explicit enhancement row: an offense level is not an
    increment)."""
    cols = [c for c in OFFENSE_COLUMNS if c in frame and c != "offense_key"]
    inverse, p = factorize_codes(frame[cols])
    found = _offense_levels_unique(p, data_dir())
    source = found["level_source"].map({s: i for i, s in enumerate(LEVEL_SOURCES)})
    source = source.to_numpy(dtype=np.int64)
    if enhancements:
        source = np.where(found["is_enhancement"].to_numpy(dtype=bool), source, 2)
    key = code_key(p).mask(lambda k: k.eq(""), "(blank)")
    if enhancements:
        key = key + " (enhancement)"
    return source[inverse], key.to_numpy(dtype=object)[inverse]


def level_coverage(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """How the offenses of a dataset were levelled: rows and people explicitly, by fallback or not
    at all, and the :data:`TOP_UNSCORED` most frequent codes without a level.

    Rows are offense counts (current and prior) and, separately, enhancements and controlling
    offenses; a person counts as ``none`` with any count, enhancement or controlling offense without
    a level, else ``fallback`` with any fallback, else ``explicit``.  The list of codes counts a
    controlling offense only for people without count rows (otherwise it repeats a count).
    """
    people = tables["people"]
    ids = pd.Index(people["cdcno"].astype("string"))
    worst = np.zeros(len(people), dtype=np.int64)
    counted = np.zeros(len(people), dtype=bool)
    out: dict[str, Any] = {}
    unscored = []
    ctrl = people[[f"controlling_{c}" for c in OFFENSE_COLUMNS]].set_axis(OFFENSE_COLUMNS, axis=1)
    parts = [
        ("rows", tables.get("offenses"), False),
        ("enhancements", tables.get("enhancements"), True),
        ("controlling", ctrl.assign(cdcno=people["cdcno"].to_numpy()), False),
    ]
    for name, frame, enh in parts:
        if frame is None or frame.empty:
            out[name] = dict.fromkeys(LEVEL_SOURCES, 0)
            continue
        if name == "controlling":
            frame = frame[frame["offense_key"].notna().to_numpy()]
        source, key = _row_sources(frame, enhancements=enh)
        who = ids.get_indexer(frame["cdcno"].astype("string"))
        ok = who >= 0
        np.maximum.at(worst, who[ok], source[ok])
        tally = np.bincount(source, minlength=3)
        out[name] = {s: int(tally[i]) for i, s in enumerate(LEVEL_SOURCES)}
        none = source == 2
        if name == "controlling":  # a controlling offense is also a count row
            none &= ~(ok & counted[np.where(ok, who, 0)])
        elif name == "rows":
            counted[who[ok]] = True
        unscored.append(pd.DataFrame({"key": key[none], "who": who[none]}))
    top = (
        pd.concat(unscored, ignore_index=True) if unscored else pd.DataFrame(columns=["key", "who"])
    )
    top = (
        top.groupby("key")
        .agg(rows=("key", "size"), people=("who", "nunique"))
        .sort_values(["rows", "people"], ascending=False, kind="mergesort")
        .head(TOP_UNSCORED)
    )
    people_tally = np.bincount(worst, minlength=3)
    return {
        "rows": out["rows"],
        "enhancements": out["enhancements"],
        "controlling": out["controlling"],
        "people": {s: int(people_tally[i]) for i, s in enumerate(LEVEL_SOURCES)},
        "top_unscored": [
            {"code": str(k), "rows": int(r.rows), "people": int(r.people)}
            for k, r in top.iterrows()
        ],
    }


def doj_coverage(directory: Path | None = None) -> pd.DataFrame:
    """The offense table measured against DOJ's statute code table: per charge type and status
    (in force or repealed), the DOJ entries levelled explicitly, by fallback and not at all, and
    whether every levelled entry has a category and a basis."""
    table = doj_levels(Path(directory or data_dir()))
    explicit = table["explicit_level"].notna()
    fallback = ~explicit & table["fallback_level"].notna()
    frame = pd.DataFrame(
        {
            "charge type": table["charge_type"].map(CHARGE_WORDS),
            "status": np.where(table["in_force"], "in force", "repealed"),
            "explicit": explicit,
            "fallback": fallback,
            "none": ~explicit & ~fallback,
            "categorised": (explicit | fallback) & table["category"].ne(UNCLASSIFIED),
        }
    )
    out = frame.groupby(["charge type", "status"], sort=False).agg(
        entries=("explicit", "size"),
        explicit=("explicit", "sum"),
        fallback=("fallback", "sum"),
        none=("none", "sum"),
        categorised=("categorised", "sum"),
    )
    order = {w: i for i, w in enumerate(CHARGE_WORDS.values())}
    out = out.reset_index()
    out = out.sort_values(
        ["charge type", "status"], key=lambda s: s.map(order) if s.name == "charge type" else s
    )
    out["levelled share"] = ((out["explicit"] + out["fallback"]) / out["entries"]).round(4)
    out["explicit share"] = (out["explicit"] / out["entries"]).round(4)
    return out.reset_index(drop=True)


def unlevelled_doj_entries(directory: Path | None = None) -> pd.DataFrame:
    """The DOJ entries that get no level (explicit or fallback), with DOJ's description."""
    table = doj_levels(Path(directory or data_dir()))
    none = table["explicit_level"].isna() & table["fallback_level"].isna()
    out = table.loc[none, ["code", "statute", "charge_type", "literal", "in_force"]]
    return out.reset_index(drop=True)


COVERAGE_FILE = "offense_coverage.md"


def _markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def coverage_markdown(directory: Path | None = None) -> str:
    """The offense page's coverage section: the DOJ statute code table levelled explicitly, by
    fallback and not at all, by charge type, and the DOJ entries left without a level."""
    table = doj_coverage(directory)
    shown = table.assign(
        **{
            "levelled share": (100 * table["levelled share"]).map("{:.1f} %".format),
            "explicit share": (100 * table["explicit share"]).map("{:.1f} %".format),
        }
    )
    felonies = table[(table["charge type"] == "felony") & (table["status"] == "in force")]
    f = felonies.iloc[0] if len(felonies) else None
    lead = (
        f"Of the {int(f['entries']):,} felony entries in force, {int(f['explicit']):,} "
        f"({100 * f['explicit share']:.1f} %) have an explicit level from the offense table and "
        f"{int(f['fallback']):,} a fallback level; {int(f['none']):,} have none, and "
        f"{int(f['categorised']):,} have an offense category."
        if f is not None
        else "The DOJ table has no felony in force."
    )
    missing = unlevelled_doj_entries(directory).assign(
        charge_type=lambda d: d["charge_type"].map(CHARGE_WORDS),
        in_force=lambda d: np.where(d["in_force"], "in force", "repealed"),
    )
    missing.columns = ["code", "statute", "charge type", "DOJ description", "status"]
    return (
        f"{lead}\n\n{_markdown_table(shown)}\n\n"
        f"The {len(missing)} DOJ entries without a level are proceedings and status codes (charge "
        "type X: probation and parole violations, warrants, registrations), not offenses; an "
        "offense row carrying one of them is listed among the unscored codes of the data.\n\n"
        f"{_markdown_table(missing)}\n"
    )


def write_coverage_page(folder: Path) -> Path:
    """Write :func:`coverage_markdown` to ``folder/offense_coverage.md`` (the offense page
    includes it from ``book/generated``)."""
    path = Path(folder) / COVERAGE_FILE
    path.write_text(coverage_markdown(), encoding="utf-8")
    return path
