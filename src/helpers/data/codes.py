"""Parsers for the strings CDCR writes: offense codes and sentence lengths.

Both parsers are vectorised: they parse each *distinct* string once (real files repeat a few thousand
distinct values over millions of rows) and map the result back.

Offense codes
    ``PC187``, ``PC187 2nd``, ``PC187(664)``, ``PC664/187``, ``PC211/att``, ``PC459 2nd``,
    ``PC212.5(c)``, ``PC245(a)(1)``, ``PC273a(a)``, ``HS11352(a)``, ``VC23152(a)``, ``PC12022.53(d)``
    → ``code`` (PC/HS/VC/…), ``section`` (``187``, ``273a``), ``subdivision`` (``(a)(1)``, lower case),
    ``degree`` (``1st``/``2nd``/``""``), ``attempt`` (PC 664 written as ``(664)``, ``664/`` or ``/att``)
    and ``offense_key`` = code + section + subdivision.  A letter directly after the section digits is
    part of the section (PC 273a, PC 273ab, PC 496d), as in the codes themselves.  Older CDCR records
    write the code with one letter (``P187``, ``H11377``, ``V23152``, ``B4324``, ``W3051``) and some
    files use the legislature's abbreviations (``PEN``, ``HSC``, ``VEH``, ``BPC``, ``WIC``): both are read
    as the two-letter codes of the rest of the data (:data:`CODE_ALIASES`).

Sentence strings
    ``35 Years``, ``81 Years 8 Months``, ``1 Year``, ``8 Months``, ``25 Years 0 Months-to-Life``,
    ``Life with Parole``, ``LWOP``, ``Condemned``, ``Stayed`` → ``months`` (the determinate term or the
    minimum term of a life sentence), ``life``, ``lwop``, ``condemned``, ``stayed``; ``error`` holds a
    reason for strings that cannot be read (and is empty otherwise).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

OFFENSE_COLUMNS = ["code", "section", "subdivision", "degree", "attempt", "offense_key"]
#: Code prefixes written otherwise, read as the two-letter codes of CDCR and DOJ records.
CODE_ALIASES: dict[str, str] = {
    "P": "PC",
    "H": "HS",
    "V": "VC",
    "B": "BP",
    "W": "WI",
    "PEN": "PC",
    "HSC": "HS",
    "VEH": "VC",
    "BPC": "BP",
    "WIC": "WI",
}

_OFFENSE_RE = re.compile(
    r"""^\s*
    (?P<code>[A-Z]{1,4})\s*\.?\s*
    (?P<pre>664\s*[/.\-]\s*)?                 # attempt written before the section: PC664/187
    (?P<section>\d+(?:\.\d+)*[A-Z]{0,2})     # 187, 212.5, 273A, 273AB, 12022.53
    (?P<parens>(?:\s*\(\s*[0-9A-Z]{1,4}\s*\))*) # (a)(1), possibly (664)
    \s*(?P<post>/\s*ATT\.?|/\s*664)?          # PC211/att
    \s*(?P<degree>1ST|2ND|3RD|FIRST|SECOND)?(?:\s*DEG(?:REE)?\.?)?
    \s*$""",
    re.VERBOSE,
)
_DEGREES = {"1ST": "1st", "FIRST": "1st", "2ND": "2nd", "SECOND": "2nd", "3RD": "3rd"}


def _parse_offense_one(text: str) -> tuple[str, str, str, str, bool] | None:
    match = _OFFENSE_RE.match(text.upper())
    if match is None:
        return None
    code = CODE_ALIASES.get(match["code"], match["code"])
    if len(code) < 2:  # a one-letter prefix other than the known old ones
        return None
    parens = re.findall(r"\(\s*([0-9A-Z]{1,4})\s*\)", match["parens"] or "")
    attempt = bool(match["pre"] or match["post"]) or "664" in parens
    subdivision = "".join(f"({p.lower()})" for p in parens if p != "664")
    section = match["section"].lower()
    degree = _DEGREES.get(match["degree"] or "", "")
    return code, section, subdivision, degree, attempt


def parse_offense_codes(raw: pd.Series) -> pd.DataFrame:
    """Parse raw offense codes; unparseable or blank values give NA ``offense_key`` (and NA parts)."""
    values = raw.astype("string")
    uniques = values.dropna().unique()
    rows = {}
    for text in uniques:  # distinct values only: a few thousand at most
        parsed = _parse_offense_one(str(text))
        if parsed is not None:
            code, section, subdivision, degree, attempt = parsed
            rows[text] = (
                code,
                section,
                subdivision,
                degree,
                attempt,
                f"{code}{section}{subdivision}",
            )
    table = pd.DataFrame.from_dict(rows, orient="index", columns=OFFENSE_COLUMNS)
    out = table.reindex(values.to_numpy()).reset_index(drop=True)
    out.index = raw.index
    for col in ("code", "section", "subdivision", "degree", "offense_key"):
        out[col] = out[col].astype("string")
    out["attempt"] = out["attempt"].astype("boolean")
    return out


def offense_label(parsed: pd.DataFrame) -> pd.Series:
    """Readable label for parsed codes: ``PC 187 (2nd, attempt)``."""
    base = parsed["code"] + " " + parsed["section"] + parsed["subdivision"]
    extra = np.where(parsed["degree"].fillna("") != "", parsed["degree"].fillna(""), "")
    extra = pd.Series(extra, index=parsed.index, dtype="string")
    att = parsed["attempt"].fillna(False).astype(bool)
    extra = extra.mask(att & (extra != ""), extra + ", attempt").mask(
        att & (extra == ""), "attempt"
    )
    return base.mask(extra != "", base + " (" + extra + ")")


# --------------------------------------------------------------------------------------------------
# Sentence strings
# --------------------------------------------------------------------------------------------------

SENTENCE_COLUMNS = ["months", "life", "lwop", "condemned", "stayed", "error"]

_TERM_RE = re.compile(
    r"""^\s*(?:(?P<years>-?\d+(?:\.\d+)?)\s*(?:YEARS?|YRS?|Y)\.?)?
    \s*(?:(?P<months>-?\d+(?:\.\d+)?)\s*(?:MONTHS?|MOS?|M)\.?)?
    \s*(?P<life>-?\s*TO\s*-?\s*LIFE)?\s*$""",
    re.VERBOSE,
)


def _parse_sentence_one(text: str) -> tuple[float, bool, bool, bool, bool, str]:
    t = " ".join(text.upper().split())
    if t in {
        "LWOP",
        "LIFE W/O PAROLE",
        "LIFE WITHOUT PAROLE",
        "LIFE WITHOUT THE POSSIBILITY OF PAROLE",
    }:
        return (np.nan, True, True, False, False, "")
    if t in {"CONDEMNED", "DEATH", "DEATH PENALTY"}:
        return (np.nan, True, True, True, False, "")
    if t in {"LIFE WITH PAROLE", "LIFE", "LIFE W/ PAROLE"}:
        return (np.nan, True, False, False, False, "")
    if t == "STAYED":
        return (0.0, False, False, False, True, "")
    match = _TERM_RE.match(t)
    if match is None or (match["years"] is None and match["months"] is None):
        return (np.nan, False, False, False, False, f"unreadable sentence '{text}'")
    years = float(match["years"] or 0)
    months = float(match["months"] or 0)
    if years < 0 or months < 0:
        return (np.nan, False, False, False, False, f"negative sentence '{text}'")
    if months >= 12 and match["years"] is not None:
        return (np.nan, False, False, False, False, f"months out of range in '{text}'")
    return (years * 12 + months, match["life"] is not None, False, False, False, "")


def parse_sentences(raw: pd.Series) -> pd.DataFrame:
    """Parse sentence strings; blanks give NA months and no error."""
    values = raw.astype("string").str.strip()
    blank = values.isna() | (values == "")
    uniques = values[~blank].unique()
    table = pd.DataFrame.from_dict(
        {text: _parse_sentence_one(str(text)) for text in uniques},
        orient="index",
        columns=SENTENCE_COLUMNS,
    )
    out = table.reindex(values.where(~blank).to_numpy()).reset_index(drop=True)
    out.index = raw.index
    out["months"] = out["months"].astype("float64")
    for col in ("life", "lwop", "condemned", "stayed"):
        out[col] = out[col].fillna(False).astype(bool)
    out["error"] = out["error"].fillna("").astype("string")
    return out


def format_term(months: float, life: bool = False) -> str:
    """Inverse of the parser for determinate terms: ``25 Years 0 Months-to-Life``, ``8 Months``."""
    years, rest = divmod(int(round(months)), 12)
    text = f"{years} Years {rest} Months" if years else f"{rest} Months"
    return text + "-to-Life" if life else text
