"""Row checks shared by every CDCR file: a flagged row is quarantined with its file, row, column,
value and reason.

The column checks here (dates, numbers, yes/no flags, counties, offense codes) are the same for the
demographics, the commitments, the DSA extras and the review-decision log, so one bad value gets the
same reason whichever file it is in.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import counties
from helpers.data import reference
from helpers.data.codes import parse_offense_codes
from helpers.data.tables import RawTable, empty_problems, parse_dates, parse_numbers

YES_NO: dict[str, bool] = {
    "Y": True,
    "YES": True,
    "TRUE": True,
    "1": True,
    "N": False,
    "NO": False,
    "FALSE": False,
    "0": False,
}


class RowChecks:
    """Collects row-level problems of one raw table; a flagged row is quarantined."""

    def __init__(self, table: RawTable) -> None:
        self.table = table
        self.parts: list[pd.DataFrame] = [table.problems]
        self.bad = np.zeros(len(table.frame), dtype=bool)

    def flag(self, mask: object, column: str, reason: object, value: object = None) -> None:
        """Quarantine rows where ``mask`` is true, naming ``column`` and ``reason``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        if value is None:
            value = self.table.frame.get(column, "")
        values = (
            value.iloc[idx].astype("string").to_numpy() if isinstance(value, pd.Series) else value
        )
        reasons = reason.iloc[idx].to_numpy() if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.table.name,
                    "row": self.table.rows[idx],
                    "column": column,
                    "value": values,
                    "reason": reasons,
                }
            )
        )
        self.bad |= mask

    def flag_errors(self, errors: pd.Series, column: str) -> None:
        """Quarantine rows whose parse ``errors`` (reason strings) are non-empty."""
        self.flag((errors != "").to_numpy(), column, errors)

    def problems(self) -> pd.DataFrame:
        """Every problem found so far (``file, row, column, value, reason``), in the order found."""
        parts = [p for p in self.parts if not p.empty]
        if not parts:
            return empty_problems()
        return pd.concat(parts, ignore_index=True)

    def counts(self) -> dict[str, int]:
        """Row accounting of the table: ``rows_in``, ``kept`` and ``quarantined`` rows."""
        problems = self.problems()
        return {
            "rows_in": self.table.rows_in,
            "kept": int((~self.bad).sum()),
            "quarantined": int(problems["row"].nunique()) if not problems.empty else 0,
        }


def isin(values: pd.Series, allowed: object) -> np.ndarray:
    """Fast membership test for string columns (Arrow hashing; pandas' ``isin`` is slow on them)."""
    value_set = pa.array(
        pd.Series(
            list(allowed) if not isinstance(allowed, pd.Series | pd.Index) else allowed,
            dtype="string",
        )
    )
    result = pc.is_in(pa.array(values.astype("string")), value_set=value_set)
    return result.to_numpy(zero_copy_only=False).astype(bool)


def column_text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped strings, or blanks when the column is absent."""
    if name in frame:
        return frame[name].astype("string").str.strip()
    return pd.Series("", index=frame.index, dtype="string")


def date_column(
    frame: pd.DataFrame,
    checks: RowChecks,
    column: str,
    future_ok: bool = False,
) -> pd.Series:
    """A date column; unreadable dates, and dates after today unless ``future_ok``, are flagged.

    Dates after the as-of date are legitimate when an office evaluates an earlier date (the person is
    flagged downstream); dates after today cannot be true.
    """
    values, errors = parse_dates(column_text(frame, column))
    checks.flag_errors(errors, column)
    if not future_ok:
        today = pd.Timestamp(date.today())
        checks.flag((values > today).fillna(False).to_numpy(), column, "date in the future")
    return values


def number_column(frame: pd.DataFrame, checks: RowChecks, column: str) -> pd.Series:
    """A number column (float, NaN for blank); text and negative numbers are flagged."""
    values, errors = parse_numbers(column_text(frame, column))
    checks.flag_errors(errors, column)
    return values


def yes_no(values: pd.Series) -> pd.Series:
    """Y/YES/TRUE/1 and N/NO/FALSE/0 (any case) as a nullable boolean; anything else is <NA>."""
    text = values.astype("string").str.strip().str.upper()
    return text.map(YES_NO).astype("boolean")


#: ``county_status`` of a county column: a California county, or a place outside it.
COUNTY_STATUSES = ("california", "out_of_state", "other_country", "unknown")


def _place_status(raw: pd.Series) -> pd.Series:
    """The status of places outside California (``places_outside_california.csv``), <NA> else."""
    places = reference.places_outside_california()
    key = places["name"].str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    lookup = pd.Series(places["status"].to_numpy(), index=key.to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    norm = raw.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return norm.map(lookup).astype("string")


def county_column(
    frame: pd.DataFrame, checks: RowChecks, column: str, *, outside_ok: bool = False
) -> pd.DataFrame:
    """Canonical ``county`` and ``fips`` of a county column, and its ``county_status``.

    Unknown and blank counties are flagged.  With ``outside_ok`` (prior commitments, which CDCR
    records for sentences from other states and countries) a place outside California
    (``Other Country``, ``Unknown``, a state) is kept: ``county`` is <NA> and ``county_status`` says
    ``out_of_state``, ``other_country`` or ``unknown``.  A California county always wins: "Nevada"
    is Nevada County.
    """
    raw = column_text(frame, column)
    canon = counties.canonical_counties(raw)
    unknown = canon["county"].isna().to_numpy()
    status = pd.Series("california", index=raw.index, dtype="string")
    if outside_ok and unknown.any():
        place = _place_status(raw).where(unknown)
        status = status.mask(place.notna(), place)
        unknown = unknown & place.isna().to_numpy()
    checks.flag(unknown & (raw != "").to_numpy(), column, "unknown California county")
    checks.flag((raw == "").to_numpy(), column, "blank county")
    canon.index = frame.index
    canon["county_status"] = status.to_numpy()
    return canon


def offense_code_column(frame: pd.DataFrame, checks: RowChecks, column: str) -> pd.DataFrame:
    """Parsed offense codes of a column; unreadable and blank codes are flagged."""
    raw = column_text(frame, column)
    parsed = parse_offense_codes(raw)
    checks.flag(
        (parsed["offense_key"].isna() & (raw != "")).to_numpy(), column, "unreadable offense code"
    )
    checks.flag((raw == "").to_numpy(), column, "blank offense code")
    return parsed


#: What an identifier may hold.  CDCR numbers are letters and digits (``AB1234``; the public
#: releases' hashed IDs are 8 or 10 hex characters); superior-court case numbers add spaces and a
#: few separators (``BA103541``, ``17F259669``, ``CR-2019-001234``, ``SCD 12345/01``).
IDENTIFIER_CHARACTERS = {
    "cdcno": ("a CDCR number", r"A-Za-z0-9"),
    "case number": ("a case number", r"A-Za-z0-9 ._/#()\-"),
}
#: First characters that make a spreadsheet read a cell as a formula, and pasted control text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def identifier_column(frame: pd.DataFrame, checks: RowChecks, column: str, kind: str) -> pd.Series:
    """An identifier column (``kind``: ``cdcno`` or ``case number``) as stripped text; a cell that
    does not look like one (a formula start ``= + - @``, a leading tab or carriage return, or a
    character no such identifier has) is flagged with the character named.  Blank cells pass
    (the caller decides whether a blank is allowed)."""
    what, allowed = IDENTIFIER_CHARACTERS[kind]
    raw = frame[column].astype("string").fillna("") if column in frame else None
    text = column_text(frame, column)
    if raw is None:
        return text
    starts = raw.str.lstrip(" ").str[:1]
    formula = isin(starts, FORMULA_STARTS) & (raw.str.strip() != "").to_numpy()
    bad_char = text.str.extract(f"([^{allowed}])", expand=False).fillna("")
    odd = ~formula & (bad_char != "").to_numpy()
    if formula.any():
        shown = starts[formula].map(repr).reindex(raw.index).astype("string")
        checks.flag(
            formula, column, f"not {what}: starts with " + shown + " (a formula or pasted text)"
        )
    if odd.any():
        shown = bad_char[odd].map(repr).reindex(raw.index).astype("string")
        checks.flag(odd, column, f"not {what}: holds " + shown)
    return text


def known_people(frame: pd.DataFrame, checks: RowChecks, people_ids: pd.Index) -> pd.Series:
    """The ``cdcno`` column; malformed IDs and rows of people not kept in demographics are
    flagged."""
    before = checks.bad.copy()
    cdcno = identifier_column(frame, checks, "cdcno", "cdcno")
    malformed = checks.bad & ~before
    checks.flag(
        ~isin(cdcno, people_ids) & ~malformed,
        "cdcno",
        "cdcno not among the kept people in demographics",
    )
    return cdcno


def offense_dates(frame: pd.DataFrame, checks: RowChecks) -> tuple[pd.Series, pd.Series]:
    """Offense begin and end dates; an end date before the begin date is flagged."""
    begin = date_column(frame, checks, "offense begin date")
    end = date_column(frame, checks, "offense end date")
    checks.flag(
        (begin > end).fillna(False).to_numpy(),
        "offense end date",
        "offense end date before begin date",
    )
    return begin, end
